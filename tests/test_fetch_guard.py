"""SSRF guard: non-public addresses are refused before connecting, on every redirect hop, at connect time."""

from __future__ import annotations

import asyncio
import ipaddress
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from svodka.fetch import AddressGuard, Fetcher, FetchError
from svodka.fetch.guard import is_public_address
from svodka.settings import Settings


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False), ("127.8.9.10", False), ("10.0.0.1", False), ("172.16.5.4", False),
        ("192.168.1.1", False), ("100.64.0.1", False), ("169.254.169.254", False), ("0.0.0.0", False),
        ("224.0.0.1", False), ("240.0.0.1", False), ("255.255.255.255", False), ("198.18.0.1", False),
        ("::1", False), ("::", False), ("fe80::1", False), ("fc00::1", False), ("fd12:3456::1", False),
        ("ff02::1", False), ("::ffff:127.0.0.1", False), ("::ffff:10.1.2.3", False), ("::ffff:169.254.169.254", False),
        ("64:ff9b::7f00:1", False), ("2002:7f00:1::", False),
        ("8.8.8.8", True), ("93.184.216.34", True), ("2a00:1450:4001:80b::200e", True), ("::ffff:8.8.8.8", True),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", threaded=True)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def fresh(server: HTTPServer) -> None:
    server.clear()
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/").respond_with_data("internal admin page")
    server.expect_request("/secret").respond_with_data("cloud credentials")


def fetch_error(url: str, *, guard: AddressGuard | None = None, **overrides: Any) -> FetchError:
    async def scenario() -> None:
        async with Fetcher(Settings(per_host_delay=0.0, request_timeout=2.0, **overrides), guard=guard) as fetcher:
            await fetcher.fetch(url)

    with pytest.raises(FetchError) as info:
        asyncio.run(scenario())
    return info.value


def fake_dns(table: dict[str, list[str]]) -> Any:
    async def resolve(host: str, port: int) -> list[str]:
        return table[host]

    return resolve


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:{port}/", "http://localhost:{port}/", "http://[::1]:{port}/", "http://169.254.169.254/latest/",
     "http://10.0.0.1/", "http://[::ffff:127.0.0.1]:{port}/", "http://100.64.0.1/", "http://0.0.0.0:{port}/",
     "http://[fe80::1]/", "http://2130706433:{port}/"],
)
def test_private_targets_are_refused_by_default(server: HTTPServer, url: str) -> None:
    error = fetch_error(url.format(port=server.port))
    assert error.kind == "blocked_address"
    assert server.log == []  # refused before any connection, robots.txt included


def test_allow_private_networks_switches_the_guard_off(server: HTTPServer) -> None:
    async def scenario() -> str:
        async with Fetcher(Settings(allow_private_networks=True, per_host_delay=0.0)) as fetcher:
            return (await fetcher.fetch(server.url_for("/"))).text

    assert asyncio.run(scenario()) == "internal admin page"


def test_name_resolving_to_private_address_is_refused_at_connect(server: HTTPServer) -> None:
    guard = AddressGuard(resolver=fake_dns({"metadata.test": ["169.254.169.254"], "rebind.test": ["127.0.0.1"]}))
    assert fetch_error("http://metadata.test/latest/", guard=guard).kind == "blocked_address"
    assert fetch_error(f"http://rebind.test:{server.port}/", guard=guard).kind == "blocked_address"
    assert server.log == []


def test_redirect_from_allowed_host_to_loopback_is_refused(server: HTTPServer) -> None:
    server.expect_request("/start").respond_with_data("", status=302,
                                                      headers={"Location": f"http://127.0.0.1:{server.port}/secret"})
    server.expect_request("/via-name").respond_with_data("", status=302,
                                                         headers={"Location": f"http://rebind.test:{server.port}/secret"})
    guard = AddressGuard(trusted_hosts={"feeds.test"},
                         resolver=fake_dns({"feeds.test": ["127.0.0.1"], "rebind.test": ["127.0.0.1"]}))
    for start in ("/start", "/via-name"):
        error = fetch_error(f"http://feeds.test:{server.port}{start}", guard=guard)
        assert error.kind == "blocked_address"
    paths = [request.path for request, _ in server.log]
    assert "/start" in paths and "/via-name" in paths  # the first hop really went through
    assert "/secret" not in paths
    # We connected to the validated IP but kept the original Host header.
    assert {request.headers["Host"] for request, _ in server.log} == {f"feeds.test:{server.port}"}


def test_trusted_host_is_served_over_the_real_connect_path(server: HTTPServer) -> None:
    guard = AddressGuard(trusted_hosts={"feeds.test"}, resolver=fake_dns({"feeds.test": ["127.0.0.1"]}))

    async def scenario() -> str:
        async with Fetcher(Settings(per_host_delay=0.0), guard=guard) as fetcher:
            return (await fetcher.fetch(f"http://feeds.test:{server.port}/")).text

    assert asyncio.run(scenario()) == "internal admin page"


@pytest.fixture(scope="module")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for feeds.test, made with the openssl command (skipped if it is missing)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl command not available to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=feeds.test",
                    "-addext", "subjectAltName=DNS:feeds.test", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def test_tls_keeps_sni_and_certificate_check_while_connecting_to_the_checked_ip(tls_cert: tuple[Path, Path]) -> None:
    cert, key = tls_cert
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    tls_server = HTTPServer(host="127.0.0.1", ssl_context=server_context, threaded=True)
    tls_server.start()
    try:
        tls_server.expect_request("/robots.txt").respond_with_data("", status=404)
        tls_server.expect_request("/feed").respond_with_data("secure feed")
        guard = AddressGuard(trusted_hosts={"feeds.test", "other.test"},
                             resolver=fake_dns({"feeds.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]}))
        client_context = ssl.create_default_context(cafile=str(cert))

        async def fetch(host: str) -> str:
            async with Fetcher(Settings(per_host_delay=0.0), guard=guard, ssl_context=client_context) as fetcher:
                return (await fetcher.fetch(f"https://{host}:{tls_server.port}/feed", check_robots=False)).text

        assert asyncio.run(fetch("feeds.test")) == "secure feed"
        # Same IP, but a name the certificate does not cover: verification is really on.
        with pytest.raises(FetchError) as info:
            asyncio.run(fetch("other.test"))
        assert info.value.kind == "connection"
    finally:
        tls_server.clear()
        tls_server.stop()
