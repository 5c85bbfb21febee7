"""AHP weights with Saaty's consistency check, and SMAA-2 against what it must give analytically."""

from __future__ import annotations

import numpy as np
import pytest

from evalkit.errors import StudyError
from evalkit.scoring import ahp_weights
from evalkit.scoring.smaa import draw_weights, smaa


def test_consistent_comparisons_give_back_the_weights() -> None:
    weights = np.array([0.5, 0.3, 0.15, 0.05])
    matrix = tuple(tuple(float(a / b) for b in weights) for a in weights)
    found = ahp_weights(("a", "b", "c", "d"), matrix)
    assert list(found.weights.values()) == pytest.approx(list(weights))
    assert found.lambda_max == pytest.approx(4.0) and found.consistency_ratio == pytest.approx(0.0, abs=1e-9)
    assert found.random_index == 0.90


def test_textbook_example() -> None:
    # A classic 3x3 example: weights about 0.637, 0.258, 0.105 and CR about 0.033.
    found = ahp_weights(("cost", "quality", "support"), ((1, 3, 5), (1 / 3, 1, 3), (1 / 5, 1 / 3, 1)))
    assert list(found.weights.values()) == pytest.approx([0.637, 0.258, 0.105], abs=1e-3)
    assert found.consistency_ratio == pytest.approx(0.033, abs=1e-3)
    assert found.consistency_index == pytest.approx((found.lambda_max - 3) / 2)


def test_inconsistent_comparisons_are_refused_in_one_line() -> None:
    cyclic = ((1, 9, 1 / 9), (1 / 9, 1, 9), (9, 1 / 9, 1))  # a > b > c > a
    with pytest.raises(StudyError) as error:
        ahp_weights(("a", "b", "c"), cyclic, file="card.yaml")
    message = str(error.value)
    assert "consistency ratio" in message and "> 0.1" in message and "\n" not in message
    assert message.startswith("card.yaml: ahp.matrix:")


def test_non_reciprocal_comparisons_are_refused() -> None:
    with pytest.raises(StudyError, match="not reciprocal"):
        ahp_weights(("a", "b"), ((1, 3), (3, 1)))


def _fixed(values: np.ndarray, samples: int) -> np.ndarray:
    return np.broadcast_to(values, (samples, *values.shape)).copy()


def test_two_opposite_candidates_split_evenly_with_known_central_weights() -> None:
    values = _fixed(np.array([[100.0, 0.0], [0.0, 100.0]]), 20_000)
    found = smaa(values, np.array([0.5, 0.5]), ["A", "B"], ["x", "y"], rng=np.random.default_rng(1), seed=1)
    # Under Dirichlet(1,1) w_x is uniform: A wins when w_x > 1/2, and then E[w_x] = 3/4.
    assert found.p_best["A"] == pytest.approx(0.5, abs=0.02)
    assert found.central_weights["A"]["x"] == pytest.approx(0.75, abs=0.01)
    assert found.central_weights["B"]["y"] == pytest.approx(0.75, abs=0.01)


def test_a_dominated_candidate_is_never_best_and_acceptabilities_are_distributions() -> None:
    rng = np.random.default_rng(2)
    base = np.array([[80.0, 60.0, 70.0], [60.0, 90.0, 40.0], [50.0, 50.0, 30.0]])
    values = _fixed(base, 5000) + rng.normal(0, 2, size=(5000, 3, 3))
    found = smaa(values, np.array([0.4, 0.4, 0.2]), ["a", "b", "c"], ["x", "y", "z"], rng=rng, seed=2)
    assert found.p_best["c"] == 0.0 and found.central_weights["c"] == {}
    matrix = np.array([found.rank_acceptability[n] for n in ("a", "b", "c")])
    assert matrix.sum(axis=1) == pytest.approx([1, 1, 1]) and matrix.sum(axis=0) == pytest.approx([1, 1, 1])
    assert found.rank_acceptability["c"][2] > 0.95


def test_same_seed_same_figures() -> None:
    values = _fixed(np.array([[70.0, 40.0], [50.0, 60.0]]), 1000)

    def run(seed: int) -> dict[str, float]:
        rng = np.random.default_rng(seed)
        return smaa(values, np.array([0.5, 0.5]), ["a", "b"], ["x", "y"], rng=rng, seed=seed).p_best

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_banded_weights_stay_within_the_band() -> None:
    stated = np.array([0.3, 0.25, 0.2, 0.15, 0.1])
    drawn = draw_weights(np.random.default_rng(3), stated, 5000, band=0.1)
    assert drawn.sum(axis=1) == pytest.approx(np.ones(5000))
    ratio = drawn / stated
    assert ratio.min() >= 0.9 / 1.1 - 1e-12 and ratio.max() <= 1.1 / 0.9 + 1e-12
    assert drawn.mean(axis=0) == pytest.approx(stated, abs=0.005)
    simplex = draw_weights(np.random.default_rng(3), stated, 20_000, band=None)
    assert simplex.mean(axis=0) == pytest.approx(np.full(5, 0.2), abs=0.01)


def test_exactly_tied_candidates_split_the_first_rank() -> None:
    import numpy as np

    from evalkit.scoring.smaa import smaa as run_smaa

    values = np.full((500, 2, 2), 50.0)  # two identical candidates, whatever the weights
    result = run_smaa(values, np.array([0.5, 0.5]), ["Alpha", "Zeta"], ["a", "b"], rng=np.random.default_rng(1), seed=1)
    assert result.p_best == {"Alpha": 0.5, "Zeta": 0.5}
    assert result.rank_acceptability["Zeta"] == [0.5, 0.5]
