"""Fuzzing key figures with 1,000 generated texts: huge numbers, junk characters and odd orders of words give
figures whose spans index the text and whose values are finite numbers (they go into JSON), or no figures."""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, event, given, settings
from nasty_inputs import figure_texts

from svodka.enrich.figures import Figure, extract_figures

FUZZ = settings(max_examples=1000, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
KINDS = {"money", "quantity", "percent", "target_date"}


@FUZZ
@given(text=figure_texts())
def test_figures_are_finite_and_index_the_text(text: str) -> None:
    figures = extract_figures(text)
    event("figures" if figures else "none")
    for figure in figures:
        assert isinstance(figure, Figure) and figure.kind in KINDS
        assert 0 <= figure.start < figure.end <= len(text) and text[figure.start:figure.end] == figure.text
        assert figure.value is None or (isinstance(figure.value, float) and math.isfinite(figure.value))
        assert figure.unit is None or isinstance(figure.unit, str)
    json.dumps([figure.__dict__ for figure in figures], allow_nan=False)
