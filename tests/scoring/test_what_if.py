"""What-ifs: a named child of a run, re-using its rows, with true provenance; the run's own scorecard kept."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evalkit.analysis.synthetic import Shape, linear, shape_rows, shape_table
from evalkit.errors import InputError
from evalkit.scorecard_data import read_scored_study
from evalkit.scoring import score_run
from evalkit.scoring.what_if import assumption_diff, check_reusable, score_what_if
from evalkit.store import RunDirectory, create_run
from evalkit.study import load_study

ROOT = Path(__file__).resolve().parents[2]
STUDY = ROOT / "scenarios" / "order-fulfillment.yaml"


@pytest.fixture
def scored_run(tmp_path: Path) -> RunDirectory:
    run = create_run(tmp_path / "runs", STUDY)
    study = load_study(run.study_path)
    rows = [
        shape_rows(Shape(p95=linear(1.0 + i * 0.3, 0.2)), candidate=c.name, design=c.design, replications=3)
        for i, c in enumerate(study.candidates)
    ]
    shape_table(*rows).write_csv(run.results_path)
    score_run(run)
    return run


def _edited(tmp_path: Path, run: RunDirectory, old: str, new: str) -> Path:
    text = run.study_path.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "edited.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_an_slo_edit_re_uses_the_rows_and_keeps_the_original(tmp_path: Path, scored_run: RunDirectory) -> None:
    original = scored_run.scored_path.read_bytes()
    edited = _edited(tmp_path, scored_run, "p95_cycle_time: 3s", "p95_cycle_time: 2s")
    _, folder = score_what_if(scored_run, edited, None, "tight-slo")
    assert folder == scored_run.path / "what-if" / "tight-slo"
    assert scored_run.scored_path.read_bytes() == original  # the run's own scorecard is untouched
    again = read_scored_study(folder / "scorecard.json")
    assert again.provenance.run_id == f"{scored_run.run_id}/what-if/tight-slo"
    assert any(note == "changed slo.p95_cycle_time: 3s -> 2s" for note in again.provenance.notes)
    assert again.slo["p95_cycle_time"] == 2.0
    record = json.loads((folder / "what-if.json").read_text(encoding="utf-8"))
    assert record["parent_run"] == scored_run.run_id and record["changed"] == ["slo.p95_cycle_time: 3s -> 2s"]
    assert (folder / "scorecard.html").exists() and (folder / "study.yaml").read_text() == edited.read_text()
    # the what-if's page draws the process like the run's own (or says why it cannot), not a bare table
    html = (folder / "scorecard.html").read_text(encoding="utf-8")
    assert 'id="process-map-graph0"' in html if shutil.which("dot") else "graphviz" in html.lower()


def test_an_edit_of_what_produced_the_rows_is_refused_in_one_line(tmp_path: Path, scored_run: RunDirectory) -> None:
    edited = _edited(tmp_path, scored_run, "peak_rate: 10/s", "peak_rate: 20/s")
    with pytest.raises(InputError) as raised:
        score_what_if(scored_run, edited, None, "double-traffic")
    message = str(raised.value)
    assert "traffic.peak_rate" in message and "evalkit run" in message and "\n" not in message
    assert not (scored_run.path / "what-if" / "double-traffic").exists()


def test_the_neutral_paths() -> None:
    before = {"slo": {"p95_cycle_time": "3s"}, "candidates": [{"name": "A", "parameters": {"x": 1}, "cost": {"y": 1}}]}
    after = {"slo": {"p95_cycle_time": "4s"}, "candidates": [{"name": "A", "parameters": {"x": 1}, "cost": {"y": 2}}]}
    diff = assumption_diff(before, after)
    assert diff == ["slo.p95_cycle_time: 3s -> 4s", "candidates[A].cost.y: 1 -> 2"]
    check_reusable(diff, Path("s.yaml"))
    after["candidates"][0]["parameters"]["x"] = 2
    with pytest.raises(InputError, match=r"candidates\[A\]\.parameters\.x"):
        check_reusable(assumption_diff(before, after), Path("s.yaml"))


def test_score_with_another_scorecard_writes_a_what_if_and_runs_lists_it(
    tmp_path: Path, scored_run: RunDirectory
) -> None:
    original = scored_run.scored_path.read_bytes()
    card = tmp_path / "heavy-cost.yaml"
    text = (ROOT / "scorecards" / "orchestration-platform.yaml").read_text(encoding="utf-8")
    card.write_text(text, encoding="utf-8")
    command = [sys.executable, "-m", "evalkit", "score", str(scored_run.path), "--scorecard", str(card)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert scored_run.scored_path.read_bytes() == original
    assert (scored_run.path / "what-if" / "heavy-cost" / "scorecard.json").exists()
    listing = subprocess.run(
        [sys.executable, "-m", "evalkit", "runs", "--out", str(scored_run.path.parent), "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    rows = json.loads(listing.stdout) if listing.returncode == 0 and listing.stdout.strip().startswith("[") else None
    if rows:  # the index exists only for runs made by `evalkit run`
        assert rows[0]["run_id"] == scored_run.run_id and rows[0]["what_ifs"] == ["heavy-cost"]
