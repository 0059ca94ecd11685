"""/docs works offline: Swagger UI from the fastapi-offline wheel on our own origin, under a CSP with no CDN."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from web_fixtures import make_site, serve_in_thread

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def client(tmp_path: Path):  # type: ignore[no-untyped-def]
    return make_site(tmp_path)[0]


def _directives(csp: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in csp.split(";") if part.strip())}


def test_docs_page_loads_only_own_files_under_a_strict_csp(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/docs")
    assert response.status_code == 200
    html = response.text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "<script>" not in html and "cdn" not in html.lower()
    assert 'data-openapi="/openapi.json"' in html
    csp = _directives(response.headers["content-security-policy"])
    for name in ("script-src", "style-src", "connect-src", "img-src", "default-src"):
        assert not [v for v in csp[name] if v.startswith(("http", "'unsafe"))], (name, csp[name])
    assert csp["script-src"] == ["'self'"]
    for path in sources:
        asset = client.get(path)
        assert asset.status_code == 200, path
        assert len(asset.content) > 100
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert "javascript" in bundle.headers["content-type"] and b"SwaggerUIBundle" in bundle.content
    assert client.get("/docs/assets/no-such-file.js").status_code == 404


def test_swagger_ui_renders_the_api_in_a_browser_without_the_network(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    errors: list[str] = []
    outside: list[str] = []
    with serve_in_thread(make_site(tmp_path)[0].app) as base, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        page: Any = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith((base, "data:")) else outside.append(r.url))
        assert page.goto(base + "/docs").status == 200
        page.wait_for_selector(".opblock-summary-path", timeout=20_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert any("/api/articles" in p for p in paths), paths
        assert page.locator(".info .title").first.inner_text().startswith("Сводка API")
        browser.close()
    assert outside == []
    assert errors == []
