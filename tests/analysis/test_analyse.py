"""analyse(): bottlenecks, faults, model against measurement, and reading metrics for scorecards."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evalkit.analysis import analyse
from evalkit.analysis.synthetic import Shape, linear, mm1, shape_rows, shape_table
from evalkit.errors import ScoringError
from evalkit.results import t_interval
from evalkit.study import load_study

STUDY = load_study("scenarios/order-fulfillment.yaml")


def _engine_then_store() -> Shape:
    # The engine is busiest up to 2x; the store overtakes it beyond.
    return Shape(
        p95=linear(0.8, 0.3),
        utilization={
            "engine": lambda m: 0.2 * m,
            "store": lambda m: 0.1 + 0.12 * m,
            "system:storefront": lambda m: 0.05,
        },
    )


def test_bottleneck_is_the_busiest_resource_at_each_multiple() -> None:
    table = shape_table(shape_rows(_engine_then_store(), candidate="Conductor Engine"))
    found = analyse(STUDY, table).candidates["Conductor Engine"].sources["sim"]
    by_multiple = {b.multiple: (b.resource, b.utilization) for b in found.bottlenecks}
    assert by_multiple[1.0] == ("store", pytest.approx(0.22))
    assert by_multiple[2.0][0] == "engine" and by_multiple[4.0] == ("engine", pytest.approx(0.8))
    record = found.record(STUDY)
    assert record.utilization["store"]["1.5"] == pytest.approx(0.28)


def test_sim_only_load_only_and_both() -> None:
    sim = shape_rows(Shape(p95=mm1(0.9, 0.2)), candidate="Event Fabric", design="event-driven")
    load = shape_rows(
        Shape(p95=mm1(1.0, 0.2)), candidate="Event Fabric", design="event-driven", source="load", replications=1
    )
    for rows, sources in ((sim, {"sim"}), (load, {"load"}), (sim + load, {"sim", "load"})):
        found = analyse(STUDY, shape_table(rows)).candidates["Event Fabric"]
        assert set(found.sources) == sources
        # The reference platform (no live target) never outranks the simulation; alone, it is used.
        assert found.performance().curve.source == ("sim" if "sim" in sources else "load")
        assert found.evidence.order == tuple(s for s in ("sim", "load") if s in sources)
        assert bool(found.model_vs_measured) == (sources == {"sim", "load"})


def test_model_against_measurement_per_multiple() -> None:
    rng = np.random.default_rng(11)
    sim = shape_rows(Shape(p95=linear(1.0, 0.5)), candidate="Domain Mesh", noise=0.05, rng=rng)
    load = shape_rows(Shape(p95=linear(1.0, 0.4)), candidate="Domain Mesh", source="load", replications=1)
    errors = analyse(STUDY, shape_table(sim, load)).candidates["Domain Mesh"].model_vs_measured
    assert [e.multiple for e in errors] == [1.0, 1.5, 2.0, 3.0, 4.0]
    at4 = errors[-1]
    assert at4.measured_p95 == pytest.approx(2.6)
    assert at4.relative_error == pytest.approx((at4.simulated_p95 - 2.6) / 2.6)
    assert at4.relative_error > 0.05 and at4.within_interval is False


def test_fault_impact_and_worst_fault_metric() -> None:
    base = shape_rows(Shape(p95=linear(0.8, 0.3)), candidate="Event Fabric", design="event-driven")
    mild = Shape(p95=linear(0.8, 0.3), extra={"stalled_workflows": 10, "recovery_time": 5.0, "lost": 0})
    harsh = Shape(p95=linear(0.8, 0.3), extra={"stalled_workflows": 90, "recovery_time": 25.0, "lost": 3})
    faults = shape_rows(mild, candidate="Event Fabric", scenario="payment-gateway-outage", multiples=(1.0,))
    faults += shape_rows(harsh, candidate="Event Fabric", scenario="control-plane-outage", multiples=(1.0,))
    analysis = analyse(STUDY, shape_table(base, faults))
    impacts = {i.scenario: i for i in analysis.candidates["Event Fabric"].faults}
    assert impacts["control-plane-outage"].component == "control-plane"
    assert impacts["payment-gateway-outage"].recovery_time == pytest.approx(5.0)
    worst = analysis.metric("Event Fabric", "recovery_time")
    assert worst.value == pytest.approx(25.0) and "control-plane-outage" in worst.note
    named = analysis.metric("Event Fabric", "stalled_workflows", scenario="payment-gateway-outage")
    assert named.value == pytest.approx(10.0)
    assert analysis.metric("Event Fabric", "lost_workflows").value == pytest.approx(3.0)


def test_no_fault_results_is_missing_not_zero() -> None:
    analysis = analyse(STUDY, shape_table(shape_rows(Shape(p95=linear(1, 0)), candidate="Event Fabric")))
    value = analysis.metric("Event Fabric", "recovery_time")
    assert value.missing and value.value is None and "no recovery_time" in value.note


def test_latency_at_a_saturated_multiple_is_unbounded() -> None:
    shape = Shape(p95=linear(0.8, 0.3), saturate_above=2.0, capacity_multiple=2.2)
    analysis = analyse(STUDY, shape_table(shape_rows(shape, candidate="Event Fabric")))
    at3 = analysis.metric("Event Fabric", "cycle_time_p95", at_multiple=3.0)
    assert math.isinf(at3.value) and "saturated" in at3.display
    at2 = analysis.metric("Event Fabric", "cycle_time_p95", at_multiple=2.0)
    assert at2.value == pytest.approx(1.4)
    # Throughput at a saturated multiple is a real measurement.
    assert analysis.metric("Event Fabric", "completed_rate", at_multiple=3.0).value == pytest.approx(22.0)


def test_untested_multiple_is_missing_with_the_tested_ones_named() -> None:
    analysis = analyse(STUDY, shape_table(shape_rows(Shape(p95=linear(1, 0)), candidate="Event Fabric")))
    value = analysis.metric("Event Fabric", "cycle_time_p95", at_multiple=2.5)
    assert value.missing and "2.5x was not tested" in value.note and "1.5x" in value.note


def test_metric_with_no_multiple_is_read_at_the_costing_target() -> None:
    analysis = analyse(STUDY, shape_table(shape_rows(Shape(p95=linear(1, 1)), candidate="Event Fabric")))
    value = analysis.metric("Event Fabric", "cycle_time_p95_slo_ratio")
    assert value.value == pytest.approx((1 + 3) / 3.0) and "target multiple 3x" in value.note


def test_interval_and_draw_come_from_replications() -> None:
    rng = np.random.default_rng(5)
    rows = shape_rows(Shape(p95=linear(1.0, 0.5)), candidate="Event Fabric", noise=0.1, rng=rng)
    table = shape_table(rows)
    analysis = analyse(STUDY, table)
    value = analysis.metric("Event Fabric", "cycle_time_p95", at_multiple=2.0)
    replications = table.select(metric="cycle_time_p95", multiple=2.0)["value"]
    mean, _, half = t_interval(replications)
    assert (value.value, value.low, value.high) == pytest.approx((mean, mean - half, mean + half))
    assert value.draw == "t" and value.dof == 4


def test_manual_interventions_per_workflow_is_a_per_replication_ratio() -> None:
    shape = Shape(p95=linear(1.0, 0.0), manual_share=0.02)
    analysis = analyse(STUDY, shape_table(shape_rows(shape, candidate="Conductor Engine")))
    value = analysis.metric("Conductor Engine", "manual_interventions_per_workflow", at_multiple=1.0)
    assert value.value == pytest.approx(0.02)


def test_unknown_candidate_is_missing_and_unknown_metric_is_a_bug() -> None:
    analysis = analyse(STUDY, shape_table(shape_rows(Shape(p95=linear(1, 0)), candidate="Event Fabric")))
    assert analysis.metric("Nobody", "max_sustainable_multiple").missing
    with pytest.raises(ScoringError):
        analysis.metric("Event Fabric", "vibes")
