"""Rate limiting of search and the JSON API per client: 429 with Retry-After, per client, refilled over time."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from web_fixtures import make_site, serve_in_thread

from svodka.settings import Settings, load_settings
from svodka.web.app import create_app
from svodka.web.ratelimit import Limit, TokenBuckets, client_key, parse_networks

# One token every 5 seconds after a burst of 2: three quick requests always meet the limit, however slow the
# machine, and a test waits at most 5 s for a refill.
SLOW = {"rate_limit_search": 12, "rate_limit_search_burst": 2, "rate_limit_api": 12, "rate_limit_api_burst": 2}
# The "proxy" connects from 127.0.0.2: uvicorn itself already trusts X-Forwarded-For from 127.0.0.1 (its
# `forwarded_allow_ips` default), so the site's own `trusted_proxies` is tested from another loopback address.
PROXY = "127.0.0.2"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_the_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(Limit(per_minute=60, burst=3), clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("a") == 1  # empty: one token a second, so wait a second
    assert buckets.take("b") == 0  # another client has its own bucket
    clock.now += 0.5
    assert buckets.take("a") == 1  # half a token is not a request
    clock.now += 0.6
    assert buckets.take("a") == 0
    assert buckets.take("a") == 1
    clock.now += 3600
    assert [buckets.take("a") for _ in range(4)] == [0, 0, 0, 1]  # refilled up to the burst, no further


def test_retry_after_counts_whole_seconds_to_the_next_token() -> None:
    clock = Clock()
    buckets = TokenBuckets(Limit(per_minute=6, burst=1), clock=clock)
    assert buckets.take("a") == 0
    assert buckets.take("a") == 10
    clock.now += 7.5
    assert buckets.take("a") == 3


def test_bucket_table_stays_bounded() -> None:
    buckets = TokenBuckets(Limit(per_minute=60, burst=1), clock=Clock(), max_clients=100)
    for i in range(1000):
        buckets.take(f"client-{i}")
    assert len(buckets._buckets) <= 100
    assert "client-999" in buckets._buckets  # the recent ones are kept


def _scope(peer: str, forwarded: str | None = None) -> dict[str, object]:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return {"type": "http", "client": (peer, 5555), "headers": headers}


@pytest.mark.parametrize(("peer", "forwarded", "expected"), [
    ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # not from a trusted proxy: the header is anyone's to forge
    ("127.0.0.1", "1.2.3.4", "1.2.3.4"),
    ("127.0.0.1", "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the proxy appends; the left end is the client's own claim
    ("127.0.0.1", "1.2.3.4, 10.1.2.3", "1.2.3.4"),  # an inner trusted proxy is skipped
    ("127.0.0.1", "garbage, 1.2.3.4", "1.2.3.4"),
    ("127.0.0.1", "1.2.3.4, garbage", "127.0.0.1"),  # the proxy's own hop is malformed: fall back to the proxy
    ("127.0.0.1", None, "127.0.0.1"),
    ("::1", "2001:db8::7", "2001:db8::7"),
    ("127.0.0.1", "[2001:db8::8]", "2001:db8::8"),
])
def test_client_key_trusts_forwarded_for_only_from_trusted_proxies(peer: str, forwarded: str | None,
                                                                   expected: str) -> None:
    trusted = parse_networks("127.0.0.1, ::1, 10.0.0.0/8")
    assert client_key(_scope(peer, forwarded), trusted) == expected


def test_malformed_trusted_proxies_setting_is_an_error() -> None:
    with pytest.raises(ValueError):
        parse_networks("127.0.0.1, not-an-address")
    assert parse_networks("") == []
    assert parse_networks("10.0.0.1/8") == [ipaddress.ip_network("10.0.0.0/8")]


def test_settings_come_from_the_environment() -> None:
    settings = load_settings({"SVODKA_CONFIG": "/nonexistent.toml", "SVODKA_RATE_LIMIT_SEARCH": "0",
                              "SVODKA_RATE_LIMIT_API_BURST": "7", "SVODKA_TRUSTED_PROXIES": "10.0.0.1"})
    assert (settings.rate_limit_search, settings.rate_limit_api_burst, settings.trusted_proxies) == (0, 7, "10.0.0.1")
    defaults = Settings()
    assert defaults.rate_limit_search > 0 and defaults.rate_limit_api > 0  # on by default


def test_zero_disables_the_limit(tmp_path: Path) -> None:
    client, engine, _ = make_site(tmp_path)
    url = str(engine.url)
    app = create_app(Settings(database_url=url, rate_limit_search=0, rate_limit_api=0), engine, page_cache_entries=0)
    client = TestClient(app)
    assert {client.get("/api/search?q=Токаев").status_code for _ in range(40)} == {200}
    assert {client.get("/api/categories").status_code for _ in range(40)} == {200}


def _serve(tmp_path: Path, trusted_proxies: str) -> Iterator[str]:
    _, engine, _ = make_site(tmp_path)
    settings = Settings(database_url=str(engine.url), trusted_proxies=trusted_proxies, **SLOW)
    with serve_in_thread(create_app(settings, engine)) as base:
        yield base


@pytest.fixture
def behind_proxy(tmp_path: Path) -> Iterator[str]:
    """The site as seen through a reverse proxy (at PROXY) that names the client in X-Forwarded-For."""
    yield from _serve(tmp_path, PROXY)


@pytest.fixture
def direct(tmp_path: Path) -> Iterator[str]:
    """The site facing clients directly: no proxy is trusted."""
    yield from _serve(tmp_path, "")


def _as(client_ip: str) -> dict[str, str]:
    return {"x-forwarded-for": client_ip}


def _from_proxy(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=60, transport=httpx.HTTPTransport(local_address=PROXY))


def test_api_over_limit_gets_429_with_retry_after_and_refills(behind_proxy: str) -> None:
    with _from_proxy(behind_proxy) as http:
        first = [http.get("/api/categories", headers=_as("203.0.113.1")).status_code for _ in range(2)]
        limited = http.get("/api/categories", headers=_as("203.0.113.1"))
        assert first == [200, 200]
        assert limited.status_code == 429
        retry_after = int(limited.headers["retry-after"])
        assert 1 <= retry_after <= 5
        body = limited.json()
        assert body["status"] == 429 and body["retry_after"] == retry_after
        assert "Слишком много запросов" in body["error"]
        # Another client behind the same proxy is not affected, and pages outside search and API are not limited.
        assert http.get("/api/categories", headers=_as("203.0.113.2")).status_code == 200
        assert http.get("/article/1", headers=_as("203.0.113.1")).status_code == 200
        time.sleep(retry_after + 0.2)
        assert http.get("/api/categories", headers=_as("203.0.113.1")).status_code == 200  # refilled


def test_search_over_limit_gets_a_russian_page(behind_proxy: str) -> None:
    with _from_proxy(behind_proxy) as http:
        statuses = [http.get("/search", params={"q": "Токаев"}, headers=_as("198.51.100.7")).status_code
                    for _ in range(2)]
        page = http.get("/search/feed.xml", params={"q": "Токаев"}, headers=_as("198.51.100.7"))
        assert statuses == [200, 200]
        assert page.status_code == 429 and page.headers["content-type"].startswith("text/html")
        assert "Слишком много запросов" in page.text and "Повторите через" in page.text
        assert int(page.headers["retry-after"]) >= 1
        assert page.headers["x-content-type-options"] == "nosniff"
        # Search and API are separate buckets: this client's API requests still go through.
        assert http.get("/api/articles", headers=_as("198.51.100.7")).status_code == 200
        assert http.get("/search", params={"q": "Токаев"}, headers=_as("198.51.100.8")).status_code == 200


def test_forged_forwarded_for_does_not_escape_the_limit(direct: str) -> None:
    with _from_proxy(direct) as http:
        statuses = [http.get("/api/categories", headers=_as(f"192.0.2.{i}")).status_code for i in range(1, 4)]
    assert statuses == [200, 200, 429]
