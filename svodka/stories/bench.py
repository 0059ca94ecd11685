"""`svodka bench cluster`: same-event quality on labelled pairs, topic purity on BSNLP, and stream scaling.

Every quality figure is printed beside the plain baseline computed in the same run: TF-IDF over lower-cased
words (scikit-learn, IDF fitted on Fontanka background articles plus the evaluated texts) with single-link at the
baseline's own best threshold (an oracle choice, flattering it). Our clusterer runs as shipped: a fresh
`StoryClusterer` whose IDF is the shipped prior plus what it has seen, exactly what `svodka cluster` does.
"""

from __future__ import annotations

import random
import resource
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from svodka.stories.cluster import ClusterSettings, StoryClusterer
from svodka.stories.corpus import _EPOCH, bsnlp_items, event_pairs, fontanka_items, headline_pairs
from svodka.stories.represent import ClusterItem

BACKGROUND_DOCS = 3000
STREAM_SPAN = timedelta(weeks=4)


@dataclass
class PairScores:
    name: str
    pairs: int
    positives: int
    ours: float
    baseline: float
    baseline_threshold: float


@dataclass
class PurityScores:
    documents: int
    topics: int
    stories: int
    purity: float
    singletons: int
    baseline_stories: int
    baseline_purity: float


@dataclass
class StreamScores:
    """Wall and CPU seconds of the whole stream; latencies are CPU time per assignment (the machine is shared)."""

    articles: int
    seconds: float
    cpu_seconds: float
    per_article_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    late_p95_ms: float
    stories: int
    duplicates: int
    open_stories: int
    peak_rss_mb: float


