"""A shipped prior for document frequencies, so IDF is sensible before the recent window has filled.

The prior is a table lemma -> number of documents, counted over Fontanka.ru 2022–2023 articles (numbers only;
no text is shipped). `IdfWindow` blends it with the live window as if it were `PRIOR_WEIGHT` documents, so on a
busy site the recent window dominates within hours, and `svodka cluster` on a two-line file still knows that
"заявить" is common and "Шахаров" is not.

Rebuild: `python -m svodka.stories.idf_prior` (needs ../shared/data).
"""

from __future__ import annotations

import gzip
import json
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from svodka.stories.represent import ClusterItem, represent

log = logging.getLogger(__name__)

PRIOR_PATH = Path(__file__).with_name("data") / "idf_prior.json.gz"
MIN_DF = 4
MAX_TERMS = 60_000


@dataclass
class IdfPrior:
    documents: int
    df: dict[str, int]


def count_document_frequencies(items: Iterable[ClusterItem]) -> IdfPrior:
    """Document frequencies of the lemmas `represent` gives, over the items."""
    df: Counter[str] = Counter()
    documents = 0
    for item in items:
        df.update(represent(item).terms.keys())
        documents += 1
    kept = {t: c for t, c in df.most_common(MAX_TERMS) if c >= MIN_DF}
    return IdfPrior(documents, kept)


def save_prior(prior: IdfPrior, path: Path = PRIOR_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"documents": prior.documents, "df": dict(sorted(prior.df.items()))}
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(payload, handle, ensure_ascii=False, separators=(",", ":"))


@lru_cache(maxsize=1)
def load_prior(path: Path = PRIOR_PATH) -> IdfPrior | None:
    """The shipped prior, or None (with a warning) when the file is missing or unreadable."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            payload = json.load(handle)
        return IdfPrior(int(payload["documents"]), {str(k): int(v) for k, v in payload["df"].items()})
    except (OSError, ValueError, KeyError) as error:
        log.warning("IDF prior unavailable (%s): IDF comes from the recent window only", error)
        return None


def main() -> None:
    from svodka.stories.corpus import fontanka_items

    prior = count_document_frequencies(item for item, _ in fontanka_items())
    save_prior(prior)
    print(f"{len(prior.df)} lemmas over {prior.documents} documents -> {PRIOR_PATH}")


if __name__ == "__main__":
    main()
