"""Incremental same-event clustering ("сюжеты"): each article, in publication order, joins a story or starts one.

`StoryClusterer.assign(item) -> Assignment(story_id, duplicate_of, similarity, new_story)`.
Representation: lemmatised TF-IDF (IDF over the recent window), headline TF-IDF, shared names (capitalised lemmas
or canonical entity ids), shared numbers; near-copies are caught first by MinHash LSH (`duplicates.py`).
Time, as the annotation guidelines of same-event pairs ask: articles whose headlines, or whose headlines and
opening lines, name days and share none are different events ("Прогноз погоды на 8 ноября" / "... на 16 ноября").
Candidate stories come from an inverted index over each story's top lemmas and names; each posting is kept in
order of last activity and only its most recent `posting_depth` stories are read, and only the best few by
centroid cosine are compared in full, so one assignment costs O(keys × depth), independent of the window size.
Stories close after `story_ttl` of silence and leave every index.
With `ClusterSettings.merge_bridges` (the default), an article that joins several open stories folds them into one
(`Assignment.merged`), so the grouping depends far less on the order articles arrive in.
With `ClusterSettings(use_meaning=True)`, when the lexical signals leave a decision open (a weak join, or a near
miss), the meaning of the headlines decides: multilingual-e5 vectors (`similarity_embedding.py`) join paraphrased
headlines that share few words and veto a weak join of headlines that mean different things. Vectors are computed
only for such open decisions, at most once per article and per story member, so the cost per assignment is bounded.
"""

from __future__ import annotations

import heapq
import logging
import math
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import islice

import numpy as np

from svodka.stories import similarity_embedding
from svodka.stories.duplicates import DuplicateIndex
from svodka.stories.headline import pick_title
from svodka.stories.idf_prior import IdfPrior, load_prior
from svodka.stories.represent import ArticleFeatures, ClusterItem, ItemId, represent

log = logging.getLogger(__name__)

VECTOR_TERMS = 40
QUERY_TERMS = 12
STORY_INDEX_TERMS = 12
STORY_INDEX_NAMES = 8
CENTROID_TERMS = 80
RECENT_MEMBERS = 6
MAX_TITLES = 30


@dataclass
class ClusterSettings:
    """Thresholds of the same-event decision (measured by `svodka bench cluster`) and the window sizes."""

    story_ttl: timedelta = timedelta(days=3)
    idf_window: timedelta = timedelta(days=7)
    duplicate_window: timedelta = timedelta(days=3)
    join_threshold: float = 0.28
    text_weight: float = 0.5
    title_weight: float = 0.2
    names_weight: float = 0.1
    max_candidates: int = 24
    full_checks: int = 5
    posting_depth: int = 64
    # Blend the shipped document-frequency prior into IDF as if it were this many documents (0: window only).
    idf_prior_weight: float = 3000.0
    # Headline meaning (e5 cosine) for open decisions; join and veto fitted on ParaPhraser (`svodka bench pairs`):
    # a near miss (lexical score ≥ floor) joins above `meaning_join`, a weak join (score < threshold + margin)
    # is undone below `meaning_veto`. Off by default: one headline vector costs ~18 ms of CPU here and about
    # half the assignments of a news stream are open cases, which breaks the 20 ms p95 of an assignment.
    use_meaning: bool = False
    meaning_join: float = 0.94
    meaning_floor: float = 0.15
    meaning_veto: float = 0.85
    veto_margin: float = 0.15
    # Open cases per assignment that may compute headline meaning (each costs milliseconds of CPU).
    meaning_checks: int = 1
    # An article that joins several open stories folds them into one (the largest keeps its id), so the grouping
    # depends far less on arrival order (`tests/test_stories_order.py`). The store moves the folded stories'
    # articles and records the merge for other workers (`store.stories.save_assignment`, `story_merges`).
    merge_bridges: bool = True
    # The Telegram contest winner's rule: a story never holds two articles of one site (an article does not join a
    # story that has its site; stories sharing a site are not folded). Off: on the 40 labelled pairs it undoes two
    # wrong joins and two right ones (same-site follow-ups are often the same event), F1 0.851 -> 0.837.
    separate_sites: bool = False
    # The guidelines' "same time": no join when the headline and opening lines of both name days and none agree.
    # On the 40 pairs it undoes one wrong join and no right one (F1 0.851 -> 0.870). In two months of Fontanka it
    # undoes 28% of joins; of 25 sampled, about 19 joined different events (another day's figures, a reaction, a
    # later hearing), 3 the same incident told a day later. `svodka bench pairs` measures it.
    lead_date_veto: bool = True


