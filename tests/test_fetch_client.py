"""Fetcher against a real HTTP server on 127.0.0.1: conditional GET, statuses, bounds, redirects, charset, limits."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, TypeVar

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from svodka.fetch import Fetcher, FetchError, FetchResult
from svodka.settings import Settings

T = TypeVar("T")
LIMIT = 1024 * 1024


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"allow_private_networks": True, "per_host_delay": 0.0, "request_timeout": 2.0,
                              "max_response_bytes": LIMIT}
    values.update(overrides)
    return Settings(**values)


def start_server() -> HTTPServer:
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    return server


@pytest.fixture(scope="module")
def module_server() -> Iterator[HTTPServer]:
    srv = start_server()
    yield srv
    srv.stop()


@pytest.fixture
def server(module_server: HTTPServer) -> HTTPServer:
    """One server per module (stopping one costs half a second); each test starts with no handlers but robots.txt."""
    module_server.clear()
    module_server.expect_request("/robots.txt").respond_with_data("", status=404)
    return module_server


async def fetch_one(url: str, config: Settings | None = None, **kwargs: Any) -> FetchResult:
    async with Fetcher(config or settings()) as fetcher:
        return await fetcher.fetch(url, **kwargs)


def fetch_error(url: str, config: Settings | None = None, **kwargs: Any) -> FetchError:
    with pytest.raises(FetchError) as info:
        run(fetch_one(url, config, **kwargs))
    return info.value


def paths_requested(server: HTTPServer) -> list[str]:
    return [request.path for request, _response in server.log]


def test_plain_get_returns_body_text_and_metadata(server: HTTPServer) -> None:
    server.expect_request("/page").respond_with_data(
        "<p>Новости Бишкека</p>", content_type="text/html; charset=utf-8",
        headers={"ETag": 'W/"v1"', "Last-Modified": "Wed, 21 Oct 2026 07:28:00 GMT",
                 "Cache-Control": "public, max-age=300"})
    result = run(fetch_one(server.url_for("/page")))
    assert result.status == 200
    assert result.text == "<p>Новости Бишкека</p>"
    assert result.encoding == "utf-8"
    assert result.body == "<p>Новости Бишкека</p>".encode()
    assert result.etag == 'W/"v1"'
    assert result.last_modified == "Wed, 21 Oct 2026 07:28:00 GMT"
    assert result.max_age == 300
    assert result.not_modified is False
    assert result.final_url == result.url == server.url_for("/page")
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    assert result.elapsed >= 0
    request = server.log[-1][0]
    assert request.headers["User-Agent"].startswith("svodka/")
    assert request.headers["Accept-Encoding"] == "gzip, deflate"


def test_conditional_get_sends_validators_verbatim_and_reports_304(server: HTTPServer) -> None:
    etag, modified = 'W/"abc-123"', "Wed, 21 Oct 2015 07:28:00 GMT"
    server.expect_request("/feed", headers={"If-None-Match": etag, "If-Modified-Since": modified}).respond_with_data(
        "", status=304)
    server.expect_request("/feed").respond_with_data("fresh", status=200)
    result = run(fetch_one(server.url_for("/feed"), etag=etag, last_modified=modified))
    assert result.not_modified is True
    assert result.status == 304
    assert result.body == b""
    # The server sent no validators with its 304: the ones we hold stay valid.
    assert (result.etag, result.last_modified) == (etag, modified)
    sent = server.log[-1][0].headers
    assert (sent["If-None-Match"], sent["If-Modified-Since"]) == (etag, modified)


def test_without_validators_no_conditional_headers_are_sent(server: HTTPServer) -> None:
    server.expect_request("/feed").respond_with_data("fresh")
    result = run(fetch_one(server.url_for("/feed")))
    assert result.not_modified is False
    assert "If-None-Match" not in server.log[-1][0].headers


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_error_statuses_raise_http_status(server: HTTPServer, status: int) -> None:
    server.expect_request("/gone").respond_with_data("nope", status=status)
    error = fetch_error(server.url_for("/gone"))
    assert error.kind == "http_status"
    assert error.status == status  # type: ignore[attr-defined]
    assert error.url == server.url_for("/gone")


def test_429_with_retry_after_seconds(server: HTTPServer) -> None:
    server.expect_request("/busy").respond_with_data("slow down", status=429, headers={"Retry-After": "120"})
    error = fetch_error(server.url_for("/busy"))
    assert (error.kind, error.status, error.retry_after) == ("http_status", 429, 120)  # type: ignore[attr-defined]


def test_503_with_retry_after_http_date(server: HTTPServer) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=600), usegmt=True)
    server.expect_request("/busy").respond_with_data("later", status=503, headers={"Retry-After": when})
    error = fetch_error(server.url_for("/busy"))
    assert error.kind == "http_status"
    assert 590 <= error.retry_after <= 600  # type: ignore[attr-defined]


def test_slow_server_times_out(server: HTTPServer) -> None:
    def sleepy(request: Request) -> Response:
        time.sleep(3)
        return Response("late")

    server.expect_request("/slow").respond_with_handler(sleepy)
    error = fetch_error(server.url_for("/slow"), settings(request_timeout=0.5))
    assert error.kind == "timeout"


def test_slow_trickle_hits_the_whole_response_deadline(server: HTTPServer) -> None:
    def trickle(request: Request) -> Response:
        def chunks() -> Iterator[bytes]:
            for _ in range(100):
                yield b"x"
                time.sleep(0.1)  # each read arrives well within the read timeout

        return Response(chunks(), content_type="text/plain")

    server.expect_request("/trickle").respond_with_handler(trickle)
    started = time.monotonic()
    error = fetch_error(server.url_for("/trickle"), settings(request_timeout=0.5))
    assert error.kind == "timeout"
    assert time.monotonic() - started < 5  # the body would take 10 s


def test_redirects_are_followed_and_final_url_reported(server: HTTPServer) -> None:
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/mid"})
    server.expect_request("/mid").respond_with_data("", status=302, headers={"Location": server.url_for("/new")})
    server.expect_request("/new").respond_with_data("here")
    result = run(fetch_one(server.url_for("/old")))
    assert (result.text, result.final_url, result.url) == ("here", server.url_for("/new"), server.url_for("/old"))


def test_redirect_loop_stops_after_max_redirects(server: HTTPServer) -> None:
    server.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    server.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    error = fetch_error(server.url_for("/a"), settings(max_redirects=5))
    assert error.kind == "too_many_redirects"
    assert len([p for p in paths_requested(server) if p in {"/a", "/b"}]) == 6  # the first request + 5 redirects


def test_redirect_to_another_scheme_is_invalid(server: HTTPServer) -> None:
    server.expect_request("/ftp").respond_with_data("", status=302, headers={"Location": "ftp://files.example/x"})
    assert fetch_error(server.url_for("/ftp")).kind == "invalid_url"


@pytest.mark.parametrize("location", ["http://exa mple.kz/", "mailto:editor@example.kz"])
def test_broken_redirect_location_is_invalid_url(server: HTTPServer, location: str) -> None:
    server.expect_request("/jump").respond_with_data("", status=302, headers={"Location": location})
    assert fetch_error(server.url_for("/jump")).kind == "invalid_url"


def test_redirect_without_location_is_http_status(server: HTTPServer) -> None:
    server.expect_request("/nowhere").respond_with_data("", status=302)
    error = fetch_error(server.url_for("/nowhere"))
    assert (error.kind, error.status) == ("http_status", 302)  # type: ignore[attr-defined]


def test_endless_body_stops_at_the_limit(server: HTTPServer) -> None:
    def endless(request: Request) -> Response:
        def chunks() -> Iterator[bytes]:
            while True:
                yield b"x" * 65536

        return Response(chunks(), content_type="text/plain")

    server.expect_request("/endless").respond_with_handler(endless)
    error = fetch_error(server.url_for("/endless"))
    assert error.kind == "too_large"
    assert LIMIT < error.seen <= LIMIT + 256 * 1024  # type: ignore[attr-defined]


def test_huge_content_length_is_refused_before_reading(server: HTTPServer) -> None:
    def huge(request: Request) -> Response:
        def chunks() -> Iterator[bytes]:
            yield b"x" * 1024

        return Response(chunks(), headers={"Content-Length": str(2 * 1024**3)}, content_type="text/plain")

    server.expect_request("/huge").respond_with_handler(huge)
    error = fetch_error(server.url_for("/huge"))
    assert error.kind == "too_large"
    assert error.seen == 0  # type: ignore[attr-defined]


def test_gzip_bomb_stops_early_on_decoded_bytes(server: HTTPServer) -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < LIMIT // 4  # small on the wire, far over the limit once inflated
    server.expect_request("/bomb").respond_with_data(bomb, content_type="text/html",
                                                    headers={"Content-Encoding": "gzip"})
    error = fetch_error(server.url_for("/bomb"))
    assert error.kind == "too_large"
    assert error.seen <= LIMIT + 1  # type: ignore[attr-defined]


def test_gzip_and_deflate_bodies_are_decoded(server: HTTPServer) -> None:
    import zlib

    text = "Сводка новостей Центральной Азии " * 50
    server.expect_request("/gz").respond_with_data(gzip.compress(text.encode()), headers={"Content-Encoding": "gzip"},
                                                  content_type="text/plain; charset=utf-8")
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    body = raw_deflate.compress(text.encode()) + raw_deflate.flush()
    server.expect_request("/raw-deflate").respond_with_data(body, headers={"Content-Encoding": "deflate"},
                                                           content_type="text/plain; charset=utf-8")
    assert run(fetch_one(server.url_for("/gz"))).text == text
    assert run(fetch_one(server.url_for("/raw-deflate"))).text == text


@pytest.mark.parametrize(("encoding", "body"), [("br", b"\x0b\x02\x80hello\x03"), ("gzip", b"not gzip at all")])
def test_undecodable_bodies_raise_decode(server: HTTPServer, encoding: str, body: bytes) -> None:
    server.expect_request("/odd").respond_with_data(body, headers={"Content-Encoding": encoding})
    assert fetch_error(server.url_for("/odd")).kind == "decode"


@pytest.mark.parametrize(("codec", "label"), [("cp1251", "windows-1251"), ("koi8_r", "koi8-r")])
def test_cyrillic_page_with_a_lying_header_is_decoded_right(server: HTTPServer, codec: str, label: str) -> None:
    sentence = "Акимат Астаны сообщил о ремонте дорог на левом берегу Есиля."
    html = f"<html><head><title>Новости</title></head><body><p>{sentence}</p></body></html>"
    server.expect_request("/ru").respond_with_data(html.encode(codec), content_type="text/html; charset=utf-8")
    result = run(fetch_one(server.url_for("/ru")))
    assert sentence in result.text
    assert result.encoding == label


def test_binary_content_is_not_decoded_as_text(server: HTTPServer) -> None:
    server.expect_request("/img").respond_with_data(b"\x89PNG\r\n\x1a\n" + bytes(range(256)), content_type="image/png")
    result = run(fetch_one(server.url_for("/img")))
    assert result.body.startswith(b"\x89PNG")
    assert (result.text, result.encoding) == ("", "")


@pytest.mark.parametrize("url", ["ftp://example.org/file", "not a url", "http://", "/relative/path", "file:///etc/passwd",
                                 "http://exa mple.kz/", "http://feeds.kz:0/", "javascript:alert(1)", "http://[::1/",
                                 "http://feeds.kz:99999/"])
def test_invalid_urls(url: str) -> None:
    assert fetch_error(url).kind == "invalid_url"


def test_closed_port_is_a_connection_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    error = fetch_error(f"http://127.0.0.1:{port}/", check_robots=False)
    assert error.kind == "connection"


def test_failures_are_logged_with_url_and_kind(server: HTTPServer, caplog: pytest.LogCaptureFixture) -> None:
    server.expect_request("/missing").respond_with_data("", status=404)
    with caplog.at_level("WARNING", logger="svodka.fetch.client"):
        fetch_error(server.url_for("/missing"))
    lines = [r.getMessage() for r in caplog.records if r.name == "svodka.fetch.client"]
    assert len(lines) == 1
    assert server.url_for("/missing") in lines[0] and "http_status" in lines[0]


class ConcurrencyCounter:
    """A handler that sleeps and records how many requests it served at once."""

    def __init__(self, pause: float) -> None:
        self.pause = pause
        self.current = 0
        self.peak = 0
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.current += 1
            self.peak = max(self.peak, self.current)
        time.sleep(self.pause)
        with self.lock:
            self.current -= 1
        return Response("ok")


def test_per_host_concurrency_is_respected_while_another_host_proceeds(server: HTTPServer) -> None:
    other = start_server()
    try:
        slow, fast = ConcurrencyCounter(0.4), ConcurrencyCounter(0.0)
        server.expect_request("/slow").respond_with_handler(slow)
        other.expect_request("/fast").respond_with_handler(fast)
        finished: list[str] = []

        async def one(fetcher: Fetcher, url: str, tag: str) -> None:
            await fetcher.fetch(url)
            finished.append(tag)

        async def scenario() -> None:
            async with Fetcher(settings(per_host_concurrency=2, total_concurrency=16)) as fetcher:
                # Let robots.txt of both hosts be known first, so only the pages compete.
                await asyncio.gather(one(fetcher, server.url_for("/slow"), "slow"),
                                     one(fetcher, other.url_for("/fast"), "fast"))
                finished.clear()
                slow_jobs = [one(fetcher, server.url_for("/slow"), "slow") for _ in range(6)]
                fast_jobs = [one(fetcher, other.url_for("/fast"), "fast") for _ in range(3)]
                await asyncio.gather(*slow_jobs, *fast_jobs)

        run(scenario())
        assert slow.peak == 2
        assert fast.peak <= 2
        assert sorted(finished) == ["fast"] * 3 + ["slow"] * 6
        # The busy host did not hold the other one back: all fast pages were done before the slow queue drained.
        assert max(i for i, tag in enumerate(finished) if tag == "fast") < len(finished) - 2
    finally:
        other.clear()
        other.stop()


def test_total_concurrency_caps_all_hosts_together(server: HTTPServer) -> None:
    counter = ConcurrencyCounter(0.2)
    server.expect_request("/page").respond_with_handler(counter)

    async def scenario() -> None:
        async with Fetcher(settings(per_host_concurrency=8, total_concurrency=1)) as fetcher:
            await asyncio.gather(*(fetcher.fetch(server.url_for("/page")) for _ in range(4)))

    run(scenario())
    assert counter.peak == 1


def test_per_host_delay_spaces_request_starts(server: HTTPServer) -> None:
    starts: list[float] = []

    def stamp(request: Request) -> Response:
        starts.append(time.monotonic())
        return Response("ok")

    server.expect_request("/page").respond_with_handler(stamp)

    async def scenario() -> None:
        async with Fetcher(settings(per_host_delay=0.5, per_host_concurrency=4)) as fetcher:
            await asyncio.gather(*(fetcher.fetch(server.url_for("/page")) for _ in range(3)))

    run(scenario())
    gaps = [b - a for a, b in zip(sorted(starts), sorted(starts)[1:], strict=False)]
    # Starts are reserved 0.5 s apart; the margin absorbs network jitter on a busy machine.
    assert len(gaps) == 2 and min(gaps) >= 0.3
