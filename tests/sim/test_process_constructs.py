"""Decisions, rework loops, waits and a mix against queueing theory (inside the 95% CI of replications).

- An exclusive decision between two single-server branches is two M/M/1 queues at the split rates.
- A rework loop with probability p on an M/M/1 step is a Jackson network: the step is visited
  1/(1-p) times, the station sees λ/(1-p), and a workflow spends (1/(1-p)) / (μ - λ/(1-p)).
- A mix of two types on one shared M/M/c system is M/M/c at the summed rate, and each type's
  cycle time is that M/M/c sojourn.
- A wait with a fixed delay adds exactly that delay: with common random numbers, the cycle time
  of every workflow grows by the delay and nothing else moves.

Every design runs with zero orchestration overhead, so the designs must agree with the formula.
"""

from __future__ import annotations

from typing import Any

import pytest
from sim_studies import DESIGNS, candidate, constant, exponential, inside_ci, interval, replicate, runs

from evalkit import theory
from evalkit.study import Study


def _study(
    process: Any,
    systems: list[dict[str, Any]],
    design: str,
    *,
    rate: float,
    horizon: float,
    warmup: float,
    replications: int = 20,
) -> Study:
    return Study.model_validate(
        {
            "name": "constructs",
            "seed": 11,
            "workload": {"systems": [{"domain": "main", **s} for s in systems], "process": process},
            "traffic": {
                "peak_rate": rate,
                "multiples": [1.0],
                "horizon": horizon,
                "warmup": warmup,
                "replications": replications,
            },
            "slo": {"p95_cycle_time": 100.0},
            "candidates": [candidate(design)],
        }
    )


@pytest.mark.parametrize("design", DESIGNS)
def test_exclusive_decision_splits_into_two_mm1(design: str) -> None:
    rate, share = 1.0, 0.4
    process = {
        "name": "p",
        "steps": [
            {
                "id": "route",
                "decision": {"branches": [{"to": "a", "probability": share}, {"to": "b", "probability": 1 - share}]},
            },
            {"id": "a", "system": "A", "after": ["route"]},
            {"id": "b", "system": "B", "after": ["route"]},
        ],
    }
    systems = [{"name": n, "capacity": 1, "service_time": exponential(1.0)} for n in ("A", "B")]
    reduced = _study(process, systems, design, rate=rate, horizon=2400, warmup=200)
    for system, split in (("A", rate * share), ("B", rate * (1 - share))):
        waits = replicate(reduced, design, f"wait_mean:system:{system}")
        assert inside_ci(theory.mm1_wait(split, 1.0), waits), (system, theory.mm1_wait(split, 1.0), interval(waits))


@pytest.mark.parametrize("design", DESIGNS)
def test_rework_loop_is_a_jackson_network(design: str) -> None:
    rate, p = 0.4, 0.3
    process = {"name": "p", "steps": [{"id": "s", "system": "S", "rework": {"to": "s", "probability": p, "max": 1000}}]}
    systems = [{"name": "S", "capacity": 1, "service_time": exponential(1.0)}]
    reduced = _study(process, systems, design, rate=rate, horizon=3000, warmup=300)
    effective = rate / (1 - p)  # the visit ratio 1/(1-p)
    cycle = replicate(reduced, design, "cycle_time_mean")
    expected = (1 / (1 - p)) / (1.0 - effective)
    assert inside_ci(expected, cycle), (expected, interval(cycle))
    busy = replicate(reduced, design, "utilization:system:S")
    assert inside_ci(effective, busy), (effective, interval(busy))


@pytest.mark.parametrize("design", DESIGNS)
def test_a_mix_on_one_shared_mmc_is_mmc_at_the_summed_rate(design: str) -> None:
    rate, servers = 2.1, 3
    process = [
        {"name": "small", "share": 0.3, "steps": [{"id": "small-work", "system": "S"}]},
        {"name": "large", "share": 0.7, "steps": [{"id": "large-work", "system": "S"}]},
    ]
    systems = [{"name": "S", "capacity": servers, "service_time": exponential(1.0)}]
    reduced = _study(process, systems, design, rate=rate, horizon=1200, warmup=150)
    results = runs(reduced, design)
    waits = [r["wait_mean:system:S"] for r in results]
    assert inside_ci(theory.mmc_wait(rate, 1.0, servers), waits), interval(waits)
    sojourn = theory.mmc_sojourn(rate, 1.0, servers)
    for workflow_type in ("small", "large", "all"):
        name = "cycle_time_mean" if workflow_type == "all" else f"cycle_time_mean@{workflow_type}"
        cycles = [r[name] for r in results]
        assert inside_ci(sojourn, cycles), (workflow_type, sojourn, interval(cycles))
    started = [r["started@small"] / r["started"] for r in results]
    assert inside_ci(0.3, started), interval(started)


@pytest.mark.parametrize("design", DESIGNS)
def test_a_fixed_wait_adds_exactly_its_delay(design: str) -> None:
    delay = 5.0
    plain = {"name": "p", "steps": [{"id": "s", "system": "S"}]}
    waiting = {
        "name": "p",
        "events": [{"name": "callback", "kind": "callback", "delay": constant(delay)}],
        "steps": [{"id": "s", "system": "S"}, {"id": "w", "wait": "callback", "after": ["s"]}],
    }
    systems = [{"name": "S", "capacity": 1, "service_time": exponential(1.0)}]
    options: dict[str, Any] = {"rate": 0.5, "horizon": 800, "warmup": 80, "replications": 10}
    without = runs(_study(plain, systems, design, **options), design)
    with_wait = runs(_study(waiting, systems, design, **options), design)
    for before, after in zip(without, with_wait, strict=True):
        assert after["completed"] == before["completed"]
        assert after["cycle_time_mean"] - before["cycle_time_mean"] == pytest.approx(delay, abs=1e-6)
        assert after["utilization:system:S"] == pytest.approx(before["utilization:system:S"], abs=1e-12)
    cycles = [r["cycle_time_mean"] for r in with_wait]
    assert inside_ci(theory.mmc_sojourn(0.5, 1.0, 1) + delay, cycles), interval(cycles)


def test_results_read_per_type_rows_under_a_workflow_type_key() -> None:
    from evalkit.results import ResultTable
    from evalkit.sim import SimCell, run_cell

    process = [
        {"name": "small", "share": 0.3, "steps": [{"id": "small-work", "system": "S"}]},
        {"name": "large", "share": 0.7, "steps": [{"id": "large-work", "system": "S"}]},
    ]
    systems = [{"name": "S", "capacity": 3, "service_time": exponential(1.0)}]
    reduced = _study(process, systems, "centralized", rate=1.0, horizon=200, warmup=20, replications=1)
    rows = run_cell(reduced, SimCell("centralized", "baseline", 1.0, 1))
    table = ResultTable.from_observations(rows)
    frame = table.by_workflow_type()
    p95 = frame[frame["metric"] == "cycle_time_p95"].set_index("workflow_type")["value"]
    assert sorted(p95.index) == ["all", "large", "small"]
    assert min(p95["small"], p95["large"]) <= p95["all"] <= max(p95["small"], p95["large"])
