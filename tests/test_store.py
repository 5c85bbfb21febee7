"""Run directories, the cell ledger and the run index keep finished work safe and in order."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from evalkit.errors import InputError, RunStoreError
from evalkit.ledger import CellLedger
from evalkit.results import ResultTable, observations
from evalkit.store import RunIndex, create_run, open_run
from evalkit.study import load_study, load_study_with_scorecard
from evalkit.study.effective import StudyOverrides

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "scenarios" / "order-fulfillment.yaml"


def _rows(candidate: str, replication: int, value: float) -> list:
    return observations(
        source="sim", candidate=candidate, design="centralized", scenario="baseline", multiple=1.0,
        replication=replication, metrics={"cycle_time_p95": value, "completed": 10 * value},
    )  # fmt: skip


def test_create_run_writes_the_effective_study_and_keeps_the_source(tmp_path: Path) -> None:
    run = create_run(tmp_path, STUDY, overrides=StudyOverrides(seed=77, quick=True), options={"workers": 2})
    assert run.source_study_path.read_bytes() == STUDY.read_bytes()
    study, scorecard = run.load()
    original = load_study(STUDY)
    assert study.name == "order-fulfillment" and scorecard.name == "orchestration-platform"
    assert study.seed == 77 and original.seed != 77
    assert study.traffic.replications == min(original.traffic.replications, 3)
    assert study.load.stage_duration == 3.0 and study.scorecard == "scorecard.yaml"
    # everything the overrides do not touch is the file's own
    assert study.candidates == original.candidates and study.workload == original.workload
    manifest = run.manifest()
    assert manifest.options == {"workers": 2} and len(manifest.study_sha256) == 64
    assert manifest.seed == 77 and manifest.settings.quick and manifest.overrides == "seed 77, quick"
    assert open_run(run.path).run_id == run.run_id


@pytest.mark.parametrize("seed", [-5, 2**63])
def test_a_bad_seed_is_one_line_and_leaves_no_run_behind(tmp_path: Path, seed: int) -> None:
    with pytest.raises(InputError, match=r"^--seed: .*(greater than or equal to 0|less than or equal to)"):
        create_run(tmp_path / "runs", STUDY, overrides=StudyOverrides(seed=seed))
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_a_study_with_its_own_scorecard_file_is_self_consistent_in_the_run(tmp_path: Path) -> None:
    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "my-scorecard.yaml").write_bytes((ROOT / "scorecards" / "orchestration-platform.yaml").read_bytes())
    text = STUDY.read_text(encoding="utf-8").replace(
        "scorecard: orchestration-platform", "scorecard: my-scorecard.yaml"
    )
    assert "my-scorecard.yaml" in text
    (folder / "study.yaml").write_text(text, encoding="utf-8")
    run = create_run(tmp_path / "runs", folder / "study.yaml")
    # a child process given only the run's study file finds the run's own scorecard copy
    study, scorecard = load_study_with_scorecard(run.study_path)
    assert study.scorecard == "scorecard.yaml" and scorecard.name == "orchestration-platform"


def test_a_damaged_manifest_is_one_line(tmp_path: Path) -> None:
    run = create_run(tmp_path, STUDY)
    for content in ("[]", "null", "{", '{"run_id": 3}'):
        run.manifest_path.write_text(content, encoding="utf-8")
        with pytest.raises(RunStoreError, match="manifest"):
            run.manifest()


def test_one_writer_per_run(tmp_path: Path) -> None:
    run = create_run(tmp_path, STUDY)
    assert not run.is_being_written()
    with run.writing():
        assert run.is_being_written()
        with pytest.raises(RunStoreError, match=rf"being written by evalkit process {os.getpid()}"), run.writing():
            pass
    assert not run.is_being_written()


def test_open_run_refuses_a_plain_folder(tmp_path: Path) -> None:
    with pytest.raises(RunStoreError, match="not a run directory"):
        open_run(tmp_path)
    with pytest.raises(RunStoreError, match="no such run directory"):
        open_run(tmp_path / "missing")


def test_unwritable_output_folder_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(RunStoreError, match="cannot create a run"):
        create_run(blocker / "runs", STUDY)


def test_save_results_keeps_the_other_source(tmp_path: Path) -> None:
    run = create_run(tmp_path, STUDY)
    run.save_results(ResultTable.from_observations(_rows("A", 0, 1.0)), source="sim")
    load_rows = [
        o.__class__("load", o.candidate, o.design, o.scenario, o.multiple, 0, o.metric, o.value, o.unit)
        for o in _rows("A", 0, 2.0)
    ]
    merged = run.save_results(ResultTable.from_observations(load_rows), source="load")
    assert sorted(merged.frame["source"].unique()) == ["load", "sim"]
    again = run.save_results(ResultTable.from_observations(_rows("A", 0, 3.0)), source="sim")
    assert len(again) == 4 and set(again.select(source="sim")["value"]) == {3.0, 30.0}
    assert run.summary_path.exists()


def test_ledger_commits_once_and_rebuilds_in_canonical_order(tmp_path: Path) -> None:
    with CellLedger(tmp_path / "cells.sqlite") as ledger:
        ledger.commit("sim|B|0", "sim", _rows("B", 0, 2.0))
        ledger.commit("sim|A|1", "sim", _rows("A", 1, 1.5))
        ledger.commit("sim|A|0", "sim", _rows("A", 0, 1.0))
        ledger.commit("sim|A|0", "sim", _rows("A", 0, 99.0))  # a duplicate commit is ignored
        assert ledger.done("sim") == {"sim|A|0", "sim|A|1", "sim|B|0"}
        table = ledger.table()
    assert len(table) == 6
    assert list(table.frame["candidate"]) == ["A", "A", "A", "A", "B", "B"]
    assert 99.0 not in set(table.frame["value"])
    # The same cells committed in another order give the same table.
    with CellLedger(tmp_path / "other.sqlite") as other:
        for key, rows in [
            ("sim|A|0", _rows("A", 0, 1.0)),
            ("sim|B|0", _rows("B", 0, 2.0)),
            ("sim|A|1", _rows("A", 1, 1.5)),
        ]:
            other.commit(key, "sim", rows)
        assert other.table().frame.equals(table.frame)


def _commit_forever(path: str) -> None:
    ledger = CellLedger(path)
    index = 0
    while True:
        ledger.commit(f"cell-{index}", "sim", _rows("A", index, float(index)))
        index += 1


def test_ledger_survives_sigkill_mid_write(tmp_path: Path) -> None:
    path = tmp_path / "cells.sqlite"
    CellLedger(path).close()
    process = multiprocessing.get_context("spawn").Process(target=_commit_forever, args=(str(path),))
    process.start()
    with CellLedger(path) as watcher:
        while len(watcher.done()) < 50:
            pass
    os.kill(process.pid, signal.SIGKILL)
    process.join()
    with CellLedger(path) as ledger:
        done = ledger.done()
        table = ledger.table()
    # Every committed cell is whole: two rows each, nothing half-written.
    assert len(table) == 2 * len(done)
    assert set(table.frame["replication"]) == {int(key.split("-")[1]) for key in done}


def test_run_index_lists_runs(tmp_path: Path) -> None:
    run = create_run(tmp_path, STUDY)
    index = RunIndex(tmp_path)
    index.record(run, status="running")
    index.record(run, status="complete", winner="Event Fabric")
    rows = index.runs()
    index.close()
    assert [(r["run_id"], r["status"], r["winner"]) for r in rows] == [(run.run_id, "complete", "Event Fabric")]


def test_a_run_killed_while_writing_shows_as_interrupted(tmp_path: Path) -> None:
    run = create_run(tmp_path, STUDY)
    index = RunIndex(tmp_path)
    ready, release = multiprocessing.Event(), multiprocessing.Event()

    def writer() -> None:
        with run.writing():
            ready.set()
            release.wait(30)

    process = multiprocessing.get_context("fork").Process(target=writer)
    process.start()
    assert ready.wait(30)
    index.record(run, status="running")
    assert index.runs()[0]["status"] == "running"  # the writer is alive and holds the lock
    with pytest.raises(RunStoreError, match=f"being written by evalkit process {process.pid}"), run.writing():
        pass
    os.kill(process.pid, signal.SIGKILL)
    process.join(10)
    assert index.runs()[0]["status"] == "interrupted"  # the kernel freed the lock with the process
    with run.writing():  # and a resume may take it
        pass
    index.close()


def test_atomic_writes_keep_the_usual_file_mode(tmp_path: Path) -> None:
    from evalkit.files import write_atomically

    previous = os.umask(0o022)
    try:
        target = tmp_path / "scorecard.html"
        write_atomically(target, "<html></html>")
        assert target.stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600
        assert target.read_text(encoding="utf-8") == "<html></html>"
        assert [p.name for p in tmp_path.iterdir()] == ["scorecard.html"]  # no temporary left behind
    finally:
        os.umask(previous)


_WRITER = """
import sys
from pathlib import Path
from evalkit.files import write_atomically
path, tag = Path(sys.argv[1]), sys.argv[2]
failures = 0
for i in range(300):
    try:
        write_atomically(path, f"{tag} {i} " + "x" * 20000 + " end\\n")
    except Exception:
        failures += 1
print(failures)
"""


def test_two_writers_and_a_reader_never_see_half_a_file(tmp_path: Path) -> None:
    """Once two resumes shared one temporary name: 26-95 of 300 writes failed and readers saw torn
    results.csv files. Unique temporary names and a rename: no failure, every read whole."""
    import subprocess
    import sys

    target = tmp_path / "results.csv"
    write_atomically_text = "start end\n"
    target.write_text(write_atomically_text, encoding="utf-8")
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(target), tag], stdout=subprocess.PIPE, text=True)
        for tag in ("a", "b")
    ]
    torn = 0
    while any(w.poll() is None for w in writers):
        text = target.read_text(encoding="utf-8")
        torn += not (text.endswith(" end\n"))
    failures = [int(w.communicate()[0]) for w in writers]
    assert failures == [0, 0] and torn == 0
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]  # no temporary left behind
