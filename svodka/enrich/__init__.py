"""Enrichment: language, entities and tags, category, key figures."""
