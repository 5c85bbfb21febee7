"""Integration coverage and TCO, with infrastructure sized from utilisation at the target multiple."""

from __future__ import annotations

import pytest

from evalkit.analysis import analyse
from evalkit.analysis.synthetic import Shape, linear, shape_rows, shape_table
from evalkit.results import ResultTable
from evalkit.scoring.cost import cost_of, integration_view
from evalkit.study import load_study

STUDY = load_study("scenarios/order-fulfillment.yaml")  # 3 years, target 3x, 110 EUR/h


def test_integration_coverage_and_custom_hours() -> None:
    view = integration_view(STUDY, STUDY.candidate("Conductor Engine"))
    assert view.coverage == pytest.approx(5 / 7)
    assert view.custom == {"fraud-service": 160.0, "warehouse-wms": 160.0}
    assert view.custom_hours == 320.0


def _fabric(saturate_above: float | None = None) -> ResultTable:
    shape = Shape(
        p95=linear(1.0, 0.2),
        saturate_above=saturate_above,
        capacity_multiple=2.1,
        utilization={
            "consumers:charge-payment": lambda m: 0.25 * m,  # 32 consumers: 8 busy per multiple
            "consumers:pick-and-pack": lambda m: 0.2 * m,  # 6.4 busy per multiple
            "system:storefront": lambda m: 0.9,  # a business system, not the platform's compute
            "broker": lambda m: 0.3 * m,
        },
    )
    return shape_table(shape_rows(shape, candidate="Event Fabric", design="event-driven"))


def test_hand_computed_tco() -> None:
    costed = cost_of(STUDY, STUDY.candidate("Event Fabric"), analyse(STUDY, _fabric()))
    cost = costed.breakdown
    # 43.2 busy consumers at 3x / 0.7 = 61.7 workers / 16 per node -> 4 nodes.
    assert cost.nodes == 4 and costed.sized_from_data
    assert cost.infrastructure == 3 * 4 * 8000
    assert cost.licence == 3 * 40_000
    assert cost.implementation == 4000 * 110
    assert cost.integration == 3 * 180 * 110  # inventory, warehouse-wms, carrier-api
    assert cost.operations == 3 * 90_000
    assert cost.total == pytest.approx(120_000 + 96_000 + 440_000 + 59_400 + 270_000)
    assert cost.integration_share == pytest.approx(59_400 / (440_000 + 59_400))


def test_a_saturated_target_is_extrapolated_from_the_steady_multiples() -> None:
    costed = cost_of(STUDY, STUDY.candidate("Event Fabric"), analyse(STUDY, _fabric(saturate_above=2.0)))
    assert costed.breakdown.nodes == 4 and "extrapolated to 3x" in costed.note


def test_without_utilisation_the_minimum_is_used_and_flagged() -> None:
    costed = cost_of(STUDY, STUDY.candidate("Domain Mesh"), analyse(STUDY, ResultTable.empty()))
    assert costed.breakdown.nodes == STUDY.candidate("Domain Mesh").cost.minimum_nodes
    assert not costed.sized_from_data and "minimum" in costed.note
