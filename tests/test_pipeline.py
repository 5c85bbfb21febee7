"""``evalkit run`` end to end on a tiny study, and killed runs that resume to the same results."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from evalkit.errors import RunStoreError, StudyError
from evalkit.pipeline import RunOptions, quick_emulation_speedup, run_study
from evalkit.study import load_study
from evalkit.study.effective import QUICK_MIN_WALL_CYCLE

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny.yaml"
pytestmark = pytest.mark.slow


def _interruptible() -> None:
    """In the child: Ctrl-C as a terminal delivers it. A shell that started the test run in the
    background left SIGINT ignored, and ignored signals are inherited across exec."""
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _evalkit(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "evalkit", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_interruptible,
    )


def _only_run(out: Path) -> Path:
    runs = [p for p in out.iterdir() if p.is_dir()]
    assert len(runs) == 1, runs
    return runs[0]


def _cells(out: Path, source: str) -> int:
    runs = [p for p in out.iterdir() if p.is_dir()] if out.exists() else []
    if not runs or not (runs[0] / "cells.sqlite").exists():
        return 0
    try:
        with sqlite3.connect(runs[0] / "cells.sqlite", timeout=1) as connection:
            return connection.execute("SELECT COUNT(*) FROM cells WHERE source = ?", (source,)).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _kill_when(process: subprocess.Popen[str], out: Path, source: str, at_least: int, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while _cells(out, source) < at_least:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"no {source} cells committed in time"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _leftover_processes(marker: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in command and "pytest" not in command:
                found.append(command)
    return found


def test_run_end_to_end_on_tiny_study(tmp_path: Path) -> None:
    outcome = run_study(TINY, RunOptions(quick=True, workers=2, out=tmp_path))
    assert outcome.skipped == []
    table = pd.read_csv(outcome.run.results_path)
    assert set(table["source"]) == {"sim", "load", "analytic"}  # the analytic model beside the other two
    assert set(table["candidate"]) == {"Engine", "Mesh", "Fabric"}
    assert outcome.scored is not None and outcome.scored.provenance.quick
    html = outcome.scorecard_html.read_text(encoding="utf-8")
    assert "Engine" in html and "quick" in html.lower()
    assert outcome.run.markdown_path.exists() and outcome.run.scored_path.exists()
    log = (outcome.run.logs_dir / "run.log").read_text(encoding="utf-8")
    assert "stage simulate" in log and "stage load test" in log and "complete in" in log
    # A 30 ms process is too short to play faster (QUICK_MIN_WALL_CYCLE): the platforms run at the study's clock.
    targets = outcome.scored.provenance.targets
    assert [(t.kind, t.speedup, t.time_scale) for t in targets] == [("emulated", 1.0, 1.0)] * 3
    assert not any("faster" in note for note in outcome.scored.provenance.notes)


def test_a_quick_run_plays_reference_platforms_faster_and_says_so(tmp_path: Path) -> None:
    """At ``load.time_scale: 20`` the tiny process's typical 30 ms take 0.6 s of wall clock, room
    for the quick run's full 4x: the platforms run at time scale 5, and provenance and notes say so."""
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    data["load"]["time_scale"] = 20
    study = tmp_path / "slow.yaml"
    study.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert quick_emulation_speedup(load_study(study)) == 4.0
    outcome = run_study(study, RunOptions(quick=True, only="load", out=tmp_path / "runs"))
    assert outcome.scored is not None
    targets = outcome.scored.provenance.targets
    assert [(t.speedup, t.time_scale) for t in targets] == [(4.0, 5.0)] * 3
    assert any("played 4x faster" in note for note in outcome.scored.provenance.notes)
    html = outcome.scorecard_html.read_text(encoding="utf-8")
    assert "played 4× faster than the study's clock" in html


def test_the_quick_speedup_keeps_the_typical_cycle_above_its_wall_clock_floor() -> None:
    default = load_study(Path(__file__).resolve().parents[1] / "scenarios" / "order-fulfillment.yaml")
    assert quick_emulation_speedup(default) == 4.0  # 790 ms typical: 198 ms of wall clock at 4x
    tiny = load_study(TINY)
    assert quick_emulation_speedup(tiny) == 1.0  # 30 ms: never faster
    half_way = tiny.model_copy(update={"load": tiny.load.model_copy(update={"time_scale": 10.0})})
    assert quick_emulation_speedup(half_way) == pytest.approx(0.3 / QUICK_MIN_WALL_CYCLE)  # 300 ms: 2x


