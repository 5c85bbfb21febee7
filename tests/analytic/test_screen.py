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


def test_a_knockout_is_decided_at_its_multiple_or_the_two_around_it() -> None:
    from evalkit.analytic.screen import decisive_multiples, knockout_multiples
    from evalkit.study import KnockOut

    rules = [
        KnockOut(id="k1", metric="max_sustainable_multiple", op=">=", threshold=3, reason="r"),
        KnockOut(id="k2", metric="cycle_time_p95", op="<=", threshold=2, at_multiple=1.5, reason="r"),
        KnockOut(id="k3", metric="lost_workflows", op="<=", threshold=0, scenario="outage", reason="r"),
    ]
    assert knockout_multiples(rules) == [1.5, 3.0]
    assert decisive_multiples([1, 2, 3, 4], [3.0]) == [3.0]
    assert decisive_multiples([1, 2, 4], [3.0]) == [2.0, 4.0]
    assert decisive_multiples([1, 2], [3.0]) == [2.0]


def test_only_close_cells_at_decisive_multiples_are_simulated() -> None:
    from evalkit.analytic.screen import ScreenedCell, simulation_plan

    def cell(multiple: float, close: bool) -> ScreenedCell:
        return ScreenedCell("C", multiple, True, close, (), 1.0, 0.5)

    cells = [cell(1, True), cell(2, False), cell(3, True)]
    assert [c.multiple for c in simulation_plan(cells, [2.0, 3.0])] == [3]


def test_the_error_band_widens_towards_saturation() -> None:
    # M/M/1 (1 s), SLO p95 100 s: p95 = ln(20)/(1-ρ). At ρ = 0.8 the analytic p95 is 15 s: the band
    # exp(0.05 + 0.08·4) = 1.45 keeps it far below 100 s, and a 1900 s window's offered work is
    # 0.2·sqrt(1900/(0.8·2)) = 6.9 standard deviations below capacity. At ρ = 0.9 (30 s) the band
    # (×2.2) is still below the SLO but the window is only 3.25 deviations away: close for
    # saturation only. At ρ = 0.95 (60 s) the band exp(0.05 + 0.08·19) = 4.8 reaches past the SLO.
    study = tandem([(1, {"dist": "exponential", "mean": 1.0})], rate=1.0)
    cells = {c.multiple: c for c in screen(study, multiples=[0.8, 0.9, 0.95])}
    assert not cells[0.8].close
    assert cells[0.9].close and not any("error band" in r for r in cells[0.9].reasons)
    assert cells[0.95].close and any("error band" in r for r in cells[0.95].reasons)


def test_a_screened_curve_keeps_the_analytic_source_with_the_simulated_cells_in_place() -> None:
    from evalkit.analysis.curves import Cell, Curve
    from evalkit.analytic.screened import is_screened, screened_curve

    def curve(source: str, multiples: list[float]) -> Curve:
        return Curve("C", "centralized", source, "baseline", tuple(Cell(m, {}, {}) for m in multiples))

    analytic, sim = curve("analytic", [1, 2, 3, 4]), curve("sim", [3])
    assert is_screened(analytic, sim) and is_screened(analytic, None)
    assert not is_screened(analytic, curve("sim", [1, 2, 3, 4])) and not is_screened(None, sim)
    merged = screened_curve(analytic, sim)
    assert merged.source == "analytic" and list(merged.multiples) == [1, 2, 3, 4]
    assert merged.cells[2] is sim.cells[0] and merged.cells[0] is analytic.cells[0]
    # An inconclusive simulated cell (in the unfiltered curve only) is dropped, not filled analytically.
    assert list(screened_curve(analytic, curve("sim", []), sim).multiples) == [1, 2, 4]