@dataclass
class Assignment:
    story_id: int
    duplicate_of: ItemId | None
    similarity: float
    new_story: bool = False
    # Stories folded into `story_id` because this article joined them too (only with `merge_bridges`).
    merged: list[int] = field(default_factory=list)


@dataclass
class Signals:
    """How an article compares with a story: every number in 0..1."""

    text: float
    title: float
    names: float
    numbers: float
    date_conflict: bool = False
    # The days named in the headline and opening lines of the article and of the story never agree.
    lead_date_conflict: bool = False
    # Cosine of the headlines' e5 vectors; None when it was not needed (or not available).
    meaning: float | None = None


@dataclass
class _Vectors:
    terms: dict[str, float]
    title: dict[str, float]
    names: dict[str, float]
    headline: str = ""
    meaning: np.ndarray | None = None
    meaning_done: bool = False


@dataclass
class _Story:
    id: int
    first_seen: datetime
    last_seen: datetime
    centroid: dict[str, float] = field(default_factory=dict)
    centroid_norm: float = 0.0
    recent: deque[_Vectors] = field(default_factory=lambda: deque(maxlen=RECENT_MEMBERS))
    names: Counter[str] = field(default_factory=Counter)
    numbers: Counter[str] = field(default_factory=Counter)
    dates: set[str] = field(default_factory=set)
    lead_dates: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    titles: list[str] = field(default_factory=list)
    size: int = 0
    index_keys: frozenset[str] = frozenset()
    # The first member's vectors: with the latest member, its headline stands for the story's meaning.
    first: _Vectors | None = None


@dataclass
class StorySummary:
    id: int
    title: str
    size: int
    sources: list[str]
    first_seen: datetime
    last_seen: datetime


class IdfWindow:
    """Document frequencies over the articles of the recent window (Event Registry style), plus a shipped prior
    that counts as `prior_weight` documents so the first articles after a cold start are weighed sensibly."""

    def __init__(self, span: timedelta, prior: IdfPrior | None = None, prior_weight: float = 3000.0) -> None:
        self.span = span
        self.df: Counter[str] = Counter()
        self.docs = 0
        self._queue: deque[tuple[datetime, tuple[str, ...]]] = deque()
        self._prior_df = prior.df if prior else {}
        self._prior_docs = prior_weight if prior else 0.0
        self._prior_scale = prior_weight / prior.documents if prior and prior.documents else 0.0

    def add(self, when: datetime, terms: Iterable[str]) -> None:
        unique = tuple(set(terms))
        self.df.update(unique)
        self.docs += 1
        self._queue.append((when, unique))

    def expire(self, now: datetime) -> None:
        limit = now - self.span
        while self._queue and self._queue[0][0] < limit:
            _, terms = self._queue.popleft()
            self.docs -= 1
            for term in terms:
                left = self.df[term] - 1
                if left > 0:
                    self.df[term] = left
                else:
                    del self.df[term]

    def idf(self, term: str) -> float:
        # Smoothed so a tiny window (start-up, tests) weighs all words alike instead of swinging wildly.
        prior = self._prior_df.get(term, 0) * self._prior_scale
        return math.log((self.docs + self._prior_docs + 10) / (self.df.get(term, 0) + prior + 1))


def _weigh(counts: Counter[str], idf: IdfWindow, limit: int) -> dict[str, float]:
    """Sub-linear TF × IDF, top `limit` terms, L2-normalised."""
    weights = {t: (1.0 + math.log(c)) * idf.idf(t) for t, c in counts.items()}
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return {t: w / norm for t, w in top}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def _name_overlap(a: dict[str, float], b: dict[str, float]) -> float:
    """IDF-weighted share of the smaller name set found in the other (1.0 = all names shared)."""
    if not a or not b:
        return 0.0
    shared = sum(w for t, w in a.items() if t in b)
    return shared / min(sum(a.values()), sum(b.values()))