def test_killed_twice_then_resumed_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    reference_out, killed_out = tmp_path / "reference", tmp_path / "killed"
    reference = subprocess.run(
        [sys.executable, "-m", "evalkit", "run", str(TINY), "--out", str(reference_out), "--workers", "1", "--quiet"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert reference.returncode == 0, reference.stderr

    first = _evalkit("run", str(TINY), "--out", str(killed_out), "--workers", "1", "--quiet")
    _kill_when(first, killed_out, "sim", at_least=4)
    run_id = _only_run(killed_out).name
    second = _evalkit("run", str(TINY), "--out", str(killed_out), "--workers", "2", "--quiet", "--resume", run_id)
    _kill_when(second, killed_out, "load", at_least=1)
    assert not _leftover_processes(str(killed_out)), "a killed run left processes behind"
    final = subprocess.run(
        [sys.executable, "-m", "evalkit", "run", str(TINY), "--out", str(killed_out), "--quiet", "--resume", run_id],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert final.returncode == 0, final.stderr

    expected = pd.read_csv(_only_run(reference_out) / "results.csv")
    resumed = pd.read_csv(_only_run(killed_out) / "results.csv")
    sim_expected = expected[expected["source"] == "sim"].reset_index(drop=True)
    sim_resumed = resumed[resumed["source"] == "sim"].reset_index(drop=True)
    pd.testing.assert_frame_equal(sim_resumed, sim_expected)
    keys = ["candidate", "scenario", "multiple", "replication", "metric"]
    load_expected = expected[expected["source"] == "load"][keys]
    load_resumed = resumed[resumed["source"] == "load"][keys]
    assert not load_resumed.duplicated().any(), "a resumed load test duplicated rows"
    assert sorted(map(tuple, load_resumed.to_numpy())) == sorted(map(tuple, load_expected.to_numpy()))


def test_resume_refuses_a_changed_study(tmp_path: Path) -> None:
    study = tmp_path / "study.yaml"
    study.write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
    outcome = run_study(study, RunOptions(out=tmp_path / "runs", only="sim", quick=True))
    study.write_text(TINY.read_text(encoding="utf-8").replace("seed: 7", "seed: 8"), encoding="utf-8")
    with pytest.raises(RunStoreError, match="has changed since run"):
        run_study(study, RunOptions(out=tmp_path / "runs", resume=outcome.run.run_id))


def test_missing_study_and_unwritable_output_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(StudyError, match="file not found"):
        run_study(tmp_path / "missing.yaml", RunOptions(out=tmp_path))
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    result = subprocess.run(
        [sys.executable, "-m", "evalkit", "run", str(TINY), "--out", str(blocker / "runs"), "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "cannot create a run" in result.stderr


def test_full_disk_is_one_clear_error_and_loses_no_finished_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from evalkit import store
    from evalkit.ledger import CellLedger

    def no_space(run: store.RunDirectory, *args: object, **kwargs: object) -> None:
        raise RunStoreError(f"{run.results_path}: cannot write: {os.strerror(errno.ENOSPC)}")

    # The disk fills up after the cells are simulated, while results.csv is written.
    monkeypatch.setattr(store.RunDirectory, "save_results", no_space)
    with pytest.raises(RunStoreError, match="No space left on device"):
        run_study(TINY, RunOptions(out=tmp_path, only="sim", quick=True))
    run = _only_run(tmp_path)
    with CellLedger(run / "cells.sqlite") as ledger:
        finished = ledger.done("sim")
    assert finished, "cells simulated before the disk filled are kept"
    monkeypatch.undo()
    outcome = run_study(TINY, RunOptions(out=tmp_path, resume=run.name))
    table = pd.read_csv(outcome.run.results_path)
    assert len(table[table["source"] == "sim"]) > 0


def test_ctrl_c_exits_130_keeps_cells_and_leaves_no_process(tmp_path: Path) -> None:
    out = tmp_path / "runs"
    process = _evalkit("run", str(TINY), "--out", str(out), "--workers", "2", "--quiet")
    deadline = time.monotonic() + 120
    while _cells(out, "load") < 1:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no load cell committed in time"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "--resume" in stderr and "Traceback" not in stderr
    assert _cells(out, "sim") > 0 and _cells(out, "load") >= 1
    time.sleep(1.0)  # servers watching their parent notice it is gone within a poll
    assert not _leftover_processes(str(out)), "Ctrl-C left processes behind"


def test_every_stage_runs_the_effective_study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--seed`` reaches the reference platforms too: they are started from the run's study.yaml."""
    import evalkit.load

    started: list[Path] = []
    real = evalkit.load.ReferencePlatform

    class Recording(real):  # type: ignore[misc, valid-type]
        def __init__(self, study_path: Path, candidate: str, **kwargs: object) -> None:
            started.append(Path(study_path))
            super().__init__(study_path, candidate, **kwargs)

    monkeypatch.setattr(evalkit.load, "ReferencePlatform", Recording)
    outcome = run_study(TINY, RunOptions(quick=True, only="load", seed=4242, out=tmp_path))
    assert len(started) == 3
    for path in started:
        assert path == outcome.run.study_path
        assert load_study(path).seed == 4242  # the file says 7
    assert outcome.scored is not None and outcome.scored.provenance.seed == 4242
    assert outcome.run.manifest().seed == 4242


@pytest.mark.parametrize("seed", ["-5", str(2**63)])
def test_a_bad_seed_exits_2_in_one_line_and_leaves_no_run(tmp_path: Path, seed: str) -> None:
    out = tmp_path / "runs"
    result = subprocess.run(
        [sys.executable, "-m", "evalkit", "run", str(TINY), "--out", str(out), "--seed", seed, "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "--seed" in result.stderr
    assert not out.exists() or not [p for p in out.iterdir() if p.is_dir()]


def _hand_sustainable(summary: pd.DataFrame, candidate: str, slo_p95: float, max_errors: float) -> str:
    """The conservative rule by hand, from summary.csv: the upper 95% bounds of p95 and of the
    error rate within the SLO and no replication saturated, at every multiple up to the answer."""
    rows = summary[(summary["source"] == "sim") & (summary["candidate"] == candidate)]
    rows = rows[rows["scenario"] == "baseline"]
    multiples = sorted(rows["multiple"].unique())

    def upper(multiple: float, metric: str) -> float:
        found = rows[(rows["multiple"] == multiple) & (rows["metric"] == metric)]
        high = found["ci_high"].iloc[0]
        return float(found["mean"].iloc[0] if pd.isna(high) else high)

    passes = [
        upper(m, "cycle_time_p95") <= slo_p95 and upper(m, "error_rate") <= max_errors and upper(m, "saturated") == 0
        for m in multiples
    ]
    if all(passes):
        return f"≥ {multiples[-1]:g}x"
    if not passes[0]:
        return f"< {multiples[0]:g}x"
    return "between"


def test_the_scorecard_s_numbers_are_what_a_hand_calculation_from_summary_csv_gives(tmp_path: Path) -> None:
    """End to end on a number: sustainable multiples from summary.csv by hand, totals by hand."""
    from evalkit.study import load_study_with_scorecard

    outcome = run_study(TINY, RunOptions(quick=True, only="sim", workers=2, out=tmp_path))
    study, _ = load_study_with_scorecard(outcome.run.study_path)
    summary = pd.read_csv(outcome.run.summary_path)
    scored = outcome.scored
    assert scored is not None
    weights = {c.id: c.normalised_weight for c in scored.criteria}
    totals = {}
    for candidate in scored.candidates:
        figure = next(s for s in candidate.scores if s.criterion_id == "scalability")
        by_hand = _hand_sustainable(summary, candidate.name, study.slo.p95_cycle_time, study.slo.max_error_rate)
        if by_hand == "between":
            assert figure.raw is not None and 1.0 <= figure.raw < 2.0, (candidate.name, figure.display)
        else:
            assert figure.display == by_hand, (candidate.name, figure.display, by_hand)
        # value x weight, summed: the total the page shows
        if all(s.value is not None for s in candidate.scores):
            totals[candidate.name] = sum(s.value * weights[s.criterion_id] for s in candidate.scores)  # type: ignore[operator]
            assert candidate.total == pytest.approx(totals[candidate.name])
    eligible = {c.name: totals[c.name] for c in scored.candidates if not c.knocked_out and c.name in totals}
    expected_winner = max(sorted(eligible), key=lambda name: eligible[name]) if eligible else None
    assert scored.winner == expected_winner


def test_library_warnings_go_to_run_log_not_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import warnings

    import evalkit.pipeline as pipeline

    real = pipeline._score_and_render

    def noisy(*args: object) -> None:
        warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=1)  # what numpy says on an empty cell
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "_score_and_render", noisy)
    outcome = run_study(TINY, RunOptions(quick=True, only="sim", workers=1, out=tmp_path))
    captured = capsys.readouterr()
    assert "Mean of empty slice" not in captured.err + captured.out
    log = (outcome.run.logs_dir / "run.log").read_text(encoding="utf-8")
    assert "warning: RuntimeWarning: Mean of empty slice" in log


def test_a_study_with_its_own_scorecard_file_runs_end_to_end_load_included(tmp_path: Path) -> None:
    """The run's copy names the run's scorecard, so the reference platforms start from it."""
    folder = tmp_path / "study"
    folder.mkdir()
    card = Path(__file__).resolve().parents[1] / "scorecards" / "orchestration-platform.yaml"
    (folder / "my-scorecard.yaml").write_bytes(card.read_bytes())
    text = TINY.read_text(encoding="utf-8").replace("scorecard: orchestration-platform", "scorecard: my-scorecard.yaml")
    (folder / "study.yaml").write_text(text, encoding="utf-8")
    outcome = run_study(folder / "study.yaml", RunOptions(quick=True, only="load", workers=1, out=tmp_path / "runs"))
    table = pd.read_csv(outcome.run.results_path)
    assert set(table["source"]) == {"load"} and set(table["candidate"]) == {"Engine", "Mesh", "Fabric"}
    assert outcome.scored is not None and outcome.scorecard_html is not None
