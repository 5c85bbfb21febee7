"""Comparison of two or more scored runs (placeholder while the scorecard is built)."""

from __future__ import annotations


def render_comparison(runs):  # type: ignore[no-untyped-def]
    raise NotImplementedError
