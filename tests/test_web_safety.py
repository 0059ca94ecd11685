"""Text from sources renders inert: escaped by autoescape, rich HTML cleaned by nh3, only http(s) links."""

from __future__ import annotations

import re
from pathlib import Path

from web_fixtures import ATTACKER, make_site

from svodka.web.sanitize import clean_html


def test_hostile_article_renders_inert(tmp_path: Path) -> None:
    client, _, fixture = make_site(tmp_path)
    response = client.get(f"/article/{fixture.xss_article}")
    assert response.status_code == 200
    html = response.text
    body = html.split("<main>", 1)[1]
    assert "<script" not in html  # no script element at all, ours or theirs
    assert not re.search(r"<[^>]+\son\w+\s*=", html)  # no event-handler attribute on any real tag
    assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", html, re.I)
    assert "<style" not in body
    assert f'src="{ATTACKER}' not in html and f"url({ATTACKER}" not in html
    assert "&lt;script&gt;" in body  # shown as text, not dropped silently
    assert 'rel="nofollow noopener"' in body


def test_hostile_text_in_lists_search_and_feeds(tmp_path: Path) -> None:
    client, _, _ = make_site(tmp_path)
    for path in ["/category/society", "/search?q=Опасный", "/search?q=<script>", "/tag/<script>",
                 "/category/society/feed.xml"]:
        text = client.get(path).text
        assert "<script>" not in text, path
    # JSON carries the text as data; it is never sniffed as HTML.
    api = client.get("/api/articles/5")
    assert api.headers["content-type"] == "application/json" and api.headers["x-content-type-options"] == "nosniff"


def test_clean_html_allow_list() -> None:
    dirty = ('<p onclick="x()">ok<script>alert(1)</script><style>p{}</style><iframe src="http://a"></iframe>'
             '<a href="javascript:alert(1)">j</a><a href="https://example.org/x">good</a>'
             '<img src="http://a/i.png" onerror="alert(1)"></p>')
    clean = clean_html(dirty)
    assert clean == '<p>ok<a rel="nofollow noopener">j</a><a href="https://example.org/x" ' \
                    'rel="nofollow noopener">good</a></p>'
