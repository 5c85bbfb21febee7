"""``evalkit run --screen``: the same knock-outs and winner as a full run, with far fewer simulated cells.

The study: three centralized engines on the tiny process at 1x-4x, under the bundled scorecard's
"sustains 3x" knock-out. ``Fast`` passes 3x by far, ``Slow`` saturates there, and ``Close`` is
88% busy at 3x, inside the analytic model's error band: the screen must simulate that one cell
(its three replications) and leave the other 33 baseline cells analytic.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from evalkit.pipeline import RunOptions, run_study

ROOT = Path(__file__).resolve().parents[1]


def _study(tmp_path: Path) -> Path:
    data = yaml.safe_load((ROOT / "tests" / "fixtures" / "tiny.yaml").read_text(encoding="utf-8"))
    data.pop("faults")
    data["traffic"].update(multiples=[1, 2, 3, 4], horizon="20s")  # a 15 s window: a short test
    template = data["candidates"][0]
    data["candidates"] = []
    for name, dispatch in (("Fast", "4ms"), ("Close", "19.5ms"), ("Slow", "30ms")):
        candidate = copy.deepcopy(template)
        candidate["name"] = name
        candidate["parameters"] = {"engine_workers": 1, "dispatch_time": dispatch}
        data["candidates"].append(candidate)
    path = tmp_path / "screen-study.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _verdicts(outcome: object) -> tuple[str | None, dict[str, bool]]:
    scored = outcome.scored  # type: ignore[attr-defined]
    assert scored is not None
    return scored.winner, {c.name: c.knocked_out for c in scored.candidates}


def test_screen_gives_the_full_run_s_knockouts_and_winner_and_its_counts_add_up(tmp_path: Path) -> None:
    study = _study(tmp_path)
    full = run_study(study, RunOptions(only="sim", workers=1, out=tmp_path / "full"))
    screened = run_study(study, RunOptions(only="sim", workers=1, screen=True, out=tmp_path / "screened"))

    assert _verdicts(screened) == _verdicts(full)
    assert _verdicts(full)[1] == {"Fast": False, "Close": _verdicts(full)[1]["Close"], "Slow": True}

    manifest = screened.run.manifest()
    counts = manifest.screen
    assert manifest.settings.screen and counts is not None
    assert counts.baseline_cells == 3 * 4 * 3 == full.run.manifest().cells_simulated
    assert counts.simulated_cells == 3  # Close at 3x, three replications
    assert counts.simulated_cells + counts.screened_out_cells == counts.baseline_cells
    assert manifest.cells_simulated == counts.simulated_cells  # no fault scenario here
    assert counts.decisive_multiples == [3.0]
    assert any("screened out" in note for note in manifest.notes)
    assert full.run.manifest().screen is None

    # Screened-out figures are never presented as simulated.
    scored = screened.scored
    assert scored is not None
    for candidate in scored.candidates:
        assert candidate.performance and all(p.evidence == "analytic" for p in candidate.performance)
