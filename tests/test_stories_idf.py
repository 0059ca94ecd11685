"""IDF over the recent window, blended with the shipped document-frequency prior."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from svodka.stories.cluster import IdfWindow
from svodka.stories.idf_prior import IdfPrior, count_document_frequencies, load_prior, save_prior
from svodka.stories.represent import ClusterItem

T0 = datetime(2025, 3, 10, tzinfo=UTC)


def test_the_shipped_prior_knows_common_and_rare_words() -> None:
    prior = load_prior()
    assert prior is not None and prior.documents > 10_000 and len(prior.df) > 10_000
    window = IdfWindow(timedelta(days=7), prior)
    assert window.idf("россия") < window.idf("эвакуировать") < window.idf("паводок") < window.idf("шахаров")


def test_the_window_takes_over_from_the_prior_and_forgets_old_articles() -> None:
    window = IdfWindow(timedelta(days=1), IdfPrior(documents=1000, df={"паводок": 1}), prior_weight=100)
    rare = window.idf("паводок")
    for n in range(300):
        window.add(T0 + timedelta(minutes=n), ["паводок"] if n % 2 else ["метро"])
    assert window.idf("паводок") < rare / 2
    window.expire(T0 + timedelta(days=3))
    assert window.docs == 0 and window.idf("паводок") == rare


def test_prior_round_trip(tmp_path: Path) -> None:
    items = [ClusterItem(n, "", title, "", T0, "s") for n, title in
             enumerate(["Паводок в Актобе", "Паводок в Атырау", "Метро в Ташкенте", "Паводок снова"] * 2)]
    prior = count_document_frequencies(items)
    assert prior.documents == 8 and prior.df["паводок"] == 6
    path = tmp_path / "prior.json.gz"
    save_prior(prior, path)
    assert load_prior.__wrapped__(path) == prior
    assert load_prior.__wrapped__(tmp_path / "missing.json.gz") is None