def lexical_score(signals: Signals, settings: ClusterSettings) -> float:
    """The weighted sum of text, headline and name similarity."""
    return (settings.text_weight * signals.text + settings.title_weight * signals.title
            + settings.names_weight * signals.names)


def _lexical_join(signals: Signals, settings: ClusterSettings, score: float) -> bool:
    # Words alone never join without a shared name or a close headline (generic vocabulary is no event).
    anchored = signals.names > 0.0 or signals.title >= 0.35 or signals.text >= 0.6
    dated_apart = signals.date_conflict or (settings.lead_date_veto and signals.lead_date_conflict)
    return score >= settings.join_threshold and anchored and not dated_apart


def meaning_may_decide(signals: Signals, settings: ClusterSettings) -> bool:
    """Whether the headline meaning could change the lexical decision (a weak join, or a near miss)."""
    if not settings.use_meaning or signals.date_conflict or (settings.lead_date_veto and signals.lead_date_conflict):
        return False
    score = lexical_score(signals, settings)
    if _lexical_join(signals, settings, score):
        return score < settings.join_threshold + settings.veto_margin
    return score >= settings.meaning_floor


def decide(signals: Signals, settings: ClusterSettings) -> tuple[bool, float]:
    """Whether an article belongs to a story, and the similarity that decided it.

    Text similarity alone must be high; headline and names lift it; words alone never join without either a
    shared name or a close headline. When `signals.meaning` is known and the case is open, it decides: headlines
    that mean the same join a near miss, headlines that mean different things undo a weak join.
    """
    score = lexical_score(signals, settings)
    joined = _lexical_join(signals, settings, score)
    if signals.meaning is not None and meaning_may_decide(signals, settings):
        joined = signals.meaning >= settings.meaning_join if not joined else signals.meaning >= settings.meaning_veto
    return joined, score


