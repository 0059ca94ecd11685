"""robots.txt: rules for our token, 4xx = allow, 5xx = disallow, one fetch per origin, Crawl-delay as host delay."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from svodka.fetch import Fetcher, FetchError
from svodka.fetch.robots import RobotsCache
from svodka.settings import Settings


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"allow_private_networks": True, "per_host_delay": 0.0, "request_timeout": 2.0}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="module")
def module_server() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", threaded=True)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def server(module_server: HTTPServer) -> HTTPServer:
    module_server.clear()
    return module_server


def robots(server: HTTPServer, text: str, status: int = 200) -> None:
    server.expect_request("/robots.txt").respond_with_data(text, status=status, content_type="text/plain")


def fetch_all(urls: list[str], config: Settings | None = None) -> list[str]:
    """Fetch each URL in order; returns "ok" or the error kind for each."""

    async def scenario() -> list[str]:
        outcomes = []
        async with Fetcher(config or settings()) as fetcher:
            for url in urls:
                try:
                    await fetcher.fetch(url)
                    outcomes.append("ok")
                except FetchError as exc:
                    outcomes.append(exc.kind)
        return outcomes

    return asyncio.run(scenario())


def count(server: HTTPServer, path: str) -> int:
    return sum(1 for request, _ in server.log if request.path == path)


def test_disallowed_path_is_refused_and_allowed_path_fetched(server: HTTPServer) -> None:
    robots(server, "User-agent: *\nDisallow: /private\n")
    server.expect_request("/private/report").respond_with_data("secret")
    server.expect_request("/news").respond_with_data("news")
    outcomes = fetch_all([server.url_for("/private/report"), server.url_for("/news"), server.url_for("/news")])
    assert outcomes == ["robots_disallowed", "ok", "ok"]
    assert count(server, "/private/report") == 0
    assert count(server, "/robots.txt") == 1  # cached per origin


def test_our_own_group_wins_over_the_wildcard(server: HTTPServer) -> None:
    robots(server, "User-agent: *\nAllow: /\n\nUser-agent: svodka\nDisallow: /\n")
    server.expect_request("/news").respond_with_data("news")
    assert fetch_all([server.url_for("/news")]) == ["robots_disallowed"]


def test_other_bots_rules_do_not_apply_to_us(server: HTTPServer) -> None:
    robots(server, "User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nDisallow: /admin\n")
    server.expect_request("/news").respond_with_data("news")
    assert fetch_all([server.url_for("/news"), server.url_for("/admin")]) == ["ok", "robots_disallowed"]


@pytest.mark.parametrize("status", [401, 403, 404, 410])
def test_robots_4xx_means_everything_allowed(server: HTTPServer, status: int) -> None:
    robots(server, "User-agent: *\nDisallow: /\n", status=status)
    server.expect_request("/news").respond_with_data("news")
    assert fetch_all([server.url_for("/news")]) == ["ok"]


@pytest.mark.parametrize("status", [500, 503, 429])
def test_robots_5xx_or_429_means_disallow_for_a_while(server: HTTPServer, status: int) -> None:
    robots(server, "oops", status=status)
    server.expect_request("/news").respond_with_data("news")
    assert fetch_all([server.url_for("/news"), server.url_for("/news")]) == ["robots_disallowed"] * 2
    assert count(server, "/news") == 0
    assert count(server, "/robots.txt") == 1  # the failure is cached too


def test_robots_redirect_is_followed(server: HTTPServer) -> None:
    server.expect_request("/robots.txt").respond_with_data("", status=301, headers={"Location": "/real-robots.txt"})
    server.expect_request("/real-robots.txt").respond_with_data("User-agent: *\nDisallow: /x\n")
    server.expect_request("/news").respond_with_data("news")
    assert fetch_all([server.url_for("/x"), server.url_for("/news")]) == ["robots_disallowed", "ok"]


def test_check_robots_false_skips_robots(server: HTTPServer) -> None:
    robots(server, "User-agent: *\nDisallow: /\n")
    server.expect_request("/news").respond_with_data("news")

    async def scenario() -> str:
        async with Fetcher(settings()) as fetcher:
            return (await fetcher.fetch(server.url_for("/news"), check_robots=False)).text

    assert asyncio.run(scenario()) == "news"
    assert count(server, "/robots.txt") == 0


def test_concurrent_first_requests_fetch_robots_once(server: HTTPServer) -> None:
    def slow_robots(request: Request) -> Response:
        time.sleep(0.2)
        return Response("User-agent: *\nAllow: /\n", content_type="text/plain")

    server.expect_request("/robots.txt").respond_with_handler(slow_robots)
    server.expect_request("/news").respond_with_data("news")

    async def scenario() -> None:
        async with Fetcher(settings(per_host_concurrency=4)) as fetcher:
            await asyncio.gather(*(fetcher.fetch(server.url_for("/news")) for _ in range(5)))

    asyncio.run(scenario())
    assert count(server, "/robots.txt") == 1
    assert count(server, "/news") == 5


def test_crawl_delay_becomes_the_host_delay(server: HTTPServer) -> None:
    robots(server, "User-agent: *\nCrawl-delay: 0.5\n")
    starts: list[float] = []

    def stamp(request: Request) -> Response:
        starts.append(time.monotonic())
        return Response("ok")

    server.expect_request("/news").respond_with_handler(stamp)

    async def scenario() -> float | None:
        async with Fetcher(settings(per_host_delay=0.0, per_host_concurrency=4)) as fetcher:
            await asyncio.gather(*(fetcher.fetch(server.url_for("/news")) for _ in range(3)))
            return fetcher.robots.crawl_delay(httpx.URL(server.url_for("/news")))

    assert asyncio.run(scenario()) == pytest.approx(0.5)
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert len(gaps) == 2 and min(gaps) >= 0.3  # 0.5 s reserved between starts, minus network jitter


def test_cache_expires_and_keeps_last_good_rules_when_the_server_breaks() -> None:
    answers: list[tuple[int, str] | FetchError] = [(200, "User-agent: *\nDisallow: /old\n")]
    now = [0.0]

    async def fake_fetch(url: str) -> tuple[int, str]:
        answer = answers[-1]
        if isinstance(answer, FetchError):
            raise answer
        return answer

    async def scenario() -> list[bool]:
        from svodka.fetch.errors import HttpStatusError

        cache = RobotsCache(fake_fetch, clock=lambda: now[0])
        url = httpx.URL("https://example.kz/old/page")
        verdicts = [(await cache.rules_for(url)).can_fetch(str(url))]
        answers.append(HttpStatusError("HTTP 503", status=503))
        now[0] += 25 * 3600  # past the 24 h TTL: refetch fails, the old rules stay in force
        verdicts.append((await cache.rules_for(url)).can_fetch(str(url)))
        verdicts.append((await cache.rules_for(httpx.URL("https://example.kz/new"))).can_fetch("https://example.kz/new"))
        answers.append((404, ""))
        now[0] += 2 * 3600  # past the error TTL: refetched, now 404 = allow all
        verdicts.append((await cache.rules_for(url)).can_fetch(str(url)))
        return verdicts

    assert asyncio.run(scenario()) == [False, False, True, True]
