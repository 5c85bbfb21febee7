"""The sweep: its cells, its purity, common random numbers, parallel equality, sequential stopping."""

from __future__ import annotations

from pathlib import Path

import pytest
from sim_studies import DESIGNS, candidate, exponential, replicate, study

import evalkit.sim
from evalkit.errors import InputError
from evalkit.results import t_interval
from evalkit.sim import SimCell, plan_cells, run_cell, run_sweep, run_until_precise
from evalkit.study import load_study

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny.yaml"


def test_public_api_is_locked() -> None:
    assert sorted(evalkit.sim.__all__) == sorted(
        ["BASELINE", "SimCell", "plan_cells", "run_cell", "run_sweep", "run_until_precise", "sweep_pool"]
    )


def test_plan_covers_candidates_multiples_replications_and_faults(default_study_path: Path) -> None:
    default = load_study(default_study_path)
    cells = plan_cells(default)
    baseline = [c for c in cells if c.scenario == "baseline"]
    assert len(baseline) == 3 * 5 * 5 and len(cells) - len(baseline) == 3 * 2 * 5
    assert {c.multiple for c in cells if c.scenario != "baseline"} == {1.0}
    assert len({c.key for c in cells}) == len(cells)
    assert SimCell("Conductor Engine", "baseline", 1.5, 3).key == "sim|Conductor Engine|baseline|1.5|3"
    assert SimCell("X", "baseline", 2.0, 1).key == "sim|X|baseline|2|1"
    narrow = plan_cells(default, multiples=[2, 1], replications=2, candidates=["Domain Mesh"], include_faults=False)
    assert [(c.multiple, c.replication) for c in narrow] == [(1.0, 1), (1.0, 2), (2.0, 1), (2.0, 2)]


def test_plan_refuses_unknown_candidates_and_bad_multiples(default_study_path: Path) -> None:
    default = load_study(default_study_path)
    with pytest.raises(InputError, match="unknown candidate 'Nope'"):
        plan_cells(default, candidates=["Nope"])
    with pytest.raises(InputError, match="positive"):
        plan_cells(default, multiples=[0])
    with pytest.raises(InputError, match="unknown scenario"):
        run_cell(default, SimCell("Domain Mesh", "meteor-strike", 1.0, 1))


def test_a_cell_is_pure_and_replications_differ() -> None:
    tiny = load_study(TINY)
    first = run_cell(tiny, SimCell("Mesh", "baseline", 2.0, 1))
    assert run_cell(tiny, SimCell("Mesh", "baseline", 2.0, 1)) == first
    other = {r.metric: r.value for r in run_cell(tiny, SimCell("Mesh", "baseline", 2.0, 2))}
    assert {r.metric: r.value for r in first}["cycle_time_mean"] != other["cycle_time_mean"]
    assert all(r.source == "sim" and r.design == "federated" and r.replication == 1 for r in first)


def test_common_random_numbers_across_designs() -> None:
    """Same arrivals and service draws for every candidate: with no overhead and no queueing,
    every design gives the very same cycle times; the seed moves with the replication."""
    reduced = study(
        systems=[{"name": "s", "capacity": 1000, "service_time": exponential(1.0)}],
        steps=[{"id": "a", "system": "s"}, {"id": "b", "system": "s", "after": ["a"]}],
        candidates=[candidate(design) for design in DESIGNS],
        rate=3.0,
        horizon=100,
        warmup=10,
        replications=3,
    )
    means = {design: replicate(reduced, design, "cycle_time_mean") for design in DESIGNS}
    for design in DESIGNS:
        assert means[design] == pytest.approx(means["centralized"], rel=1e-12)
    assert len(set(means["centralized"])) == 3


def test_one_and_two_workers_give_identical_tables_and_report_every_cell() -> None:
    tiny = load_study(TINY)
    cells = plan_cells(tiny, replications=2)
    seen: list[str] = []
    progress: list[tuple[int, int]] = []
    serial = run_sweep(
        tiny, cells, on_cell=lambda cell, rows: seen.append(cell.key), progress=lambda *p: progress.append(p)
    )
    parallel = run_sweep(tiny, cells, workers=2)
    assert serial.frame.equals(parallel.frame)
    assert sorted(seen) == sorted(c.key for c in cells)
    assert progress[0] == (0, len(cells)) and progress[-1] == (len(cells), len(cells))
    assert set(serial.frame["scenario"]) == {"baseline", "control-plane-outage"}


def test_sequential_stopping_adds_replications_only_where_imprecise() -> None:
    reduced = study(
        systems=[
            {"name": "calm", "capacity": 100, "service_time": {"dist": "constant", "value": 1.0}},
            {"name": "busy", "capacity": 1, "service_time": exponential(1.0)},
        ],
        steps=[{"id": "only", "system": "calm"}],
        candidates=[candidate("centralized", name="steady")],
        rate=0.5,
        horizon=200,
        warmup=20,
        replications=3,
    )
    table = run_until_precise(reduced, relative_half_width=0.05, max_replications=9, step=3)
    values = table.select(metric="cycle_time_p95")["value"]
    assert len(values) == 3  # constant service, no queue: already precise after 3
    noisy = reduced.model_copy(
        update={"workload": reduced.workload.model_copy(update={"process": _process_on("busy", reduced)})}
    )
    table = run_until_precise(noisy, relative_half_width=0.01, max_replications=9, step=3)
    values = table.select(metric="cycle_time_p95")["value"].to_numpy()
    mean, _, half = t_interval(values)
    assert len(values) == 9 and half > 0.01 * mean  # imprecise: ran to the cap
    assert sorted(table.frame["replication"].unique()) == list(range(1, 10))


def _process_on(system: str, reduced):  # type: ignore[no-untyped-def]
    process = reduced.workload.process
    step = process.steps[0].model_copy(update={"system": system})
    return process.model_copy(update={"steps": (step,)})


def test_workers_start_safely_when_the_caller_runs_threads() -> None:
    """A progress display's thread must not be forked: the pool then uses a fork server."""
    import threading

    from evalkit.sim import sweep_pool

    tiny = load_study(TINY)
    cells = plan_cells(tiny, multiples=[1.0], replications=1, include_faults=False)
    stop = threading.Event()
    display = threading.Thread(target=stop.wait)
    display.start()
    try:
        with sweep_pool(2) as pool:
            assert pool._mp_context.get_start_method() == "forkserver"
            parallel = run_sweep(tiny, cells, executor=pool)
    finally:
        stop.set()
        display.join()
    assert parallel.frame.equals(run_sweep(tiny, cells).frame)
