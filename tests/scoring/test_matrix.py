"""The weighted-sum matrix: hand-computed totals, rank invariants, and a pymcdm cross-check."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from evalkit.analysis import MetricValue
from evalkit.scoring.matrix import knockout_fails, normalise, partial_totals, rank, weighted_totals
from evalkit.scoring.values import _interpolate
from evalkit.study import ValueFunction


def test_hand_computed_matrix() -> None:
    values = np.array(
        [
            [80.0, 40.0, 100.0],  # 0.5*80 + 0.3*40 + 0.2*100 = 72
            [60.0, 90.0, 50.0],  # 30 + 27 + 10 = 67
            [90.0, np.nan, 70.0],  # missing: no total, partial 45 + 14 = 59
            [100.0, 100.0, 100.0],  # knocked out, total 100 kept for reference
        ]
    )
    weights = np.array([5.0, 3.0, 2.0])  # normalised to 0.5, 0.3, 0.2
    totals = weighted_totals(values, weights)
    partials = partial_totals(values, weights)
    assert totals[:2] == pytest.approx([72.0, 67.0])
    assert math.isnan(totals[2]) and partials[2] == pytest.approx(59.0)
    assert totals[3] == pytest.approx(100.0)
    ranks = rank(totals, partials, np.array([False, False, False, True]))
    assert list(ranks) == [1, 2, 3, 4]


def test_ties_share_a_rank() -> None:
    ranks = rank(np.array([50.0, 70.0, 50.0]), np.array([50.0, 70.0, 50.0]), np.array([False, False, False]))
    assert list(ranks) == [2, 1, 2]


def test_knocked_out_rank_after_incomplete_and_among_themselves_by_total() -> None:
    totals = np.array([90.0, 20.0, np.nan, 95.0])
    partials = np.array([90.0, 20.0, 10.0, 95.0])
    ranks = rank(totals, partials, np.array([True, False, False, True]))
    assert list(ranks) == [4, 1, 2, 3]


def test_knockout_operators_and_missing() -> None:
    value = MetricValue("max_sustainable_multiple", 2.9)
    assert knockout_fails(value, ">=", 3) is True
    assert knockout_fails(MetricValue("max_sustainable_multiple", 3.0), ">=", 3) is False
    assert knockout_fails(MetricValue("degradation_class", 2.0), "<=", 1) is True
    assert knockout_fails(MetricValue("tco", None), "<", 1e6) is None


def test_value_function_is_flat_beyond_its_anchors_and_matches_the_model() -> None:
    function = ValueFunction(points=((1.0, 0.0), (2.0, 40.0), (3.0, 75.0), (4.0, 100.0)))
    x = np.array([0.0, 1.0, 1.5, 2.5, 3.6, 4.0, 9.0, math.inf])
    expected = [function(float(v)) for v in x[:-1]] + [100.0]
    assert list(_interpolate(function, x)) == pytest.approx(expected)
    assert list(_interpolate(function, x[:4])) == pytest.approx([0.0, 0.0, 20.0, 57.5])


values_strategy = st.integers(2, 6).flatmap(
    lambda m: st.integers(1, 5).flatmap(
        lambda n: st.tuples(
            arrays(np.float64, (m, n), elements=st.floats(0, 100, allow_nan=False)),
            arrays(np.float64, (n,), elements=st.floats(0.01, 10, allow_nan=False)),
        )
    )
)


def _order(totals: np.ndarray) -> list[int]:
    return sorted(range(len(totals)), key=lambda i: (-round(float(totals[i]), 9), i))


@settings(max_examples=150, deadline=None)
@given(values_strategy, st.data())
def test_adding_a_dominated_candidate_never_reorders_the_others(
    case: tuple[np.ndarray, np.ndarray], data: st.DataObject
) -> None:
    values, weights = case
    base = rank(weighted_totals(values, weights), partial_totals(values, weights), np.zeros(len(values), bool))
    dominated_by = data.draw(st.integers(0, len(values) - 1))
    shrink = data.draw(arrays(np.float64, (values.shape[1],), elements=st.floats(0, 1)))
    extra = values[dominated_by] * shrink  # no better than one existing candidate on any criterion
    grown = np.vstack([values, extra])
    totals = weighted_totals(grown, weights)
    ranks = rank(totals, partial_totals(grown, weights), np.zeros(len(grown), bool))
    # The others keep their relative order and their totals (anchors are fixed, never min-max).
    assert totals[:-1] == pytest.approx(weighted_totals(values, weights))
    for i in range(len(values)):
        for j in range(len(values)):
            if base[i] < base[j]:
                assert ranks[i] < ranks[j]
    assert ranks[-1] >= ranks[dominated_by]


@settings(max_examples=150, deadline=None)
@given(values_strategy, st.data())
def test_raising_one_value_never_lowers_rank(case: tuple[np.ndarray, np.ndarray], data: st.DataObject) -> None:
    values, weights = case
    row = data.draw(st.integers(0, values.shape[0] - 1))
    column = data.draw(st.integers(0, values.shape[1] - 1))
    raised = values.copy()
    raised[row, column] = data.draw(st.floats(values[row, column], 100))
    out = np.zeros(len(values), bool)
    before = rank(weighted_totals(values, weights), partial_totals(values, weights), out)[row]
    after = rank(weighted_totals(raised, weights), partial_totals(raised, weights), out)[row]
    assert after <= before


@settings(max_examples=150, deadline=None)
@given(values_strategy, st.floats(1e-3, 1e3))
def test_scaling_every_weight_changes_nothing(case: tuple[np.ndarray, np.ndarray], factor: float) -> None:
    values, weights = case
    out = np.zeros(len(values), bool)
    assert weighted_totals(values, weights * factor) == pytest.approx(weighted_totals(values, weights))
    assert list(rank(weighted_totals(values, weights * factor), partial_totals(values, weights), out)) == list(
        rank(weighted_totals(values, weights), partial_totals(values, weights), out)
    )
    assert normalise(weights * factor) == pytest.approx(normalise(weights))


@pytest.mark.filterwarnings("ignore:Alternatives with indices")
@pytest.mark.parametrize("seed", range(25))
def test_same_ranking_as_pymcdm_weighted_sum(seed: int) -> None:
    """Value functions anchored at each column's range reproduce pymcdm's min-max WSM exactly."""
    from pymcdm.helpers import rrankdata
    from pymcdm.methods import WSM
    from pymcdm.normalizations import minmax_normalization

    rng = np.random.default_rng(seed)
    alternatives, criteria = int(rng.integers(3, 9)), int(rng.integers(2, 7))
    raw = rng.uniform(0, 1000, size=(alternatives, criteria))
    types = rng.choice([1, -1], size=criteria)
    weights = rng.dirichlet(np.ones(criteria))
    values = np.empty_like(raw)
    for j in range(criteria):
        low, high = float(raw[:, j].min()), float(raw[:, j].max())
        points = ((low, 0.0), (high, 100.0)) if types[j] == 1 else ((low, 100.0), (high, 0.0))
        values[:, j] = _interpolate(ValueFunction(points=points), raw[:, j])
    ours = rank(weighted_totals(values, weights), partial_totals(values, weights), np.zeros(alternatives, bool))
    preferences = WSM(normalization_function=minmax_normalization)(raw, weights, types)
    assert weighted_totals(values, weights) == pytest.approx(100 * preferences)
    assert list(ours) == list(rrankdata(preferences).astype(int))
