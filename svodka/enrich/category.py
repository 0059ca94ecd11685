"""Category of a news text: society, economy, technology, sports, entertainment, science, other or not_news.

Signals combined: the shipped linear model (TF-IDF of the headline and of the text plus mean navec word vectors of
both, see `category_train.py`), the label distribution of real news (the model is trained class-balanced), the
site's own section path or RSS categories (a strong prior when they name a rubric), headline patterns of texts
that are not news (how-tos, listicles, ads), and the cues of `category_cues.py` for what the rubric corpora do not
teach (ordinary forecasts are "other", horoscopes not-news, research headlines science, computer games
entertainment).
The model loads lazily once; its float16 weights are widened to float32 on load.
"""

from __future__ import annotations

import gzip
import pickle
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from svodka.enrich.category_cues import is_game_title, is_horoscope, is_ordinary_weather, is_research_title
from svodka.enrich.lexicons import CATEGORIES, fold, is_not_news_title, section_category

MODEL_PATH = Path(__file__).with_name("category_model.pkl.gz")

CATEGORY_NAMES_RU: dict[str, str] = {
    "society": "Общество",
    "economy": "Экономика",
    "technology": "Технологии",
    "sports": "Спорт",
    "entertainment": "Культура",
    "science": "Наука",
    "other": "Другое",
    "not_news": "Не новость",
}

# How strongly the label distribution of real news corrects the class-balanced model (0 = not at all); chosen
# by scoring the corpus-only model on the tgcontest training documents (0 beat 0.25 and higher there).
PRIOR_POWER = 0.0
# How much a site section naming a category multiplies that category's probability (sections are editorial labels).
SECTION_BOOST = 25.0
# How much a not-news headline pattern multiplies the not_news probability.
NOT_NEWS_TITLE_BOOST = 8.0
# Ordinary forecasts are "other" by the tgcontest guidelines (the corpora call them city news), so this cue must
# overrule the model. Horoscopes are not-news by our product's definition (issue 3), though the tgcontest guidelines
# file them under "other".
WEATHER_BOOST = 1000.0
# A headline naming researchers or doctors multiplies the science probability (10 was chosen on training documents).
RESEARCH_TITLE_BOOST = 10.0
# A headline about computer games (not esports) multiplies the entertainment probability.
GAME_TITLE_BOOST = 10.0
# The model reads the headline and the start of the text: the lead says what a story is about.
BODY_CHARS = 2500
# Separates headline and text in the single string the vectorizers receive.
FIELD_SEPARATOR = "\u2029"

_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[а-яёa-z]+")
_lock = threading.Lock()


def title_part(document: str) -> str:
    """The headline of a joined document, folded (the preprocessor of the headline vectorizer)."""
    return fold(document.partition(FIELD_SEPARATOR)[0])


def body_part(document: str) -> str:
    """Headline and text of a joined document, folded (the preprocessor of the text vectorizers)."""
    return fold(document.replace(FIELD_SEPARATOR, " "))


def join_document(title: str, text: str) -> str:
    """One string for the model: headline, separator, the first BODY_CHARS of the text, spaces squeezed."""
    title = _SPACES.sub(" ", title or "").strip()
    body = _SPACES.sub(" ", (text or "")[: BODY_CHARS * 2]).strip()[:BODY_CHARS]
    return f"{title}{FIELD_SEPARATOR}{body}"


@lru_cache(maxsize=1)
def _navec() -> Any:
    """natasha's news word vectors (navec, 250k words, product-quantised), shipped inside the natasha package."""
    import natasha
    from navec import Navec

    return Navec.load(Path(natasha.__file__).parent / "data" / "emb" / "navec_news_v1_1B_250K_300d_100q.tar")


