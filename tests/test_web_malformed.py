"""Malformed requests get a 4xx with a helpful page (HTML) or a JSON error (API), never a 500.

The fuzz test builds paths from the app's own route table, so a route added later is fuzzed too.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Mount, Route
from web_fixtures import make_site, serve_in_thread

ADMIN_TOKEN = "fuzz-admin-token"
TEN_KB = "а" * 5000  # 10 kB of UTF-8

# (path, expected status, expected content type prefix): the cases issue 7 names, one line each.
CASES = [
    ("/?page=abc", 200, "text/html"),
    ("/?page=-1", 200, "text/html"),
    ("/?page=99999999999999999999", 404, "text/html"),
    ("/tags?page=99999999", 404, "text/html"),
    (f"/search?q={TEN_KB}", 200, "text/html"),
    ("/search?q=%ff%fe", 200, "text/html"),
    ("/search?q=%00&page=%ff", 200, "text/html"),
    ("/search?from=0001-01-01&to=9999-12-31&q=a", 200, "text/html"),
    ("/search/feed.xml?q=%ff%00", 200, "application/rss+xml"),
    ("/%ff%fe", 404, "text/html"),
    ("/tag/%ff%fe", 404, "text/html"),
    ("/tag/%00", 404, "text/html"),
    ("/tag/no-such-tag", 404, "text/html"),
    ("/source/no-such-source", 404, "text/html"),
    ("/category/%ff/feed.xml", 404, "text/html"),
    ("/article/99999999999999999999", 404, "text/html"),
    ("/article/abc", 404, "text/html"),
    ("/article/123456", 404, "text/html"),
    ("/story/0", 404, "text/html"),
    ("/api/articles/99999999999999999999", 400, "application/json"),
    ("/api/articles/abc", 400, "application/json"),
    ("/api/articles/123456", 404, "application/json"),
    ("/api/stories/-1", 400, "application/json"),
    ("/api/articles?page=99999999999999999999", 400, "application/json"),
    ("/api/articles?page=abc", 400, "application/json"),
    ("/api/search?q=" + "x" * 10_000, 400, "application/json"),
    ("/api/search?from=0001-01-01&to=9999-12-31", 200, "application/json"),
    ("/api/search?from=2026-13-45", 400, "application/json"),
    ("/api/search?q=%ff%fe%00", 200, "application/json"),
    ("/api/tags/%ff", 404, "application/json"),
    ("/static/%ff", 404, "text/html"),
    ("/static/../../etc/passwd", 404, "text/html"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    client, _, _ = make_site(tmp_path_factory.mktemp("malformed"), admin_token=ADMIN_TOKEN)
    return TestClient(client.app, raise_server_exceptions=False)


@pytest.mark.parametrize(("path", "status", "media"), CASES, ids=[c[0][:40] for c in CASES])
def test_malformed_request_gets_a_helpful_answer(site: TestClient, path: str, status: int, media: str) -> None:
    response = site.get(path)
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith(media)
    if status >= 400 and media == "text/html":
        assert "<h1>" in response.text and 'href="/"' in response.text  # a page with a way on, in Russian
        assert any(word in response.text for word in ("нет", "Неверн", "не существует"))
    if status >= 400 and media == "application/json":
        assert response.json()["error"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_wrong_method_is_405_with_a_json_error(site: TestClient, method: str) -> None:
    response = site.request(method, "/api/articles")
    assert response.status_code == 405
    assert response.json()["status"] == 405


def test_garbage_in_headers_is_tolerated(site: TestClient) -> None:
    headers = {"accept": b"\xff\xfe", "if-modified-since": b"\xff\x00", "if-none-match": b"\xff",
               "x-large": "a" * 20_000}
    for path in ["/", "/article/1", "/api/articles", "/feed.xml"]:
        response = site.get(path, headers=headers)
        assert response.status_code == 200, path


def test_oversized_headers_get_431(site: TestClient) -> None:
    page = site.get("/", headers={"x-huge": "a" * 40_000})
    assert page.status_code == 431 and "Слишком большие заголовки" in page.text
    assert site.get("/api/articles", headers={"cookie": "c" * 40_000}).json()["status"] == 431


# --- fuzzing over the route table ---------------------------------------------------------------------------

SEGMENT_SAMPLES = ["", ".", "..", "%00", "%ff%fe", "%2F", "tokaev", "kaztag", "society", "politics", "1", "5",
                   "0", "-1", "99999999999999999999", "1e3", "0x10", "%201", "١", "１", "NaN", "<script>", "%"]
QUERY_KEYS = ["page", "per_page", "q", "from", "to", "sort", "format", "source", "category", "tag", "slug"]
QUERY_SAMPLES = ["", "abc", "-1", "0", "99999999999999999999", "1" * 400, "2026-02-30", "0001-01-01", "9999-12-31",
                 "date", "json", "atom", "%ff", "%00", "%", "%%", "%e0%a4", "\"", "*", "NEAR(", "a OR",
                 "я" * 1700]  # 10 kB once percent-encoded (five of them stay under httpx's 64 kB URL limit)


def _route_templates(routes: list[Any]) -> list[str]:
    """Every path template of the app; included routers (FastAPI wraps them) are walked into."""
    templates = ["/static/style.css", "/nope/{x}"]
    for route in routes:
        if isinstance(route, APIRoute | Route):
            templates.append(route.path)
        elif isinstance(route, Mount):
            templates.append(route.path + "/{file}")
        elif hasattr(route, "original_router"):
            templates.extend(_route_templates(route.original_router.routes))
    return sorted(set(templates))


def _encoded(value: str | bytes) -> str:
    return quote_from_bytes(value, safe="") if isinstance(value, bytes) else quote(value, safe="")


segments = st.one_of(
    st.sampled_from(SEGMENT_SAMPLES),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.text(max_size=30).map(_encoded),
    st.binary(max_size=12).map(_encoded),
)
query_values = st.one_of(
    st.sampled_from(QUERY_SAMPLES),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.text(max_size=40).map(_encoded),
    st.binary(max_size=16).map(_encoded),
)
queries = st.one_of(
    st.lists(st.tuples(st.one_of(st.sampled_from(QUERY_KEYS), st.text(max_size=8).map(_encoded)), query_values),
             max_size=5).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)),
    st.sampled_from(["", "%", "&&==", "page", ";;", "q", "=&=", "page=1&page=abc", "q=%ff%fe%fd"]),
)
methods = st.sampled_from(["GET"] * 6 + ["HEAD", "POST", "PUT", "DELETE", "OPTIONS"])
accepts = st.sampled_from([None, "text/html", "application/json", "*/*", "application/json, text/html;q=0.9",
                           "text/html, application/json", "garbage/;;;"])


@st.composite
def requests(draw: st.DrawFn, templates: list[str]) -> tuple[str, str, dict[str, str], bytes | None]:
    template = draw(st.sampled_from(templates))
    parts = []
    for piece in template.split("/"):
        parts.append(draw(segments) if piece.startswith("{") else piece)
    path = "/".join(parts) or "/"
    query = draw(queries)
    headers: dict[str, str] = {}
    accept = draw(accepts)
    if accept:
        headers["accept"] = accept
    method = draw(methods)
    body = None
    if method in {"POST", "PUT", "DELETE"} and draw(st.booleans()):
        headers["authorization"] = f"Bearer {ADMIN_TOKEN}"
        headers["content-type"] = "application/json"
        body = draw(st.one_of(
            st.binary(max_size=60),
            st.fixed_dictionaries({"feed_url": st.sampled_from(["https://fuzz.example/rss", "ftp://x", ""]),
                                   "name": st.text(max_size=20)},
                                  optional={"slug": st.text(max_size=10), "timezone": st.text(max_size=20),
                                            "kind": st.text(max_size=8), "category": st.text(max_size=10)})
            .map(lambda d: json.dumps(d).encode()),
        ))
    return method, path + ("?" + query if query else ""), headers, body


def test_fuzzed_requests_never_fail_with_500(site: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    """At least 1000 generated requests over every route: each answers < 500 with a non-empty body."""
    templates = _route_templates(site.app.routes)
    assert {"/article/{article_id}", "/api/search", "/tag/{slug}/feed.atom", "/admin/sources"} <= set(templates)
    seen: list[tuple[str, int]] = []

    @settings(max_examples=1000, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(requests(templates))
    def check(request: tuple[str, str, dict[str, str], bytes | None]) -> None:
        method, url, headers, body = request
        response = site.request(method, url, headers=headers, content=body)
        seen.append((url, response.status_code))
        assert response.status_code < 500, (method, url, headers, body, response.text[:300], caplog.text[-3000:])
        if method != "HEAD" and response.status_code not in {204, 304}:
            assert response.content, (method, url)

    with caplog.at_level(logging.ERROR):
        check()
    assert len(seen) >= 1000
    statuses = {status for _, status in seen}
    assert {200, 404} <= statuses and statuses & {400, 405}  # the generator reached pages and errors alike
    assert not [r for r in caplog.records if r.name == "svodka.web.app"]  # the catch-all handler never ran


# --- the catch-all handler ------------------------------------------------------------------------------------

def test_unexpected_error_renders_a_russian_500_without_traceback(tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    client, _, _ = make_site(tmp_path)
    app = client.app

    def explode() -> None:
        raise RuntimeError("secret internals /etc/svodka.toml")

    app.add_api_route("/boom", explode)
    app.add_api_route("/api/boom", explode)
    client = TestClient(app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="svodka.web.app"):
        page = client.get("/boom")
        api = client.get("/api/boom")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Ошибка на сервере" in page.text and 'href="/"' in page.text
    assert "Traceback" not in page.text and "secret internals" not in page.text
    assert page.headers["x-content-type-options"] == "nosniff" and "content-security-policy" in page.headers
    assert api.status_code == 500 and api.json()["status"] == 500 and "secret" not in api.text
    assert "GET /boom failed" in caplog.text and "RuntimeError" in caplog.text  # logged for us, not shown


# --- bytes no client library would send, over real HTTP --------------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    client, _, _ = make_site(tmp_path_factory.mktemp("raw"))
    with serve_in_thread(client.app) as base:
        host, port = base.removeprefix("http://").split(":")
        yield host, int(port)


def _raw_status(address: tuple[str, int], request: bytes) -> int:
    with socket.create_connection(address, timeout=30) as sock:
        sock.sendall(request)
        reply = b""
        while b"\r\n" not in reply:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    return int(reply.split(b" ", 2)[1])


@pytest.mark.parametrize("request_line", [
    b"GET /tag/\xff\xfe HTTP/1.1", b"GET /search?q=\xff\xfe\x80 HTTP/1.1", b"GET /article/\xd0 HTTP/1.1",
    b"GET /search?q=%00%ff HTTP/1.1", b"GET /api/search?q=\xc3\x28 HTTP/1.1", b"GET /category/\x7f HTTP/1.1",
])
def test_invalid_utf8_bytes_on_the_wire(server: tuple[str, int], request_line: bytes) -> None:
    status = _raw_status(server, request_line + b"\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert 200 <= status < 500


def test_huge_headers_are_refused_and_the_server_lives_on(server: tuple[str, int]) -> None:
    huge = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + b"a" * 200_000 + b"\r\nConnection: close\r\n\r\n"
    try:
        status = _raw_status(server, huge)
    except ConnectionError:
        status = 431  # the server closed the connection without reading it all: refused all the same
    assert 400 <= status < 500
    assert _raw_status(server, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n") == 200
