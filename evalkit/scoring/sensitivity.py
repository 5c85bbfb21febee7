"""One-at-a-time weight sensitivity: how far one weight must move before the winner changes.

Change criterion j's normalised weight from w_j to w, rescaling the others proportionally so the
weights still sum to 1. A candidate's total is then linear in w:

    T_a(w) = w · v_aj + (1 - w) · R_a,     R_a = (T_a - w_j · v_aj) / (1 - w_j)

where v_aj is its value on criterion j and R_a its score on the other criteria alone. The
current winner W and a challenger c tie where T_W(w) = T_c(w), i.e. at

    w* = (R_W - R_c) / ((R_W - R_c) - (v_Wj - v_cj))

whenever that lies in [0, 1]. The **critical weight** of criterion j is the tie point nearest
to w_j over all challengers: the smallest change of that one weight that changes the winner
(the tests check it against a brute-force scan). None means no weight in [0, 1] changes it.
``crossover`` gives every total along w = 0..1, the data behind a "weight crossover" chart.
"""

from __future__ import annotations

import numpy as np

from evalkit.scorecard_data import CriticalWeight, WeightCrossover

__all__ = ["totals_at", "critical_weight", "critical_weights", "crossover", "CROSSOVER_POINTS"]

CROSSOVER_POINTS = 21


def totals_at(values: np.ndarray, weights: np.ndarray, criterion: int, weight: float) -> np.ndarray:
    """Totals with criterion's weight set to ``weight`` and the others rescaled to fill the rest."""
    weights = np.asarray(weights, dtype=float)
    others = np.delete(weights, criterion)
    rest = others.sum()
    scaled = others * ((1.0 - weight) / rest) if rest > 0 else others * 0.0
    moved = np.insert(scaled, criterion, weight)
    return np.asarray(values, dtype=float) @ moved


def _winner(totals: np.ndarray) -> int:
    """The best row; ties go to the first, as in the ranking's stable order."""
    return int(np.argmax(totals))


def critical_weight(values: np.ndarray, weights: np.ndarray, criterion: int) -> tuple[float | None, int | None]:
    """(critical normalised weight, new winner's row) for one criterion, by the closed form."""
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    current = float(weights[criterion])
    if values.shape[0] < 2 or current >= 1.0:
        return None, None
    totals = values @ weights
    winner = _winner(totals)
    rest = (totals - current * values[:, criterion]) / (1.0 - current)
    ties = []
    for challenger in range(values.shape[0]):
        if challenger == winner:
            continue
        d_rest = rest[winner] - rest[challenger]
        d_value = values[winner, criterion] - values[challenger, criterion]
        denominator = d_rest - d_value
        if denominator == 0:
            continue  # parallel lines: they never cross (or always tie)
        tie = d_rest / denominator
        if 0.0 <= tie <= 1.0:
            ties.append(float(tie))
    # A tie only at the end of the range (weight 0 or 1) with nothing past it changes nothing: skip it.
    for tie in sorted(ties, key=lambda t: abs(t - current)):
        new = _new_winner(values, weights, criterion, tie, winner)
        if new is not None:
            return tie, new
    return None, None


def _new_winner(values: np.ndarray, weights: np.ndarray, criterion: int, tie: float, winner: int) -> int | None:
    """Who wins just past the tie point (in the direction away from the current weight)."""
    current = float(weights[criterion])
    direction = 1.0 if tie >= current else -1.0
    for step in (1e-9, 1e-7, 1e-5):
        past = min(1.0, max(0.0, tie + direction * step))
        found = _winner(totals_at(values, weights, criterion, past))
        if found != winner:
            return found
    return None


def critical_weights(
    values: np.ndarray, weights: np.ndarray, names: list[str], criteria: list[str]
) -> list[CriticalWeight]:
    """The critical weight of every criterion among the given (eligible) candidates."""
    weights = np.asarray(weights, dtype=float)
    found = []
    for index, criterion_id in enumerate(criteria):
        tie, new = critical_weight(values, weights, index)
        found.append(
            CriticalWeight(
                criterion_id=criterion_id,
                current_weight=float(weights[index]),
                critical_weight=tie,
                change=None if tie is None else tie - float(weights[index]),
                new_winner=None if new is None else names[new],
            )
        )
    return found


def crossover(
    values: np.ndarray, weights: np.ndarray, names: list[str], criterion: int, criterion_id: str
) -> WeightCrossover:
    """Every candidate's total as one criterion's weight sweeps 0..1."""
    grid = np.linspace(0.0, 1.0, CROSSOVER_POINTS)
    series = np.array([totals_at(values, weights, criterion, w) for w in grid])
    return WeightCrossover(
        criterion_id=criterion_id,
        weights=[float(w) for w in grid],
        totals={name: [float(t) for t in series[:, row]] for row, name in enumerate(names)},
    )
