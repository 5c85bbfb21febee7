"""A reference platform measured under load agrees with the simulation of the same design.

Both implement ``docs/models.md``; the reference platform with real asyncio queues and sleeps,
the simulation in SimPy. For each design of a small study at 1x and 2x of peak, the measured p95
cycle time must be within 20% of the simulated one (mean over replications). This checks the
two runtimes statistically; ``tests/design/test_parity.py`` checks that they take the same
visits, retries and outages included, given the same random numbers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit import sim
from evalkit.analysis.validity import typical_cycle_time
from evalkit.load import LoadPlan, ReferencePlatform, plan_stages, run_load_test
from evalkit.study import load_study
from evalkit.study.effective import QUICK_MIN_WALL_CYCLE

STUDY = Path(__file__).parent / "studies" / "small-three-designs.yaml"

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def simulated() -> dict[tuple[str, float], float]:
    study = load_study(STUDY)
    cells = sim.plan_cells(study, multiples=[1, 2], replications=4, include_faults=False)
    table = sim.run_sweep(study, cells)
    p95 = table.select(metric="cycle_time_p95").groupby(["candidate", "multiple"])["value"].mean()
    return {key: float(value) for key, value in p95.items()}


@pytest.mark.parametrize("candidate", ["Engine", "Mesh", "Fabric"])
def test_measured_p95_is_within_20_percent_of_simulated(candidate: str, simulated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """This study's typical cycle time is 140 ms of wall clock, below the least a quick run ever
    plays a sped-up platform at (``QUICK_MIN_WALL_CYCLE``): the emulation's own overhead weighs at
    least as much here as on any sped-up reference platform, and it must still agree."""
    study = load_study(STUDY)
    assert typical_cycle_time(study) * study.load.time_scale <= QUICK_MIN_WALL_CYCLE
    stages = plan_stages(study, candidates=[candidate])
    with ReferencePlatform(STUDY, candidate) as platform:
        table = run_load_test(
            LoadPlan(study=study, candidate=candidate, stages=stages, base_url=platform.base_url, out_dir=tmp_path)
        )
    for stage in stages:
        rows = table.select(multiple=stage.multiple)
        metrics = dict(zip(rows["metric"], rows["value"], strict=True))
        expected = simulated[(candidate, stage.multiple)]
        measured = metrics["cycle_time_p95"]
        assert metrics["saturated"] == 0
        assert abs(measured - expected) <= 0.20 * expected, (
            f"{candidate} {stage.label}: measured p95 {measured * 1e3:.0f} ms, simulated {expected * 1e3:.0f} ms"
        )
