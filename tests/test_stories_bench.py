"""Quality floors on the real labelled data (skipped when ../shared/data is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from svodka.stories import bench


@pytest.fixture(scope="module")
def background(shared_data: Path) -> list:  # type: ignore[type-arg]
    return bench._background(1500)


def test_same_event_pairs_beat_the_tfidf_baseline(background: list) -> None:  # type: ignore[type-arg]
    scores = bench.bench_event_pairs(background)
    assert scores.pairs == 40
    assert scores.ours >= 0.84
    assert scores.ours >= scores.baseline


def test_bsnlp_stories_do_not_mix_topics(background: list) -> None:  # type: ignore[type-arg]
    scores = bench.bench_bsnlp(background, baseline_threshold=0.16)
    assert scores.purity >= 0.98
    assert scores.stories < scores.documents * 0.6  # and it does group: not one story per document


def test_a_small_stream_runs_with_bounded_latency(shared_data: Path) -> None:
    scores = bench.bench_stream(bench.synthetic_stream(600))
    assert scores.articles == 600 and 0 < scores.stories <= 600
    assert 0 < scores.open_stories <= scores.stories
