"""Extraction: HTML of a news page → `svodka.models.Article`."""

from svodka.extract.article import NotAnArticle, extract_article

__all__ = ["NotAnArticle", "extract_article"]
