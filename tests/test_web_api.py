"""The JSON API, OpenAPI, health, Prometheus metrics and the token-protected admin section."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_fixtures import make_site

from svodka.settings import Settings
from svodka.store.schema import feed_items
from svodka.web.app import create_app


@pytest.fixture
def site(tmp_path: Path):  # type: ignore[no-untyped-def]
    client, engine, fixture = make_site(tmp_path, admin_token="s3cret-token")
    return client, engine


def test_api_lists_and_details(site) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    articles = client.get("/api/articles", params={"per_page": 2}).json()["articles"]
    assert articles["total"] == 5 and len(articles["items"]) == 2 and articles["pages"] == 3
    assert client.get("/api/articles", params={"tag": "natsbank"}).json()["articles"]["items"][0]["id"] == 4
    assert client.get("/api/articles", params={"source": "gazeta-uz"}).json()["articles"]["total"] == 1
    assert client.get("/api/articles/1").json()["page"]["figures"][0]["value"] == "10 млрд долларов"
    assert client.get("/api/articles/1").json()["page"]["figures"][0]["label"] == "сумма"
    assert client.get("/api/stories").json()["stories"]["items"][0]["id"] == 1
    assert client.get("/api/stories/1").json()["page"]["story"]["breaking"] is True
    assert {t["slug"] for t in client.get("/api/tags").json()["tags"]["items"]} >= {"tokaev", "natsbank"}
    assert client.get("/api/tags/kazakhstan").json()["page"]["aliases"] == ["РК"]
    assert len(client.get("/api/sources").json()["sources"]) == 3
    assert client.get("/api/sources/kaztag").json()["page"]["source"]["name"] == "КазТАГ"
    assert {c["name"] for c in client.get("/api/categories").json()["categories"]} == {"politics", "economy",
                                                                                       "society"}


def test_api_same_data_as_page_json(site) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    page_json = client.get("/story/1", headers={"Accept": "application/json"}).json()
    assert client.get("/api/stories/1").json() == page_json


@pytest.mark.parametrize("path", ["/api/articles/999", "/api/stories/12345", "/api/tags/none", "/api/sources/x"])
def test_api_404_is_json(site, path: str) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]


@pytest.mark.parametrize("path", ["/api/articles?page=0", "/api/articles?per_page=100000", "/api/articles/xyz"])
def test_api_validation_is_400(site, path: str) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    response = client.get(path)
    assert response.status_code == 400
    assert response.json()["error"] == "Неверные параметры запроса"


def test_openapi_and_docs(site) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    spec = client.get("/openapi.json").json()
    assert {"/api/articles", "/api/articles/{article_id}", "/api/stories", "/api/stories/{story_id}", "/api/tags",
            "/api/tags/{slug}", "/api/sources", "/api/sources/{slug}", "/api/search"} <= set(spec["paths"])
    assert not any(p.startswith("/article/") for p in spec["paths"])
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_healthz_and_metrics(site) -> None:  # type: ignore[no-untyped-def]
    client, engine = site
    assert client.get("/healthz").json() == {"status": "ok"}
    waiting_since = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=10)
    with engine.begin() as conn:
        conn.execute(feed_items.insert().values(source_id=1, url="https://kaztag.example/news/9", state="new",
                                                attempts=0, discovered_at=waiting_since))
        conn.execute(feed_items.insert().values(source_id=1, url="https://kaztag.example/news/8", state="done",
                                                attempts=1, discovered_at=waiting_since))
    client.get("/article/1")
    text = client.get("/metrics").text
    assert "svodka_articles_total 5.0" in text
    assert 'svodka_source_fetch_errors{source="broken-news"} 7.0' in text
    assert 'svodka_http_request_duration_seconds_count{method="GET",route="/article/{article_id}"}' in text
    assert "svodka_queue_waiting 1.0" in text
    lag = next(line for line in text.splitlines() if line.startswith("svodka_queue_lag_seconds "))
    assert 590 < float(lag.split()[1]) < 3600


def test_admin_needs_the_token(site) -> None:  # type: ignore[no-untyped-def]
    client, _ = site
    new = {"feed_url": "https://new.example/rss", "name": "Новое издание", "slug": "new-outlet"}
    assert client.post("/admin/sources", json=new).status_code == 401
    bad = {"Authorization": "Bearer wrong"}
    assert client.post("/admin/sources", json=new, headers=bad).status_code == 401
    good = {"Authorization": "Bearer s3cret-token"}
    created = client.post("/admin/sources", json=new, headers=good)
    assert created.status_code == 201 and created.json()["slug"] == "new-outlet"
    assert client.post("/admin/sources", json=new, headers=good).status_code == 409
    assert client.post("/admin/sources", json={**new, "feed_url": "javascript:x"}, headers=good).status_code == 400
    assert client.get("/source/new-outlet").status_code == 200
    assert client.post("/admin/crawl", headers=good).json()["due"] == 4
    assert client.post("/admin/crawl", params={"slug": "kaztag"}, headers=good).json()["due"] == 1
    assert client.delete("/admin/sources/new-outlet", headers=bad).status_code == 401
    assert client.delete("/admin/sources/new-outlet", headers=good).json() == {"removed": "new-outlet"}
    assert client.get("/source/new-outlet").status_code == 404


def test_admin_is_off_without_a_token(tmp_path: Path) -> None:
    client = TestClient(create_app(Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", admin_token="")))
    assert client.post("/admin/crawl", headers={"Authorization": "Bearer "}).status_code == 404
    assert client.post("/admin/sources", json={}).status_code in {404, 400}
