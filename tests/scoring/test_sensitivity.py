"""One-at-a-time critical weights: the closed form agrees with a brute-force scan."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from evalkit.scoring.sensitivity import CROSSOVER_POINTS, critical_weight, critical_weights, crossover


def _brute_force(values: np.ndarray, weights: np.ndarray, criterion: int, steps: int = 20_001) -> float | None:
    """The grid weight nearest the current one at which the winner differs (others rescaled)."""
    winner = int(np.argmax(values @ weights))
    grid = np.linspace(0.0, 1.0, steps)
    others = np.delete(weights, criterion) / np.delete(weights, criterion).sum()
    moved = np.insert(np.outer(1.0 - grid, others), criterion, grid, axis=1)  # (steps, criteria)
    winners = np.argmax(moved @ values.T, axis=1)
    changed = grid[winners != winner]
    if changed.size == 0:
        return None
    return float(changed[np.argmin(np.abs(changed - weights[criterion]))])


def test_hand_computed_critical_weight() -> None:
    # A: 100 on c0, 0 on c1; B: 0 on c0, 100 on c1. With weights 0.6/0.4, A wins 60 to 40 and the
    # tie is at w0 = 0.5, so the critical change of c0's weight is -0.1, and B wins below it.
    values = np.array([[100.0, 0.0], [0.0, 100.0]])
    weights = np.array([0.6, 0.4])
    found = critical_weights(values, weights, ["A", "B"], ["c0", "c1"])
    assert found[0].critical_weight == pytest.approx(0.5) and found[0].change == pytest.approx(-0.1)
    assert found[0].new_winner == "B"
    assert found[1].critical_weight == pytest.approx(0.5) and found[1].change == pytest.approx(0.1)


def test_a_candidate_best_on_every_criterion_never_loses() -> None:
    values = np.array([[90.0, 80.0, 70.0], [50.0, 60.0, 65.0], [10.0, 20.0, 30.0]])
    weights = np.array([0.2, 0.3, 0.5])
    assert all(
        c.critical_weight is None and c.new_winner is None
        for c in critical_weights(values, weights, ["a", "b", "c"], ["x", "y", "z"])
    )


@settings(max_examples=200, deadline=None)
@given(
    st.integers(2, 5).flatmap(
        lambda m: st.integers(2, 5).flatmap(
            lambda n: st.tuples(
                arrays(np.float64, (m, n), elements=st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 1))),
                arrays(np.float64, (n,), elements=st.floats(0.05, 1.0, allow_nan=False)),
                st.integers(0, n - 1),
            )
        )
    )
)
def test_closed_form_matches_a_brute_force_scan(case: tuple[np.ndarray, np.ndarray, int]) -> None:
    values, weights, criterion = case
    weights = weights / weights.sum()
    totals = values @ weights
    ordered = np.sort(totals)
    assume(ordered[-1] - ordered[-2] > 1e-3)  # a clear winner to start from
    # Exact ties at the ends of the sweep (weight 0 or 1) leave "the winner" to the tie-break; skip them.
    ends = [values @ np.insert(np.delete(weights, criterion) / np.delete(weights, criterion).sum(), criterion, 0.0),
            values[:, criterion]]  # fmt: skip
    assume(all(np.min(np.diff(np.sort(end))) > 1e-6 for end in ends))
    closed, _ = critical_weight(values, weights, criterion)
    scanned = _brute_force(values, weights, criterion)
    if closed is None:
        assert scanned is None
    else:
        assert scanned is not None
        assert abs(closed - scanned) <= 1.5 / 20_000


def test_crossover_series_spans_zero_to_one_and_passes_through_the_current_totals() -> None:
    values = np.array([[100.0, 0.0], [0.0, 100.0], [50.0, 50.0]])
    weights = np.array([0.6, 0.4])
    series = crossover(values, weights, ["A", "B", "C"], 0, "c0")
    assert len(series.weights) == CROSSOVER_POINTS and series.weights[0] == 0.0 and series.weights[-1] == 1.0
    assert series.totals["A"][0] == pytest.approx(0.0) and series.totals["A"][-1] == pytest.approx(100.0)
    assert series.totals["C"] == pytest.approx([50.0] * CROSSOVER_POINTS)
    index = int(np.argmin(np.abs(np.array(series.weights) - 0.6)))
    assert series.totals["A"][index] == pytest.approx(60.0)
