"""Degradation class and knee on synthetic curves whose shape is known."""

from __future__ import annotations

import numpy as np
import pytest

from evalkit.analysis import analyse, classify, knee
from evalkit.analysis.synthetic import Shape, exponential, linear, mm1, shape_rows, shape_table
from evalkit.study import load_study

MULTIPLES = np.array([1.0, 1.5, 2.0, 3.0, 4.0])


def _noisy(curve: np.ndarray, seed: int, noise: float = 0.03) -> np.ndarray:
    return curve * (1.0 + noise * np.random.default_rng(seed).standard_normal(curve.size))


@pytest.mark.parametrize("seed", range(8))
def test_linear_curve_is_linear_without_a_knee(seed: int) -> None:
    found = classify(MULTIPLES, _noisy(0.8 + 0.3 * MULTIPLES, seed))
    assert found.degradation_class == "linear"
    assert found.knee_multiple is None


@pytest.mark.parametrize("seed", range(8))
def test_mm1_curve_is_superlinear_with_a_knee_inside_the_range(seed: int) -> None:
    rho = 0.2 * MULTIPLES  # 0.2 .. 0.8: latency grows five-fold, as one queue predicts
    found = classify(MULTIPLES, _noisy(0.5 / (1 - rho), seed), capacity=5.0)
    assert found.degradation_class == "superlinear"
    assert found.knee_multiple is not None and 1.0 < found.knee_multiple < 4.0


@pytest.mark.parametrize("seed", range(8))
def test_exponential_curve_is_exponential(seed: int) -> None:
    found = classify(MULTIPLES, _noisy(0.2 * np.exp(0.9 * MULTIPLES), seed))
    assert found.degradation_class == "exponential"
    assert found.knee_multiple is not None


def test_the_measured_utilisation_is_what_makes_growth_exponential() -> None:
    # p95 grows 6x while the busiest resource only reaches 60%: queueing explains at most 2.5x.
    p95 = 0.5 / (1 - 0.2 * MULTIPLES) ** 1.3
    assert classify(MULTIPLES, p95, capacity=1 / 0.15).degradation_class == "exponential"
    # The same curve is what a queue near saturation does when the capacity is unknown.
    assert classify(MULTIPLES, p95).degradation_class == "superlinear"


def test_light_queueing_is_linear() -> None:
    # At rho <= 0.4, 1/(1-rho) is within a few percent of a straight line.
    assert classify(MULTIPLES, 1 / (1 - 0.1 * MULTIPLES), capacity=10.0).degradation_class == "linear"


def test_noise_within_the_confidence_interval_does_not_make_a_line_bend() -> None:
    jagged = (0.8 + 0.3 * MULTIPLES) * np.array([1.0, 1.25, 0.8, 1.2, 0.85])
    assert classify(MULTIPLES, jagged).note.startswith("no shape fits within tolerance")
    found = classify(MULTIPLES, jagged, half_widths=0.3 * jagged)
    assert found.degradation_class == "linear" and found.note.startswith("linear is the simplest adequate shape")


def test_too_few_points_is_unknown() -> None:
    found = classify(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    assert found.degradation_class == "unknown" and "at least 3" in found.note


def test_knee_of_a_hockey_stick_is_near_the_bend() -> None:
    bend = knee(lambda x: np.where(x < 3, 1.0, 1.0 + 10 * (x - 3)), 1.0, 4.0)
    assert bend is not None and 2.9 <= bend <= 3.1
    assert knee(lambda x: 2 * x + 1, 1.0, 4.0) is None


def test_classification_through_analyse_uses_utilisation_and_skips_saturated_cells() -> None:
    study = load_study("scenarios/order-fulfillment.yaml")
    rng = np.random.default_rng(7)
    rows = shape_rows(
        Shape(
            p95=exponential(0.2, 0.9),
            saturate_above=3.0,
            capacity_multiple=3.2,
            utilization={"coordinator": lambda m: 0.12 * m, "store": lambda m: 0.05 * m},
        ),
        candidate="Domain Mesh",
        design="federated",
        noise=0.03,
        rng=rng,
    )
    rows += shape_rows(
        Shape(p95=mm1(0.5, 0.2), utilization={"broker": lambda m: 0.2 * m}),
        candidate="Event Fabric",
        design="event-driven",
    )
    rows += shape_rows(Shape(p95=linear(0.8, 0.3)), candidate="Conductor Engine", source="load", replications=1)
    analysis = analyse(study, shape_table(rows))
    mesh = analysis.candidates["Domain Mesh"].sources["sim"].degradation
    assert mesh.degradation_class == "exponential"
    assert "saturated at 4x" in mesh.note and "bottleneck coordinator" in mesh.note
    fabric = analysis.candidates["Event Fabric"].sources["sim"].degradation
    assert fabric.degradation_class == "superlinear" and "capacity 5x" in fabric.note
    conductor = analysis.candidates["Conductor Engine"].sources["load"].degradation
    assert conductor.degradation_class == "linear" and "no utilisation data" in conductor.note
    value = analysis.metric("Domain Mesh", "degradation_class")
    assert value.value == 2.0 and value.display == "exponential"
