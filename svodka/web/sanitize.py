"""The one place where HTML from sources may be let through: nh3 with a small allow-list.

Plain text is never passed here; templates escape it (Jinja autoescape). This is for rich fragments only.
"""

from __future__ import annotations

import nh3

ALLOWED_TAGS = {"p", "br", "b", "strong", "i", "em", "u", "s", "blockquote", "ul", "ol", "li", "h2", "h3", "h4",
                "a", "sub", "sup", "figure", "figcaption", "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def clean_html(fragment: str) -> str:
    """Sanitised HTML: allow-listed tags only, no scripts/styles/handlers, links http(s)/mailto only and
    marked rel="nofollow noopener"."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
        clean_content_tags={"script", "style"},
        strip_comments=True,
    )
