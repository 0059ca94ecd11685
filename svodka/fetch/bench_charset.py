"""`svodka bench charset`: decode_html beside httpx's own decoding and plain charset-normalizer, on real Russian text.

Texts come from `../shared/data` (never copied): ParaPhraser headlines (short: the hard case for detection), BSNLP
articles (title and body wrapped in minimal HTML), and the real news pages of `pages/` (their own charset
declarations removed). Each text is encoded as utf-8, windows-1251 and koi8-r and served under six declaration
scenarios: an honest Content-Type header, an honest <meta>, nothing, a wrong header, a wrong <meta>, and a header
saying iso-8859-1 (a web server's old default). The wrong label is utf-8 for single-byte bytes and windows-1251
otherwise (koi8-r bytes are labelled windows-1251, the lie that still decodes without errors). A decode is correct
when the whole text equals the original (characters the codec cannot hold replaced by "?" on both sides).

Systems, all in one run: ours (`decode_html`); httpx (`Response.text`: header charset, else utf-8); plain
charset-normalizer (`from_bytes(body).best()`, ignoring declarations).
"""

from __future__ import annotations

import gzip
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import escape

import httpx
from charset_normalizer import from_bytes
from rich.console import Console
from rich.table import Table

from svodka.corpora import require_shared_data
from svodka.corpora.bsnlp import iter_documents
from svodka.fetch.charset import decode_html

CODECS = {"utf-8": "utf-8", "windows-1251": "cp1251", "koi8-r": "koi8_r"}
WRONG_LABEL = {"utf-8": "windows-1251", "windows-1251": "utf-8", "koi8-r": "windows-1251"}
SCENARIOS = ("honest header", "honest meta", "undeclared", "wrong header", "wrong meta", "latin-1 header")
SYSTEMS = ("ours", "httpx", "charset-normalizer")
_DECLARATIONS = re.compile(r"<meta[^>]*charset[^>]*>|(?<=<\?xml)[^>]*encoding=[^>]*(?=\?>)", re.IGNORECASE)
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
_TEXT_1 = re.compile(r'<value name="text_1">(.*?)</value>', re.DOTALL)


@dataclass
class Tally:
    correct: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    cases: int = 0


def headlines(sample: int, rng: random.Random) -> list[str]:
    raw = require_shared_data("paraphraser", "paraphrases.xml").read_text(encoding="utf-8")
    texts = sorted({m.strip() for m in _TEXT_1.findall(raw) if m.strip()})
    return rng.sample(texts, min(sample, len(texts))) if sample else texts


def articles(sample: int, rng: random.Random) -> list[str]:
    docs = [d for d in iter_documents() if d.language.startswith("ru") and d.text]
    chosen = rng.sample(docs, min(sample, len(docs))) if sample else docs
    return [f"<h1>{escape(d.title)}</h1>\n<p>{escape(d.text)}</p>" for d in chosen]


def real_pages() -> list[str]:
    root = require_shared_data("pages")
    pages = []
    for path in sorted(root.rglob("*.html*")):
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        pages.append(_DECLARATIONS.sub("", raw.decode("utf-8", errors="replace")))
    return pages


def wrap(content: str) -> str:
    """A page around a text unless it already is one; a NUL marks where a declaration may go."""
    if _HEAD.search(content):
        return _HEAD.sub(lambda m: m.group(0) + "\0", content, count=1)
    return f"<!doctype html><html><head>\0<title>Новости</title></head><body>{content}</body></html>"


def variants(page: str) -> Iterator[tuple[str, str, bytes, str | None, str]]:
    """(scenario, codec label, body, Content-Type header, expected text) for one page."""
    for label, codec in CODECS.items():
        for scenario in SCENARIOS:
            header_label = {"honest header": label, "wrong header": WRONG_LABEL[label],
                            "latin-1 header": "iso-8859-1"}.get(scenario)
            meta_label = {"honest meta": label, "wrong meta": WRONG_LABEL[label]}.get(scenario)
            meta = f'<meta charset="{meta_label}">' if meta_label else ""
            text = page.replace("\0", meta)
            body = text.encode(codec, errors="replace")
            expected = body.decode(codec)
            header = f"text/html; charset={header_label}" if header_label else "text/html"
            yield scenario, label, body, header, expected


