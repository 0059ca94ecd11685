"""Extraction against the gold pages in shared/data/pages (skipped when the data is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from svodka.extract.bench import GoldPage, date_matches, load_gold_pages, run_ours, token_f1


@pytest.fixture(scope="module")
def gold_pages(shared_data: Path) -> list[GoldPage]:
    if not (shared_data / "pages").is_dir():
        pytest.skip("shared/data/pages is absent")
    return load_gold_pages(shared_data)


def _of(pages: list[GoldPage], dataset: str) -> list[GoldPage]:
    return [page for page in pages if page.dataset == dataset]


def test_gold_pages_loaded(gold_pages: list[GoldPage]) -> None:
    assert [len(_of(gold_pages, d)) for d in ("htmldate", "fundus", "zyte")] == [9, 2, 4]


def test_dates_right_on_all_htmldate_pages(gold_pages: list[GoldPage]) -> None:
    wrong = []
    for page in _of(gold_pages, "htmldate"):
        found = run_ours(page).published
        if not date_matches(found, page.date or ""):
            wrong.append((page.url, found, page.date))
    assert wrong == []


def test_dates_keep_the_page_offset(gold_pages: list[GoldPage]) -> None:
    by_name = {page.name: run_ours(page).published for page in _of(gold_pages, "htmldate")}
    assert by_name["1784458132.html"] == "2020-12-01T14:02:00+06:00"  # inform.kz, Astana time of 2020
    assert by_name["1647262025.html"] == "2020-06-29T00:16:15+03:00"  # tass.ru: UTC date is the gold 06-28


@pytest.mark.parametrize("name", ["Kommersant_2025_05_14.html.gz", "Pravda_2026_01_08.html.gz"])
def test_fundus_title_authors_date_exact(gold_pages: list[GoldPage], name: str) -> None:
    page = next(p for p in _of(gold_pages, "fundus") if p.name == name)
    got = run_ours(page)
    assert got.title == page.title
    assert got.authors == page.authors
    assert date_matches(got.published, page.date or "")


def test_kommersant_photo_credit(gold_pages: list[GoldPage]) -> None:
    page = next(p for p in _of(gold_pages, "fundus") if p.name.startswith("Kommersant"))
    assert any("Дмитрий Азаров" in credit for credit in run_ours(page).credits)


def test_body_token_f1_at_least_097(gold_pages: list[GoldPage]) -> None:
    scores = {page.name: token_f1(run_ours(page).text, page.body or "")
              for page in gold_pages if page.body is not None}
    assert len(scores) == 6
    assert min(scores.values()) >= 0.97, scores
