"""HTTP-level tests of every page in both formats (HTML and `Accept: application/json`), 404s, ETag/304."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_fixtures import make_site

JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    client, engine, fixture = make_site(tmp_path_factory.mktemp("site"))
    return client, fixture


@pytest.mark.parametrize(
    ("path", "html_text", "json_key"),
    [
        ("/", "Токаев и Мирзиёев обсудили торговлю", "stories"),
        ("/article/1", "Токаев провёл переговоры с Мирзиёевым", "page"),
        ("/story/1", "Хронология", "page"),
        ("/tag/tokaev", "Касым-Жомарт Токаев", "page"),
        ("/tags", "Национальный банк Казахстана", "tags"),
        ("/category/politics", "Политика", "articles"),
        ("/source/kaztag", "КазТАГ", "page"),
        ("/sources", "Сломанные новости", "sources"),
        ("/search?q=Токаева", "<mark>Токаев</mark>", "results"),
    ],
)
def test_every_page_answers_html_and_json(site, path: str, html_text: str, json_key: str) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    html = client.get(path)
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert '<html lang="ru">' in html.text
    assert html_text in html.text
    data = client.get(path, headers=JSON)
    assert data.status_code == 200
    assert data.headers["content-type"].startswith("application/json")
    assert json_key in data.json()


def test_article_page_shows_parts_in_order(site) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    text = client.get("/article/1").text
    markers = ['data-part="headline"', "Сегодня, ", "Анна Петрова", "Фото: Акорда",
               "встретился с коллегой, сообщает КазТАГ.", "Читать на сайте КазТАГ", "<h2>Торговля и вода</h2>",
               "Ключевые цифры", 'href="/tag/tokaev"', 'href="/category/politics"', "Читайте также",
               'href="/story/2"', "Другие издания об этом", "Podrobno.uz"]
    positions = [text.find(m) for m in markers]
    assert all(p >= 0 for p in positions), dict(zip(markers, positions, strict=True))
    assert positions == sorted(positions)
    assert 'href="https://kaztag.example/news/1" rel="nofollow noopener"' in text


def test_rewrite_credits_the_original_outlet(site) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    text = client.get("/article/2").text
    assert "сообщает Podrobno.uz." in text
    assert "Читать на сайте Podrobno.uz" in text
    assert client.get("/article/2", headers=JSON).json()["page"]["article"]["outlet"] == "Podrobno.uz"


def test_story_groups_by_outlet_and_folds_copies(site) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    page = client.get("/story/1", headers=JSON).json()["page"]
    outlets = {g["outlet"]: g for g in page["groups"]}
    assert set(outlets) == {"КазТАГ", "Podrobno.uz"}  # the copy is folded, not a group of its own
    assert outlets["КазТАГ"]["source_slug"] == "kaztag" and outlets["Podrobno.uz"]["source_slug"] is None
    original = outlets["КазТАГ"]["articles"][0]
    assert [c["id"] for c in original["copies"]] == [3]
    assert [t["article_id"] for t in page["timeline"]] == [2, 1, 3]
    assert "и ещё 1 копия" in client.get("/story/1").text


def test_home_has_breaking_mark_sources_and_category_blocks(site) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    text = client.get("/").text
    assert "Срочно" in text
    assert "2 источника" in text
    assert '<h2><a href="/category/economy">Экономика</a></h2>' in text
    assert text.count("Нацбанк сохранил базовую ставку") == 1  # a top story is not repeated in its block
    assert 'href="/tag/tokaev">Касым-Жомарт Токаев' in text and 'href="/tag/mirziyoyev"' in text


def test_tag_page_has_aliases_chart_and_cooccurring(site) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    text = client.get("/tag/tokaev").text
    assert "Также: Токаев, Президент Казахстана" in text
    assert "<svg" in text and 'class="bar"' in text
    assert 'href="/tag/mirziyoyev"' in text
    data = client.get("/tag/tokaev", headers=JSON).json()["page"]
    assert data["articles"]["total"] == 3
    assert sum(d["count"] for d in data["mentions"]) == 3
    assert data["related"][0][0]["slug"] in {"mirziyoyev", "kazakhstan", "natsbank"}


def test_source_page_shows_health(site) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    text = client.get("/source/broken-news").text
    assert "HTTP 503 Service Unavailable" in text
    assert 'class="failing"' in text
    data = client.get("/source/broken-news", headers=JSON).json()["page"]
    assert data["source"]["error_count"] == 7


@pytest.mark.parametrize("path", ["/article/999999", "/article/abc", "/article/-1", "/story/0", "/story/1e9",
                                  "/tag/no-such-tag", "/category/nonsense", "/source/nobody",
                                  "/no/such/page", "/?page=999999999999999999999", "/tags?page=5000"])
def test_bad_input_gives_helpful_404(site, path: str) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    response = client.get(path)
    assert response.status_code == 404
    help_links = response.text.split('<ul class="list">', 1)[-1]
    assert "<h1>Не найдено</h1>" in response.text and '<li><a href="/' in help_links
    as_json = client.get(path, headers=JSON)
    assert as_json.status_code == 404
    assert as_json.json()["error"]


@pytest.mark.parametrize("query", ["/?page=abc", "/?page=-5", "/search?q=%22%22%22", "/search?q=NEAR(",
                                   "/search?q=*", "/search?q=a&from=2026-13-45&to=x&page=zz&sort=evil",
                                   "/search?q=" + "ж" * 5000, "/tag/tokaev?page=%00"])
def test_malformed_query_strings_never_fail(site, query: str) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    assert client.get(query).status_code == 200


def test_pagination_links(site) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    data = client.get("/category/politics?page=1", headers=JSON).json()["articles"]
    assert data["total"] == 3 and data["pages"] == 1
    assert client.get("/category/politics?page=2").status_code == 404


def test_etag_and_last_modified_give_304(site) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    for path in ["/", "/article/1", "/feed.xml", "/tag/tokaev/feed.atom"]:
        first = client.get(path)
        etag = first.headers["etag"]
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(path, headers={"If-None-Match": 'W/"other"'}).status_code == 200
    first = client.get("/article/1")
    modified = first.headers["last-modified"]
    assert client.get("/article/1", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/article/1", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200
    # The JSON twin is a different representation with its own ETag.
    assert client.get("/article/1", headers=JSON).headers["etag"] != first.headers["etag"]


def test_security_headers(site) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    response = client.get("/article/1")
    csp = response.headers["content-security-policy"]
    for part in ["default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'",
                 "frame-ancestors 'none'"]:
        assert part in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert client.get("/no-such").headers["content-security-policy"] == csp


def test_static_css_is_served(site) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert "@media" in response.text


def test_new_site_without_data_renders(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from svodka.settings import Settings
    from svodka.web.app import create_app

    client = TestClient(create_app(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}")))
    assert "Новостей пока нет" in client.get("/").text
    assert client.get("/search?q=что-нибудь").status_code == 200
    assert client.get("/feed.xml").status_code == 200
    assert client.get("/api/articles").json()["articles"]["total"] == 0


def test_article_page_survives_a_failing_related_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import svodka.store.stories as stories_stage

    def broken(*_args: object, **_kwargs: object) -> list[object]:
        raise RuntimeError("boom")

    client, _, _ = make_site(tmp_path)
    monkeypatch.setattr(stories_stage, "related_for_article", broken)
    page = client.get("/article/1", headers=JSON).json()["page"]
    assert [s["id"] for s in page["related"]] == [2]  # the shared-entity fallback


def test_related_comes_with_reasons_live_and_stored(tmp_path: Path) -> None:
    from sqlalchemy import select

    from svodka.store.schema import stories
    from svodka.store.stories import refresh_related

    client, engine, _ = make_site(tmp_path)
    live = client.get("/api/articles/1").json()["page"]["related"]
    assert [s["id"] for s in live] == [2] and live[0]["shared_tags"]  # computed live: nothing stored yet
    assert refresh_related(engine) > 0
    with engine.connect() as conn:
        own = conn.execute(select(stories.c.related).where(stories.c.id == 1)).scalar()
    assert own and own[0]["story_id"] == 2
    stored = client.get("/api/articles/1").json()["page"]["related"]  # the commit retired the cached page
    assert [s["id"] for s in stored] == [2] and stored[0]["shared_tags"] == own[0]["shared_tags"]
    html = client.get("/article/1").text
    assert 'data-part="related"' in html and 'href="/story/2"' in html


def test_article_route_order_does_not_shadow_feeds_or_api(tmp_path: Path) -> None:
    client, _, _ = make_site(tmp_path)
    assert client.get("/category/economy/feed.xml").headers["content-type"].startswith("application/rss+xml")
    assert client.get("/tag/tokaev/feed.atom").headers["content-type"].startswith("application/atom+xml")
    assert client.get("/sources.opml").status_code == 200
    assert client.get("/search/feed.xml", params={"q": "Токаев"}).status_code == 200
    assert client.get("/api/articles/1").json()["page"]["article"]["id"] == 1


def test_a_folded_story_redirects_to_the_story_it_went_into(tmp_path: Path) -> None:
    from datetime import datetime

    from svodka.store.schema import story_merges

    client, engine, fixture = make_site(tmp_path)
    with engine.begin() as conn:  # story 77 was folded into 78, which was later folded into the fixture's story
        conn.execute(story_merges.insert(), [
            {"seq": 1000, "keep_id": 78, "folded_id": 77, "merged_at": datetime(2026, 1, 1)},
            {"seq": 1001, "keep_id": fixture.story, "folded_id": 78, "merged_at": datetime(2026, 1, 1)},
        ])
    kept = fixture.story
    for path, target in [("/story/77", f"/story/{kept}"), ("/api/stories/77", f"/api/stories/{kept}")]:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 301 and response.headers["location"] == target
    assert client.get("/story/79", follow_redirects=False).status_code == 404
