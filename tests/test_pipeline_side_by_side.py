"""Which load tests a run puts side by side, and that the run's note says so (no run is started)."""

from __future__ import annotations

from pathlib import Path

from evalkit.pipeline import RunOptions, _quick_note, _side_by_side
from evalkit.study import load_study

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny.yaml"


def test_a_quick_run_asked_to_puts_its_reference_platforms_side_by_side_and_its_note_says_so() -> None:
    study = load_study(TINY)
    options = RunOptions(quick=True, side_by_side_load=True)
    assert all(_side_by_side(options, candidate) for candidate in study.candidates)
    assert "the 3 reference platforms side by side" in _quick_note(study, options)


def test_by_default_a_full_run_or_a_fleet_of_generators_keeps_candidates_one_after_another() -> None:
    study = load_study(TINY)
    for options in (
        RunOptions(quick=True),
        RunOptions(quick=False, side_by_side_load=True),
        RunOptions(quick=True, side_by_side_load=True, load_processes=2),
        RunOptions(quick=True, side_by_side_load=True, load_workers=2),
    ):
        assert not any(_side_by_side(options, candidate) for candidate in study.candidates), options
        if options.quick:
            assert "side by side" not in _quick_note(study, options)


def test_a_candidate_with_a_live_target_is_never_load_tested_beside_another() -> None:
    study = load_study(TINY)
    live = study.candidates[0].model_copy(update={"target": object()})
    assert not _side_by_side(RunOptions(quick=True, side_by_side_load=True), live)
