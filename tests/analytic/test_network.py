"""The queueing network and the cycle time against exact answers: M/M/1, M/M/c, Jackson tandems."""

from __future__ import annotations

import math

import pytest
from studies import one_queue, tandem

from evalkit.analytic import queues
from evalkit.analytic.cell import saturation_multiple, solve_cell
from evalkit.analytic.network import Demand, Station, solve
from evalkit.design import design_spec

DESIGNS = ["centralized", "federated", "event-driven"]


@pytest.mark.parametrize("design", DESIGNS)
def test_one_step_is_an_mm1_whatever_the_free_design(design: str) -> None:
    study = one_queue(servers=1, mean=1.0, rate=0.8, design=design)
    cell = solve_cell(design_spec(study, "C"), study, 1.0)
    # The M/M/1 sojourn is exponential with rate mu - lambda: mean 5, p95 ln(20)/0.2.
    assert cell.metrics["cycle_time_mean"] == pytest.approx(5.0, rel=2e-3)
    assert cell.metrics["cycle_time_p95"] == pytest.approx(math.log(20) / 0.2, rel=2e-3)
    assert cell.metrics["utilization:system:s0"] == pytest.approx(0.8)
    assert cell.metrics["wait_mean:system:s0"] == pytest.approx(4.0)


def test_mmc_mean_cycle_time_is_erlang_c() -> None:
    study = one_queue(servers=4, mean=10.0, rate=0.35)  # the PDQ call centre
    cell = solve_cell(design_spec(study, "C"), study, 1.0)
    assert cell.metrics["cycle_time_mean"] == pytest.approx(24.7572, rel=2e-3)
    assert cell.metrics["wait_mean:system:s0"] == pytest.approx(14.7572, abs=5e-5)


def test_jackson_tandem_mean_is_the_sum_of_sojourns() -> None:
    exponential = [(1, {"dist": "exponential", "mean": 0.5}), (2, {"dist": "exponential", "mean": 1.2})]
    study = tandem(exponential, rate=1.2)
    cell = solve_cell(design_spec(study, "C"), study, 1.0)
    expected = queues.jackson_tandem_sojourn(1.2, [(0.5, 1), (1.2, 2)])
    assert cell.metrics["cycle_time_mean"] == pytest.approx(expected, rel=3e-3)


def test_operational_laws_bottleneck_and_saturation_multiple() -> None:
    exponential = [(1, {"dist": "exponential", "mean": 0.5}), (2, {"dist": "exponential", "mean": 1.2})]
    study = tandem(exponential, rate=1.0)
    spec = design_spec(study, "C")
    # D/c: 0.5 on s0, 0.6 on s1: s1 saturates at 1/0.6 workflows per second.
    assert saturation_multiple(spec, study) == pytest.approx(1 / 0.6)
    over = solve_cell(spec, study, 2.0)
    assert over.saturated and over.network.bottleneck == "system:s1"
    assert over.metrics["saturated"] == 1.0
    assert math.isnan(over.metrics["cycle_time_p95"])
    assert over.metrics["backlog_growth"] == pytest.approx(2.0 - 1 / 0.6)
    assert over.metrics["completed_rate"] == pytest.approx(1 / 0.6)


def test_partitions_are_separate_queues_and_wrapping_holds_include_the_inner_wait() -> None:
    stations = [Station("broker", 1, partitions=4), Station("system", 2), Station("consumers", 3)]
    demands = [
        Demand("broker", 2.0, 0.1, 0.0),
        Demand("system", 1.0, 0.5, 1.0),
        Demand("consumers", 1.0, 0.5, 1.0, wraps=("system",)),
    ]
    network = solve(stations, demands, 2.0)
    broker = network.stations["broker"]
    # Each partition: M/D/1 at 1 event/s, 0.1 s each.
    assert broker.wait_mean == pytest.approx(queues.mg1_wait(1.0, 0.1, 0.0))
    assert broker.utilization == pytest.approx(0.1)
    system, consumers = network.stations["system"], network.stations["consumers"]
    assert consumers.hold_mean == pytest.approx(0.5 + system.wait_mean)
    assert consumers.utilization == pytest.approx(2.0 * (0.5 + system.wait_mean) / 3)
