"""Work a study can ask for is bounded: estimated before it starts, refused when too big."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from evalkit.estimate import LIMITS, estimate_run
from evalkit.sim import plan_cells
from evalkit.study import load_study

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny.yaml"


def _huge(tmp_path: Path) -> Path:
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    data["traffic"].update(multiples=[round(0.1 * i, 1) for i in range(1, 51)], replications=10_000)
    path = tmp_path / "huge.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_the_cell_count_is_exact_and_the_time_grows_with_the_work() -> None:
    study = load_study(TINY)
    size = estimate_run(study)
    assert size.cells == len(plan_cells(study))
    expected = sum(study.traffic.peak_rate * c.multiple * study.traffic.horizon for c in plan_cells(study))
    assert size.workflows == pytest.approx(expected)
    assert size.seconds(2) == pytest.approx(size.seconds(1) / 2) and size.too_big(1) is None


def test_a_huge_study_is_refused_at_once_in_one_line_and_validate_says_why(tmp_path: Path) -> None:
    path = _huge(tmp_path)
    size = estimate_run(load_study(path))
    assert size.cells == 50 * 10_000 * 3 + 1 * 10_000 * 3 and size.cells > LIMITS.cells
    out = tmp_path / "runs"
    run = [sys.executable, "-m", "evalkit", "run", str(path), "--out", str(out), "--quiet"]
    result = subprocess.run(run, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "--yes-big" in result.stderr
    assert "1,530,000 simulated cells" in result.stderr
    assert not out.exists() or not any(p.is_dir() for p in out.iterdir())
    checked = subprocess.run(
        [sys.executable, "-m", "evalkit", "validate", str(path)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0 and "estimate: 1,530,000 simulated cells" in checked.stdout
    assert "needs --yes-big" in checked.stdout


_SWEEP_MEMORY = """
import sys
from concurrent.futures import ThreadPoolExecutor
import evalkit.sim.sweep as sweep
from evalkit.results import observations
from evalkit.study import load_study

def cheap_cell(study, cell):  # the sweep's own bookkeeping is under test, not SimPy
    metrics = {f"utilization:resource-{i}": i / 10 for i in range(10)}
    return observations(source="sim", candidate=cell.candidate, design="centralized", scenario=cell.scenario,
                        multiple=cell.multiple, replication=cell.replication, metrics=metrics)

sweep.run_cell = cheap_cell
study = load_study(sys.argv[1])
cells = sweep.plan_cells(study, replications=int(sys.argv[2]), include_faults=False)
seen = [0]
with ThreadPoolExecutor(2) as pool:  # the executor path: lazy submission with a bounded window
    sweep.run_sweep(study, cells, executor=pool, on_cell=lambda c, r: seen.__setitem__(0, seen[0] + 1), collect=False)
assert seen[0] == len(cells)
# VmHWM, not getrusage's ru_maxrss: Linux carries the forking parent's peak (here, pytest's) into
# ru_maxrss across exec, while VmHWM is this process's own memory only.
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(len(cells), peak_kb // 1024)
"""


@pytest.mark.slow
def test_a_sweep_of_100000_cells_holds_memory_for_the_cells_in_flight_only() -> None:
    """Peak RSS stays under 300 MB: cells are submitted lazily and no rows are kept.

    Submitting every cell at once kept every future and its rows: well over a gigabyte here."""
    # glibc gives each busy thread its own malloc arena: two keep the figure about evalkit's bookkeeping.
    environment = {**os.environ, "MALLOC_ARENA_MAX": "2"}
    result = subprocess.run(
        [sys.executable, "-c", _SWEEP_MEMORY, str(TINY), str(16_667)],
        capture_output=True,
        text=True,
        timeout=600,
        env=environment,
    )
    assert result.returncode == 0, result.stderr
    cells, peak_mb = map(int, result.stdout.split())
    assert cells >= 100_000 and peak_mb < 300, (cells, peak_mb)
