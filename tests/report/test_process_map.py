"""The process map: every construct drawn, steps coloured by their busiest resource, a note without Graphviz."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evalkit.report.process_map import MISSING_NOTE, build_process_map, process_dot, utilisation_colour
from evalkit.study import load_study

CONSTRUCTS = Path(__file__).resolve().parents[1] / "study" / "data" / "process-constructs.yaml"
UTILISATION = {"system:scoring": 0.92, "system:portal": 0.3, "staff:reviewers": 0.6, "system:payments": 0.45}


def test_the_dot_text_has_every_construct() -> None:
    dot, busiest = process_dot(load_study(CONSTRUCTS), UTILISATION)
    assert 'label="40% amount > 10k"' in dot and 'label="60%"' in dot  # a decision with its branches
    assert "rework 20%, ≤3×" in dot and "style=dashed" in dot  # the loop
    assert "wait: documents-uploaded (message, mean 2 s)" in dot  # the wait
    assert "people: reviewers" in dot and "filled,rounded" in dot  # a human step
    assert "referred (30% of arrivals)" in dot and "straight-through (70% of arrivals)" in dot  # the mix
    assert busiest["rf-triage"] == ("system:scoring", 0.92)
    assert busiest["rf-wait-documents"] is None  # a wait holds no resource
    assert f'fillcolor="{utilisation_colour(0.92)}"' in dot


def test_colours_run_from_idle_to_saturated() -> None:
    assert utilisation_colour(0.0) == "#e8f5e9"
    assert utilisation_colour(1.0) == utilisation_colour(1.7) == "#ef9a9a"
    assert utilisation_colour(None) == utilisation_colour(float("nan")) == "#eeeeee"
    assert utilisation_colour(0.2) != utilisation_colour(0.9)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_inline_svg() -> None:
    drawn = build_process_map(load_study(CONSTRUCTS), UTILISATION)
    assert drawn.svg is not None and drawn.svg.startswith("<svg") and not drawn.note
    assert 'width="100%"' in drawn.svg and 'id="process-map-graph0"' in drawn.svg
    assert "<?xml" not in drawn.svg and "DOCTYPE" not in drawn.svg
    assert "rf&#45;triage" in drawn.svg  # Graphviz escapes the hyphen


def test_a_note_instead_of_a_crash_without_graphviz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    drawn = build_process_map(load_study(CONSTRUCTS), UTILISATION)
    assert drawn.svg is None and drawn.note == MISSING_NOTE and "graphviz" in drawn.note


def test_utilisation_by_resource_reads_a_cells_metrics() -> None:
    from evalkit.report.process_map import utilisation_by_resource

    cell = {"utilization:system:scoring": 0.92, "wait_mean:system:scoring": 0.1, "cycle_time_p95": 3.0}
    assert utilisation_by_resource(cell) == {"system:scoring": 0.92}
