"""Screening: confident cells keep their analytic verdict, cells near a threshold go to the DES."""

from __future__ import annotations

from pathlib import Path

from studies import tandem

from evalkit.analytic.screen import fault_cells, screen
from evalkit.study import load_study

ROOT = Path(__file__).resolve().parents[2]


def test_cells_far_from_every_threshold_need_no_simulation() -> None:
    study = load_study(ROOT / "tests" / "load" / "studies" / "small-three-designs.yaml")
    cells = screen(study)
    assert len(cells) == len(study.candidates) * len(study.traffic.multiples)
    assert all(c.sustainable and not c.needs_simulation for c in cells)


def test_the_knee_and_the_slo_boundary_are_simulated() -> None:
    # One M/M/1 step (1 s), SLO p95 100 s: saturation at 1/s.
    study = tandem([(1, {"dist": "exponential", "mean": 1.0})], rate=1.0)
    cells = {c.multiple: c for c in screen(study, multiples=[0.5, 0.95, 1.02, 1.5])}
    assert not cells[0.5].needs_simulation and cells[0.5].sustainable
    assert cells[0.95].needs_simulation  # p95 = ln(20)/0.05 = 60 s < 100 s, but 95% busy
    assert cells[1.02].needs_simulation and not cells[1.02].sustainable
    assert not cells[1.5].needs_simulation and not cells[1.5].sustainable
    assert any("saturation" in reason for reason in cells[0.95].reasons)


def test_fault_scenarios_are_always_simulated() -> None:
    study = load_study(ROOT / "scenarios" / "order-fulfillment.yaml")
    expected = len(study.candidates) * study.traffic.replications * sum(len(f.multiples) for f in study.faults)
    assert fault_cells(study) == expected > 0
