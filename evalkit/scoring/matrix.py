"""The weighted-sum matrix: normalised weights, totals, knock-outs and ranks.

A candidate's **total** is the sum over criteria of value (0..100) × normalised weight, so it is
itself on 0..100 and each term is that criterion's **contribution**. A candidate with a missing
value has no total (None), only a partial sum of the contributions that exist, flagged; it is
never ranked as if the missing value were zero.

**Knock-outs** are checked before weighting: a candidate that fails one (``max_sustainable_multiple
>= 3``) cannot win, whatever its total, and is shown with the reason; its total is still computed
for reference. A knock-out whose metric is missing cannot be checked: the candidate stays in, and a
warning says so.

**Ranks** (1 = best): first the candidates that are neither knocked out nor missing a value, by
total; then those missing a value, by partial total; then the knocked-out ones, by total (or
partial). Equal scores share a rank (competition ranking: 1, 1, 3).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

import numpy as np

from evalkit.analysis import MetricValue

__all__ = ["normalise", "weighted_totals", "partial_totals", "rank", "KNOCKOUT_OPERATORS", "knockout_fails"]

KNOCKOUT_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": lambda a, b: math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12),
}


def normalise(weights: np.ndarray) -> np.ndarray:
    """Weights scaled to sum to 1 (they must be positive)."""
    weights = np.asarray(weights, dtype=float)
    total = weights.sum(axis=-1, keepdims=True)
    if np.any(total <= 0):
        raise ValueError("weights must sum to a positive number")
    return weights / total


def weighted_totals(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per candidate (row) the weighted sum of its values (0..100); NaN where any value is missing."""
    return np.asarray(values, dtype=float) @ normalise(weights)


def partial_totals(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The sum of the contributions that exist (missing values contribute nothing, and are flagged elsewhere)."""
    return np.nan_to_num(np.asarray(values, dtype=float), nan=0.0) @ normalise(weights)


def _group(total: float, knocked_out: bool) -> int:
    if knocked_out:
        return 2
    return 1 if math.isnan(total) else 0


def rank(totals: np.ndarray, partials: np.ndarray, knocked_out: np.ndarray) -> np.ndarray:
    """Competition ranks: eligible by total, then incomplete by partial, then knocked out."""
    keys = []
    for total, partial, out in zip(totals, partials, knocked_out, strict=True):
        score = partial if math.isnan(total) else total
        keys.append((_group(float(total), bool(out)), -round(float(score), 9)))
    return np.array([1 + sum(other < key for other in keys) for key in keys], dtype=int)


def knockout_fails(value: MetricValue, op: str, threshold: float) -> bool | None:
    """Whether a knock-out rejects this value; None when it cannot be told.

    That is when the value is missing, and when it is only a lower bound ("≥ 2x": it never broke
    at the largest multiple tested) that falls short of a "must reach" threshold: nobody tested
    whether it would reach it, so it is neither passed nor knocked out.
    """
    if value.value is None:
        return None
    passes = KNOCKOUT_OPERATORS[op](value.value, threshold)
    if not passes and op in (">=", ">") and value.display.startswith("≥"):
        return None
    return not passes