class MeanWordVectors:
    """sklearn transformer: the unit-length mean navec vector of a document part ("title" or "body").

    Word vectors carry meaning across outlets and years where TF-IDF of one corpus does not ("форвард" ~ "нападающий").
    """

    def __init__(self, part: str = "title", scale: float = 1.0) -> None:
        self.part = part
        self.scale = scale

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"part": self.part, "scale": self.scale}

    def set_params(self, **params: Any) -> MeanWordVectors:
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def fit(self, documents: list[str], labels: Any = None) -> MeanWordVectors:
        return self

    def fit_transform(self, documents: list[str], labels: Any = None, **_: Any) -> Any:
        return self.transform(documents)

    def transform(self, documents: list[str]) -> Any:
        import numpy as np

        navec = _navec()
        pq, vocab = navec.pq, navec.vocab.word_ids
        rows = np.zeros((len(documents), pq.dim), dtype=np.float32)
        reader = title_part if self.part == "title" else body_part
        for row, document in enumerate(documents):
            words = _WORD.findall(reader(document).lower())
            ids = [vocab[w] for w in words if w in vocab]
            if ids:
                vector = pq.codes[pq.qdims, pq.indexes[ids]].sum(axis=0).reshape(pq.dim)
                norm = float(np.linalg.norm(vector))
                if norm:
                    rows[row] = vector * (self.scale / norm)
        return rows


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> Any:
    """The fitted sklearn pipeline from the shipped artefact; FileNotFoundError says how to rebuild it."""
    if not path.exists():
        raise FileNotFoundError(f"category model missing at {path}: run `svodka train category`")
    with _lock, gzip.open(path, "rb") as handle:
        model = pickle.load(handle)  # noqa: S301 - our own artefact shipped inside the package
    widen_model(model)
    return model


def widen_model(model: Any) -> None:
    """Turn the float16 weights and idf of a shipped (compacted) pipeline back into float32, in place."""
    import numpy as np

    classifier = model.named_steps["classifier"]
    classifier.coef_ = classifier.coef_.astype(np.float32)
    for _, transformer in model.named_steps["features"].transformer_list:
        if hasattr(transformer, "idf_"):
            transformer.idf_ = transformer.idf_.astype(np.float32)


def combine(probabilities: dict[str, float], title: str, section: str | None,
            feed_categories: list[str] | None, label_prior: dict[str, float] | None = None, text: str = "") -> str:
    """The final label from model probabilities, the label prior of real news and the section / headline cues."""
    scores = dict(probabilities)
    for label, prior in (label_prior or {}).items():
        scores[label] = scores.get(label, 0.0) * prior ** PRIOR_POWER
    hinted = section_category(section, feed_categories)
    if hinted in scores:
        scores[hinted] *= SECTION_BOOST
    if is_not_news_title(title):
        scores["not_news"] *= NOT_NEWS_TITLE_BOOST
    if "other" in scores and is_ordinary_weather(title, text):
        scores["other"] *= WEATHER_BOOST
    if "not_news" in scores and is_horoscope(title):
        scores["not_news"] *= WEATHER_BOOST
    if "science" in scores and is_research_title(title):
        scores["science"] *= RESEARCH_TITLE_BOOST
    if "entertainment" in scores and is_game_title(title):
        scores["entertainment"] *= GAME_TITLE_BOOST
    return max(scores, key=lambda label: scores[label])


def _probabilities(model: Any, documents: list[str]) -> list[dict[str, float]]:
    rows = model.predict_proba(documents)
    labels = [str(label) for label in model.classes_]
    return [{label: float(p) for label, p in zip(labels, row, strict=True)} for row in rows]


def classify(title: str, text: str, section: str | None = None, feed_categories: list[str] | None = None) -> str:
    """One of CATEGORIES for an article; "other" when there is nothing to read."""
    return classify_many([(title, text, section, feed_categories)])[0]


def classify_many(items: list[tuple[Any, ...]]) -> list[str]:
    """Labels for many articles at once, in order.

    Each item is `(title, text)`, `(title, text, section)` or `(title, text, section, feed_categories)`;
    batching runs the vectorizers once over all of them. An empty item gets "other".
    """
    if not items:
        return []
    model = load_model()
    prepared: list[tuple[str, str, str | None, list[str] | None]] = []
    for item in items:
        title, text = (str(item[0] or ""), str(item[1] or "")) if len(item) >= 2 else ("", "")
        section = item[2] if len(item) > 2 else None
        feed_categories = list(item[3]) if len(item) > 3 and item[3] else None
        prepared.append((title, text, section, feed_categories))
    documents = [join_document(title, text) for title, text, _, _ in prepared]
    readable = [i for i, (title, text, _, _) in enumerate(prepared) if (title + text).strip()]
    labels = ["other"] * len(items)
    if readable:
        for index, probabilities in zip(readable, _probabilities(model, [documents[i] for i in readable]),
                                        strict=True):
            title, text, section, feed_categories = prepared[index]
            labels[index] = combine(probabilities, title, section, feed_categories,
                                    getattr(model, "label_prior_", None), text)
    return labels


assert set(CATEGORY_NAMES_RU) == set(CATEGORIES)