def f1(predicted: Sequence[bool], gold: Sequence[bool]) -> float:
    """F1 of the positive class."""
    tp = sum(p and g for p, g in zip(predicted, gold, strict=True))
    fp = sum(p and not g for p, g in zip(predicted, gold, strict=True))
    fn = sum(g and not p for p, g in zip(predicted, gold, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _background(limit: int = BACKGROUND_DOCS) -> list[ClusterItem]:
    """Fontanka articles that give the baseline's IDF a realistic background (not part of any evaluated pair)."""
    return [replace(item, published=_EPOCH) for item, _ in fontanka_items(limit)]


def same_story(first: ClusterItem, second: ClusterItem, settings: ClusterSettings | None = None) -> bool:
    """Does a fresh clusterer (as `svodka cluster` runs it) put the two articles into one story?"""
    clusterer = StoryClusterer(settings)
    return clusterer.assign(first).story_id == clusterer.assign(second).story_id


def _baseline_similarities(background: list[ClusterItem], pairs: list[tuple[str, str]]) -> list[float]:
    """Cosine of plain TF-IDF vectors (lower-cased words, IDF from the background and the pairs)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"{b.title}\n{b.text}" for b in background] + [t for pair in pairs for t in pair]
    vectorizer = TfidfVectorizer(lowercase=True, sublinear_tf=True).fit(texts)
    first = vectorizer.transform([a for a, _ in pairs])
    second = vectorizer.transform([b for _, b in pairs])
    return [float(v) for v in first.multiply(second).sum(axis=1).A1]


def _best_threshold(similarities: list[float], gold: list[bool]) -> tuple[float, float]:
    best = (0.0, 0.0)
    for step in range(2, 96):
        threshold = step / 100
        score = f1([s >= threshold for s in similarities], gold)
        if score > best[0]:
            best = (score, threshold)
    return best


def bench_event_pairs(background: list[ClusterItem]) -> PairScores:
    """F1 of "same event" on the 40 tgcontest pairs: our decision vs. the TF-IDF baseline."""
    pairs = event_pairs()
    ours = [same_story(p.first, p.second) for p in pairs]
    gold = [p.same for p in pairs]
    sims = _baseline_similarities(background, [(f"{p.first.title}\n{p.first.text}", f"{p.second.title}\n"
                                                 f"{p.second.text}") for p in pairs])
    base, threshold = _best_threshold(sims, gold)
    return PairScores("tgcontest same-event pairs", len(pairs), sum(gold), f1(ours, gold), base, threshold)


def bench_headline_pairs(background: list[ClusterItem]) -> list[PairScores]:
    """F1 on ParaPhraser headlines: "same" = class 0 or 1, "strict" = class 1."""
    pairs = headline_pairs()
    ours = []
    for n, p in enumerate(pairs):
        a = ClusterItem(id=f"a{n}", url="", title=p.first, text="", published=_EPOCH, source="a")
        b = ClusterItem(id=f"b{n}", url="", title=p.second, text="", published=_EPOCH, source="b")
        ours.append(same_story(a, b))
    sims = _baseline_similarities(background, [(p.first, p.second) for p in pairs])
    results = []
    for name, gold in (("paraphraser headlines, same (class ≥ 0)", [p.label >= 0 for p in pairs]),
                       ("paraphraser headlines, strict (class 1)", [p.label == 1 for p in pairs])):
        base, threshold = _best_threshold(sims, gold)
        results.append(PairScores(name, len(pairs), sum(gold), f1(ours, gold), base, threshold))
    return results


def _purity(labels: list[str], clusters: list[int]) -> float:
    members: dict[int, list[str]] = defaultdict(list)
    for label, cluster in zip(labels, clusters, strict=True):
        members[cluster].append(label)
    return sum(Counter(v).most_common(1)[0][1] for v in members.values()) / max(len(labels), 1)


def _single_link(similarities, threshold: float) -> list[int]:  # type: ignore[no-untyped-def]
    """Connected components of the graph "cosine ≥ threshold" (the classic single-link cut)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    graph = csr_matrix(similarities >= threshold)
    _, labels = connected_components(graph, directed=False)
    return [int(x) for x in labels]


def bench_bsnlp(background: list[ClusterItem], baseline_threshold: float, seed: int = 7) -> PurityScores:
    """Cluster the BSNLP documents as one stream over three days; purity against the 7 topics."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    rng = random.Random(seed)
    docs = [(replace(item, published=_EPOCH + timedelta(minutes=rng.randrange(3 * 24 * 60))), topic)
            for item, topic in bsnlp_items()]
    docs.sort(key=lambda d: (d[0].published, str(d[0].id)))
    clusterer = StoryClusterer()
    stories = [clusterer.assign(item).story_id for item, _ in docs]
    topics = [topic for _, topic in docs]
    texts = [f"{item.title}\n{item.text}" for item, _ in docs]
    vectors = TfidfVectorizer(lowercase=True, sublinear_tf=True).fit_transform(texts)
    base = _single_link((vectors @ vectors.T).toarray(), baseline_threshold)
    sizes = Counter(stories)
    return PurityScores(len(docs), len(set(topics)), len(sizes), _purity(topics, stories),
                        sum(1 for s in sizes.values() if s == 1), len(set(base)), _purity(topics, base))


def synthetic_stream(size: int, span: timedelta = STREAM_SPAN, seed: int = 11) -> list[ClusterItem]:
    """`size` articles from Fontanka (in its real order, time-compressed) and BSNLP, cycled, over `span`.

    Each pass over the corpus gets its own slice of the span, so a repeated article is weeks away from its
    earlier copy (a new story then, as a yearly recurring event would be).
    """
    rng = random.Random(seed)
    corpus: list[ClusterItem] = [item for item, _ in fontanka_items()]
    bsnlp = [item for item, _ in bsnlp_items()]
    for item in bsnlp:
        corpus.insert(rng.randrange(len(corpus)), item)
    start = datetime(2025, 1, 6, tzinfo=UTC)
    step = span / size
    stream = []
    for n in range(size):
        base = corpus[n % len(corpus)]
        stream.append(replace(base, id=f"s{n}", published=start + step * n))
    return stream


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_stream(items: list[ClusterItem], progress: Callable[[int], None] | None = None) -> StreamScores:
    """Assign a stream in order; wall and CPU time, per-assignment CPU latencies, stories, peak RSS."""
    clusterer = StoryClusterer()
    latencies: list[float] = []
    stories: set[int] = set()
    duplicates = 0
    began = time.perf_counter()
    began_cpu = time.process_time()
    for n, item in enumerate(items, 1):
        tick = time.thread_time()
        result = clusterer.assign(item)
        latencies.append(time.thread_time() - tick)
        stories.add(result.story_id)
        duplicates += result.duplicate_of is not None
        if progress is not None and n % 500 == 0:
            progress(n)
    seconds = time.perf_counter() - began
    cpu_seconds = time.process_time() - began_cpu
    ordered = sorted(latencies)
    late = sorted(latencies[len(latencies) * 9 // 10 :])

    def pct(values: list[float], q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))] * 1000

    return StreamScores(len(items), seconds, cpu_seconds, cpu_seconds / len(items) * 1000, pct(ordered, 0.5),
                        pct(ordered, 0.95), pct(ordered, 0.99), pct(late, 0.95), len(stories), duplicates,
                        clusterer.open_stories, _rss_mb())