def decoders() -> dict[str, Callable[[bytes, str | None], str]]:
    def ours(body: bytes, header: str | None) -> str:
        return decode_html(body, header)[0]

    def httpx_text(body: bytes, header: str | None) -> str:
        return httpx.Response(200, headers={"content-type": header or "text/html"}, content=body).text

    def normalizer(body: bytes, header: str | None) -> str:
        best = from_bytes(body).best()
        return str(best) if best is not None else body.decode("utf-8", errors="replace")

    return {"ours": ours, "httpx": httpx_text, "charset-normalizer": normalizer}


def run_bench(*, headline_sample: int = 1000, article_sample: int = 0, seed: int = 13) -> None:
    """Run all systems on all scenarios and print the tables; a sample of 0 means every text."""
    rng = random.Random(seed)
    corpora = {
        "headlines (ParaPhraser)": [wrap(escape(t)) for t in headlines(headline_sample, rng)],
        "articles (BSNLP)": [wrap(t) for t in articles(article_sample, rng)],
        "real pages (pages/)": [wrap(p) for p in real_pages()],
    }
    by_scenario: dict[tuple[str, str], Tally] = defaultdict(Tally)
    by_corpus: dict[str, Tally] = defaultdict(Tally)
    systems = decoders()
    for corpus, pages in corpora.items():
        for page in pages:
            for scenario, label, body, header, expected in variants(page):
                for tally in (by_scenario[(scenario, label)], by_corpus[corpus]):
                    tally.cases += 1
                for name, decode in systems.items():
                    started = time.perf_counter()
                    ok = decode(body, header) == expected
                    spent = time.perf_counter() - started
                    for tally in (by_scenario[(scenario, label)], by_corpus[corpus]):
                        tally.correct[name] += ok
                        tally.seconds[name] += spent
    _print(by_scenario, by_corpus, headline_sample, article_sample, seed)


def _pct(tally: Tally, name: str) -> str:
    if not tally.cases:
        return "-"
    return f"{100 * tally.correct[name] / tally.cases:.2f}% ({tally.cases - tally.correct[name]} wrong)"


def _print(by_scenario: dict[tuple[str, str], Tally], by_corpus: dict[str, Tally], headline_sample: int,
           article_sample: int, seed: int) -> None:
    console = Console(width=150)
    table = Table(title="Charset decoding accuracy by declaration scenario (share of pages decoded exactly)")
    for column in ("scenario", "bytes in", "pages", *SYSTEMS):
        table.add_column(column, justify="left" if column in {"scenario", "bytes in"} else "right")
    for scenario in SCENARIOS:
        for label in CODECS:
            tally = by_scenario[(scenario, label)]
            table.add_row(scenario, label, str(tally.cases), *(_pct(tally, name) for name in SYSTEMS))
    console.print(table)

    total = Tally()
    summary = Table(title="By corpus: accuracy and speed (ms per page); ratios to the baselines below")
    for column in ("corpus", "pages", *SYSTEMS, "ours ms", "httpx ms", "c-n ms"):
        summary.add_column(column, justify="left" if column == "corpus" else "right")
    for corpus, tally in [*by_corpus.items(), ("all", total)]:
        if corpus != "all":
            total.cases += tally.cases
            for name in SYSTEMS:
                total.correct[name] += tally.correct[name]
                total.seconds[name] += tally.seconds[name]
        summary.add_row(corpus, str(tally.cases), *(_pct(tally, name) for name in SYSTEMS),
                        *(f"{1000 * tally.seconds[name] / max(tally.cases, 1):.2f}" for name in SYSTEMS))
    console.print(summary)
    ours = total.correct["ours"]
    for name in SYSTEMS[1:]:
        ratio = ours / total.correct[name] if total.correct[name] else float("inf")
        console.print(f"ours vs {name}: {ratio:.3f}× as many pages right; wrong pages {total.cases - ours} vs "
                      f"{total.cases - total.correct[name]}")
    console.print(f"reproduce: svodka bench charset --headlines {headline_sample} --articles {article_sample} "
                  f"--seed {seed}")