class StoryClusterer:
    """Assigns articles, in publication order, to stories; holds only the recent window in memory."""

    def __init__(self, settings: ClusterSettings | None = None) -> None:
        self.settings = settings or ClusterSettings()
        weight = self.settings.idf_prior_weight
        self.idf = IdfWindow(self.settings.idf_window, load_prior() if weight > 0 else None, weight)
        self.duplicates = DuplicateIndex(self.settings.duplicate_window)
        self._stories: dict[int, _Story] = {}
        # key -> story ids in order of last activity (dicts keep insertion order; re-inserting moves to the end).
        self._postings: dict[str, dict[int, None]] = {}
        self._closing: list[tuple[datetime, int]] = []
        self._seen: dict[str, Assignment] = {}
        self._seen_queue: deque[tuple[datetime, str]] = deque()
        self._next_id = 1
        self._clock: datetime | None = None

    # --- public ---------------------------------------------------------------------------------------------

    @property
    def open_stories(self) -> int:
        return len(self._stories)

    def assign(self, item: ClusterItem) -> Assignment:
        """Put one article into a story (existing or new); the same id twice returns its first assignment."""
        key = _id_key(item.id)
        if key in self._seen:
            log.info("article %s was already assigned: keeping story %s", item.id, self._seen[key].story_id)
            return self._seen[key]
        item = _aware(item)
        self._advance(item.published)
        features = represent(item)
        minhash = self.duplicates.signature(features.shingles)
        match = self.duplicates.find(minhash, len(features.shingles))
        vectors = self._vectors(features, item.title)
        self.idf.add(item.published, features.terms)
        if match is not None:
            original = self._seen.get(_id_key(match.original))
            if original is not None and original.story_id in self._stories:
                story = self._stories[original.story_id]
                self._add_member(story, item, features, None)
                result = Assignment(story.id, match.original, round(match.jaccard, 4))
                self.duplicates.add(item.id, item.published, minhash, len(features.shingles), match.original)
                return self._remember(key, item.published, result)
        best, best_score, bridged = self._best_story(features, vectors, item.source)
        if best is None:
            story = self._new_story(item.published)
            result = Assignment(story.id, None, round(best_score, 4), new_story=True)
        else:
            story = best
            if bridged and self.settings.merge_bridges:
                story = self._merge([best, *bridged])
            merged = [s.id for s in (best, *bridged) if s.id != story.id] if self.settings.merge_bridges else []
            result = Assignment(story.id, None, round(best_score, 4), merged=merged)
        self._add_member(story, item, features, vectors)
        self.duplicates.add(item.id, item.published, minhash, len(features.shingles), None)
        return self._remember(key, item.published, result)

    def restore(self, item: ClusterItem, story_id: int, duplicate_of: ItemId | None = None) -> None:
        """Replay a known assignment (from the database) so the state matches what the live system decided."""
        key = _id_key(item.id)
        if key in self._seen:
            return
        item = _aware(item)
        self._advance(item.published)
        features = represent(item)
        minhash = self.duplicates.signature(features.shingles)
        vectors = self._vectors(features, item.title)
        self.idf.add(item.published, features.terms)
        story = self._stories.get(story_id)
        if story is None:
            story = _Story(id=story_id, first_seen=item.published, last_seen=item.published)
            self._stories[story_id] = story
            self._next_id = max(self._next_id, story_id + 1)
        self._add_member(story, item, features, None if duplicate_of is not None else vectors)
        self.duplicates.add(item.id, item.published, minhash, len(features.shingles), duplicate_of)
        self._remember(key, item.published, Assignment(story_id, duplicate_of, 1.0))

    def rebuild(self, items: Iterable[tuple[ClusterItem, int, ItemId | None]]) -> None:
        """Restore the window from (item, story id, duplicate_of) triples, processed in publication order."""
        for item, story_id, duplicate_of in sorted(items, key=lambda row: row[0].published):
            self.restore(item, story_id, duplicate_of)

    def rename_story(self, old_id: int, new_id: int) -> None:
        """Give a story the id the database allocated (the live pipeline calls this after inserting it)."""
        if old_id == new_id or old_id not in self._stories:
            return
        if new_id in self._stories:
            raise ValueError(f"story id {new_id} is already in use")
        story = self._stories.pop(old_id)
        story.id = new_id
        self._stories[new_id] = story
        for key in story.index_keys:
            posting = self._postings.get(key)
            if posting is not None:
                posting.pop(old_id, None)
                posting[new_id] = None
        heapq.heappush(self._closing, (story.last_seen, new_id))
        for assignment in self._seen.values():
            if assignment.story_id == old_id:
                assignment.story_id = new_id
        self._next_id = max(self._next_id, new_id + 1)

    def fold_stories(self, keep_id: int, folded_ids: Iterable[int]) -> None:
        """Replay a merge another process decided (`Assignment.merged`): the folded stories join `keep_id`.

        Unknown ids are ignored (the story may have closed here already).
        """
        keep = self._stories.get(keep_id)
        if keep is None:
            return
        for story_id in folded_ids:
            other = self._stories.get(story_id)
            if other is not None and other is not keep:
                self._fold(keep, other)

    def summary(self, story_id: int) -> StorySummary | None:
        """Title, size, sources and time span of an open story."""
        story = self._stories.get(story_id)
        if story is None:
            return None
        return StorySummary(story.id, pick_title(story.titles), story.size, sorted(story.sources),
                            story.first_seen, story.last_seen)

    def warm_up(self, items: Iterable[ClusterItem]) -> None:
        """Count document frequencies of background articles without clustering them (cold start, benchmarks)."""
        for item in items:
            self.idf.add(item.published, represent(item).terms)

    def same_event(self, first: ClusterItem, second: ClusterItem) -> tuple[bool, float]:
        """Would `second` join a story holding only `first`, with the current IDF? (`assign`'s rule, no state change)"""
        if self.settings.separate_sites and first.source == second.source:
            return False, 0.0
        a, b = represent(first), represent(second)
        sig_a = self.duplicates.signature(a.shingles)
        sig_b = self.duplicates.signature(b.shingles)
        needed = self.duplicates.required_jaccard(len(a.shingles), len(b.shingles))
        if a.shingles and b.shingles and sig_a.jaccard(sig_b) >= needed:
            return True, 1.0
        story = _Story(id=0, first_seen=first.published, last_seen=first.published)
        story.titles.append(first.title)
        vectors_a = self._vectors(a, first.title)
        story.recent.append(vectors_a)
        story.first = vectors_a
        story.names.update(a.names)
        story.numbers.update(a.numbers)
        story.dates.update(a.title_dates)
        story.lead_dates.update(a.lead_dates)
        story.centroid = dict(vectors_a.terms)
        story.centroid_norm = math.sqrt(sum(w * w for w in story.centroid.values()))
        return self._judge(b, self._vectors(b, second.title), story)

    def pair_signals(self, first: ClusterItem, second: ClusterItem) -> Signals:
        """The raw signals between two articles, headline meaning included when available (for tuning `decide`)."""
        a, b = represent(first), represent(second)
        va, vb = self._vectors(a, first.title), self._vectors(b, second.title)
        story = _Story(id=0, first_seen=first.published, last_seen=first.published)
        story.recent.append(va)
        story.first = va
        story.numbers.update(a.numbers)
        story.dates.update(a.title_dates)
        story.lead_dates.update(a.lead_dates)
        story.centroid = dict(va.terms)
        story.centroid_norm = 1.0
        signals = self._signals(b, vb, story)
        if self.settings.use_meaning:
            signals.meaning = self._meaning(vb, story)
        return signals

    def compare(self, item: ClusterItem, story_id: int) -> Signals | None:
        """The signals between an article and an open story (for explaining decisions and for benchmarks)."""
        story = self._stories.get(story_id)
        if story is None:
            return None
        features = represent(item)
        vectors = self._vectors(features, item.title)
        signals = self._signals(features, vectors, story)
        if meaning_may_decide(signals, self.settings):
            signals.meaning = self._meaning(vectors, story)
        return signals

    # --- internals ------------------------------------------------------------------------------------------

    def _advance(self, when: datetime) -> None:
        """Move the clock forward (never back) and close what fell out of the windows."""
        if self._clock is not None and when <= self._clock:
            return
        self._clock = when
        self.idf.expire(when)
        self.duplicates.expire(when)
        limit = when - self.settings.story_ttl
        while self._closing and self._closing[0][0] < limit:
            last_seen, story_id = heapq.heappop(self._closing)
            story = self._stories.get(story_id)
            if story is None or story.last_seen != last_seen:
                continue
            if story.last_seen < limit:
                self._close(story)
        seen_limit = when - max(self.settings.story_ttl, self.settings.duplicate_window)
        while self._seen_queue and self._seen_queue[0][0] < seen_limit:
            _, key = self._seen_queue.popleft()
            self._seen.pop(key, None)

    def _close(self, story: _Story) -> None:
        for key in story.index_keys:
            posting = self._postings.get(key)
            if posting is not None:
                posting.pop(story.id, None)
                if not posting:
                    del self._postings[key]
        del self._stories[story.id]

    def _vectors(self, features: ArticleFeatures, headline: str = "") -> _Vectors:
        names = {n: self.idf.idf(n) for n in features.names}
        return _Vectors(
            terms=_weigh(features.terms, self.idf, VECTOR_TERMS),
            title=_weigh(features.title_terms, self.idf, VECTOR_TERMS),
            names=names,
            headline=headline or "",
        )

    def _candidates(self, vectors: _Vectors) -> list[_Story]:
        """Open stories sharing the most index keys with the article (recent ones first on ties)."""
        query = list(vectors.terms)[:QUERY_TERMS]
        query += sorted(vectors.names, key=lambda n: -vectors.names[n])[:STORY_INDEX_NAMES]
        depth = self.settings.posting_depth
        hits: Counter[int] = Counter()
        for key in set(query):
            posting = self._postings.get(key)
            if posting is None:
                continue
            # A word in very many open stories reads only its most recently active ones: bounded work.
            hits.update(islice(reversed(posting), depth) if len(posting) > depth else posting.keys())
        ranked = sorted(hits.items(), key=lambda kv: (-kv[1], -kv[0]))[: self.settings.max_candidates]
        return [self._stories[story_id] for story_id, _ in ranked]

    def _signals(self, features: ArticleFeatures, vectors: _Vectors, story: _Story) -> Signals:
        centroid = story.centroid_norm and _cosine(vectors.terms, story.centroid) / story.centroid_norm
        linked = max((_cosine(vectors.terms, m.terms) for m in story.recent), default=0.0)
        title = max((_cosine(vectors.title, m.title) for m in story.recent), default=0.0)
        names = max((_name_overlap(vectors.names, m.names) for m in story.recent), default=0.0)
        numbers = 0.0
        if features.numbers and story.numbers:
            numbers = len(features.numbers & story.numbers.keys()) / min(len(features.numbers), len(story.numbers))
        conflict = bool(features.title_dates and story.dates and not features.title_dates & story.dates)
        lead_conflict = bool(features.lead_dates and story.lead_dates and not features.lead_dates & story.lead_dates)
        return Signals(text=max(centroid, linked), title=title, names=names, numbers=numbers, date_conflict=conflict,
                       lead_date_conflict=lead_conflict)

    def _judge(self, features: ArticleFeatures, vectors: _Vectors, story: _Story) -> tuple[bool, float]:
        """`decide` on the lexical signals, with the headline meaning computed only when it may change the answer."""
        signals = self._signals(features, vectors, story)
        if meaning_may_decide(signals, self.settings):
            signals.meaning = self._meaning(vectors, story)
        return decide(signals, self.settings)

    def _meaning(self, vectors: _Vectors, story: _Story) -> float | None:
        """Closest e5 cosine between the article's headline and the story's first and latest headlines."""
        mine = _headline_vector(vectors)
        if mine is None:
            return None
        members = [m for m in (story.first, story.recent[-1] if story.recent else None) if m is not None]
        scores = [similarity_embedding.meaning_similarity(mine, _headline_vector(m)) for m in members]
        known = [s for s in scores if s is not None]
        return max(known) if known else None

    def _best_story(self, features: ArticleFeatures, vectors: _Vectors,
                    source: str = "") -> tuple[_Story | None, float, list[_Story]]:
        """The best story the article may join (full signals only for the closest few by centroid cosine), its score,
        and, with `merge_bridges`, the other checked stories it would join too (with `separate_sites`, never a story
        that has the article's site, nor two stories that share a site)."""
        candidates = self._candidates(vectors)
        if self.settings.separate_sites:
            candidates = [s for s in candidates if source not in s.sources]
        if len(candidates) > self.settings.full_checks:
            closeness = {s.id: _cosine(vectors.terms, s.centroid) / (s.centroid_norm or 1.0) for s in candidates}
            candidates.sort(key=lambda s: (-closeness[s.id], s.id))
            candidates = candidates[: self.settings.full_checks]
        judged = [(story, self._signals(features, vectors, story)) for story in candidates]
        ranked = sorted(((lexical_score(signals, self.settings), story, signals) for story, signals in judged),
                        key=lambda row: (-row[0], row[1].id))
        # Best lexical score first; the first story that joins wins. Only the best open cases pay for meaning.
        checks = self.settings.meaning_checks
        best: tuple[_Story, float] | None = None
        bridged: list[_Story] = []
        sites: set[str] = set()
        for score, story, signals in ranked:
            if checks > 0 and meaning_may_decide(signals, self.settings):
                checks -= 1
                signals.meaning = self._meaning(vectors, story)
            if decide(signals, self.settings)[0]:
                if best is not None:
                    if self.settings.separate_sites and not sites.isdisjoint(story.sources):
                        continue
                    sites |= story.sources
                    bridged.append(story)
                    continue
                best = (story, score)
                sites = {source, *story.sources}
                if not self.settings.merge_bridges:
                    break
        if best is None:
            return None, 0.0, []
        return best[0], best[1], bridged

    def _merge(self, group: list[_Story]) -> _Story:
        """Fold the stories into the largest (ties: the oldest id), which keeps its id; the others leave the indexes."""
        keep = min(group, key=lambda s: (-s.size, s.id))
        for other in group:
            if other is not keep:
                self._fold(keep, other)
        return keep

    def _fold(self, keep: _Story, other: _Story) -> None:
        keep.size += other.size
        keep.sources |= other.sources
        if other.first_seen < keep.first_seen and other.first is not None:
            keep.first = other.first
        keep.first_seen = min(keep.first_seen, other.first_seen)
        keep.last_seen = max(keep.last_seen, other.last_seen)
        keep.titles.extend(other.titles[: max(0, MAX_TITLES - len(keep.titles))])
        keep.recent = deque([*other.recent, *keep.recent], maxlen=RECENT_MEMBERS)
        keep.names.update(other.names)
        keep.numbers.update(other.numbers)
        keep.dates |= other.dates
        keep.lead_dates |= other.lead_dates
        for term, weight in other.centroid.items():
            keep.centroid[term] = keep.centroid.get(term, 0.0) + weight
        if len(keep.centroid) > CENTROID_TERMS * 2:
            keep.centroid = dict(sorted(keep.centroid.items(), key=lambda kv: -kv[1])[:CENTROID_TERMS])
        keep.centroid_norm = math.sqrt(sum(w * w for w in keep.centroid.values()))
        self._close(other)
        # Earlier answers (the same objects callers hold) now name the story their article ended up in.
        for assignment in self._seen.values():
            if assignment.story_id == other.id:
                assignment.story_id = keep.id
        heapq.heappush(self._closing, (keep.last_seen, keep.id))
        self._reindex(keep)

    def _new_story(self, when: datetime) -> _Story:
        story = _Story(id=self._next_id, first_seen=when, last_seen=when)
        self._next_id += 1
        self._stories[story.id] = story
        return story

    def _add_member(self, story: _Story, item: ClusterItem, features: ArticleFeatures,
                    vectors: _Vectors | None) -> None:
        story.size += 1
        story.sources.add(item.source)
        story.first_seen = min(story.first_seen, item.published)
        story.last_seen = max(story.last_seen, item.published)
        heapq.heappush(self._closing, (story.last_seen, story.id))
        if len(story.titles) < MAX_TITLES and item.title:
            story.titles.append(item.title)
        if vectors is None:
            return
        if story.first is None:
            story.first = vectors
        story.recent.append(vectors)
        story.names.update(features.names)
        story.numbers.update(features.numbers)
        story.dates.update(features.title_dates)
        story.lead_dates.update(features.lead_dates)
        for term, weight in vectors.terms.items():
            story.centroid[term] = story.centroid.get(term, 0.0) + weight
        if len(story.centroid) > CENTROID_TERMS * 2:
            kept = sorted(story.centroid.items(), key=lambda kv: -kv[1])[:CENTROID_TERMS]
            story.centroid = dict(kept)
        story.centroid_norm = math.sqrt(sum(w * w for w in story.centroid.values()))
        self._reindex(story)

    def _reindex(self, story: _Story) -> None:
        top_terms = sorted(story.centroid, key=lambda t: -story.centroid[t])[:STORY_INDEX_TERMS]
        top_names = [n for n, _ in story.names.most_common(STORY_INDEX_NAMES)]
        keys = frozenset(top_terms) | frozenset(top_names)
        for key in story.index_keys - keys:
            posting = self._postings.get(key)
            if posting is not None:
                posting.pop(story.id, None)
                if not posting:
                    del self._postings[key]
        for key in keys:
            posting = self._postings.setdefault(key, {})
            posting.pop(story.id, None)
            posting[story.id] = None
        story.index_keys = keys

    def _remember(self, key: str, when: datetime, result: Assignment) -> Assignment:
        self._seen[key] = result
        self._seen_queue.append((when, key))
        return result


def _headline_vector(vectors: _Vectors) -> np.ndarray | None:
    """The e5 vector of a member's headline, computed once on first use."""
    if not vectors.meaning_done:
        vectors.meaning = similarity_embedding.embed_headline(vectors.headline)
        vectors.meaning_done = True
    return vectors.meaning


def _aware(item: ClusterItem) -> ClusterItem:
    """Naive publication times are taken as UTC (the store keeps naive UTC), so comparisons never fail."""
    if item.published.tzinfo is None:
        return replace(item, published=item.published.replace(tzinfo=UTC))
    return item


def _id_key(item_id: ItemId) -> str:
    return f"{type(item_id).__name__}:{item_id}"
