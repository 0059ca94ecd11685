"""The site in a real headless Chromium (Debian's /usr/bin/chromium through Playwright), served by uvicorn.

Screenshots land in test-artifacts/ (gitignored).
"""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_fixtures import ATTACKER, make_site, serve_in_thread

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
# A 1×1 transparent PNG served in place of every outside image, so pages load without the network.
PIXEL = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    client, _, _ = make_site(tmp_path_factory.mktemp("browser"))
    with serve_in_thread(client.app) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield instance
        instance.close()


class Watched:
    """A page with its console errors, dialogs and requests recorded; outside requests get a local pixel."""

    def __init__(self, browser: Any, base: str, width: int = 1280) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.context.route(lambda url: not url.startswith(base),
                           lambda route: route.fulfill(status=200, content_type="image/png", body=PIXEL))

    def close(self) -> None:
        self.context.close()


def test_article_page_in_order_with_working_links(server: str, browser: Any) -> None:
    watched = Watched(browser, server)
    page = watched.page
    assert page.goto(f"{server}/article/1").status == 200
    parts = ["headline", "time", "author", "photo", "lead", "body", "figures", "tags", "related", "outlets"]
    tops = []
    for part in parts:
        box = page.locator(f'[data-part="{part}"]').first.bounding_box()
        assert box is not None, f"{part} is not visible"
        tops.append(box["y"])
    assert tops == sorted(tops), dict(zip(parts, tops, strict=True))
    assert page.locator('[data-part="photo"]').inner_text().find("Фото: Акорда") >= 0
    assert page.locator('[data-part="lead"]').inner_text().startswith("Президент Казахстана")
    assert "сообщает КазТАГ" in page.locator('[data-part="lead"]').inner_text()
    original = page.locator('[data-part="original"]')
    assert original.inner_text() == "Читать на сайте КазТАГ"
    assert original.get_attribute("href") == "https://kaztag.example/news/1"
    assert original.get_attribute("rel") == "nofollow noopener"

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "article-desktop-1280.png"), full_page=True)

    page.locator('[data-part="tags"] a', has_text="Шавкат Мирзиёев").click()
    page.wait_for_url(f"{server}/tag/mirziyoyev")
    assert page.locator("h1").inner_text() == "Шавкат Мирзиёев"
    assert page.locator("svg.chart").count() == 1
    page.go_back()
    page.locator('[data-part="related"] a', has_text="Нацбанк сохранил базовую ставку").click()
    page.wait_for_url(f"{server}/story/2")
    assert page.locator("h1").inner_text().startswith("Нацбанк сохранил")
    assert watched.errors == []
    watched.close()


def test_phone_width_is_readable(server: str, browser: Any) -> None:
    watched = Watched(browser, server, width=390)
    page = watched.page
    for path, name in [("/article/1", "article-phone-390.png"), ("/", "home-phone-390.png")]:
        page.goto(server + path)
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server + "/")
    page.screenshot(path=str(ARTIFACTS / "home-desktop-1280.png"), full_page=True)
    assert watched.errors == []
    watched.close()


def test_search_from_the_header(server: str, browser: Any) -> None:
    watched = Watched(browser, server)
    page = watched.page
    page.goto(server + "/")
    page.fill('header input[name="q"]', "Токаеву")
    page.press('header input[name="q"]', "Enter")
    page.wait_for_url("**/search?q=*")
    hits = page.locator("li.hit")
    assert hits.count() == 2
    assert page.locator("li.hit mark").first.inner_text() == "Токаев"
    page.select_option('select[name="sort"]', "date")
    page.click(".search-form button")
    page.wait_for_url("**sort=date*")
    assert "(копия)" in page.locator("li.hit").first.inner_text()
    hits.first.locator("a.hit-title").click()
    page.wait_for_url(f"{server}/article/*")
    assert page.locator('[data-part="headline"]').count() == 1
    assert watched.errors == []
    watched.close()


def test_hostile_article_is_inert_in_the_browser(server: str, browser: Any) -> None:
    watched = Watched(browser, server)
    page = watched.page
    assert page.goto(f"{server}/article/5").status == 200
    page.wait_for_load_state("networkidle")
    for link in page.locator('[data-part="body"] a').all():
        link.click(timeout=2000, no_wait_after=True)
    page.locator('[data-part="author"]').hover()
    page.wait_for_timeout(300)
    assert watched.dialogs == []
    assert not [u for u in watched.requests if u.startswith(ATTACKER)]
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    assert page.evaluate("getComputedStyle(document.body).color") != "rgb(255, 0, 0)"
    assert "<script>" in page.locator('[data-part="headline"]').inner_text()  # shown as text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "xss-article.png"))
    watched.close()
