"""Stochastic multicriteria acceptability analysis (SMAA-2, Lahdelma & Salminen 2001).

Instead of trusting one weight vector and one value per cell, draw many of each and count:

* **weights** uniformly on the simplex (Dirichlet(1): every weighting equally likely, for when
  the stated weights are contested), or within a relative band around the stated weights
  (each weight × U(1 - band, 1 + band), renormalised), as the scorecard's ``robustness`` says;
* **values** from each cell's own uncertainty (``Valued.draw``): measured means from their
  confidence interval, assessed criteria by resampling assessors; fixed figures stay fixed.

Per candidate, the **rank acceptability** b(r) is the share of draws in which it holds rank r;
P(best) is b(1); the **central weight vector** is the mean weight vector over the draws in which
it ranks first: the typical weighting that makes it win (empty if it never does). The generator
is passed in, seeded from the study's seed, so a rerun gives the same figures.
"""

from __future__ import annotations

import numpy as np

from evalkit.scorecard_data import Smaa

__all__ = ["draw_weights", "smaa"]


def draw_weights(rng: np.random.Generator, weights: np.ndarray, samples: int, band: float | None) -> np.ndarray:
    """(samples, criteria) weight vectors, each summing to 1."""
    weights = np.asarray(weights, dtype=float)
    if band is None:
        return rng.dirichlet(np.ones(weights.size), samples)
    jittered = weights * rng.uniform(1.0 - band, 1.0 + band, size=(samples, weights.size))
    return jittered / jittered.sum(axis=1, keepdims=True)


def _acceptability(totals: np.ndarray, count: int) -> np.ndarray:
    """P(candidate holds rank r); candidates tied in a draw split the ranks they span equally."""
    acceptability = np.zeros((count, count))
    ranks = np.arange(count)[None, :]
    for candidate in range(count):
        own = totals[:, [candidate]]
        better = (totals > own).sum(axis=1)[:, None]
        tied = (totals == own).sum(axis=1)[:, None]
        spans = (ranks >= better) & (ranks < better + tied)
        acceptability[candidate] = (spans / tied).mean(axis=0)
    return acceptability


def smaa(
    values: np.ndarray,
    weights: np.ndarray,
    names: list[str],
    criteria: list[str],
    *,
    rng: np.random.Generator,
    seed: int,
    band: float | None = None,
) -> Smaa:
    """SMAA-2 over drawn values ``(samples, candidates, criteria)`` and drawn weights."""
    values = np.asarray(values, dtype=float)
    samples, count, _ = values.shape
    drawn = draw_weights(rng, weights, samples, band)
    totals = np.einsum("scj,sj->sc", values, drawn)
    # Rank 0 = best (for the central weights); exact ties share their ranks in the acceptability.
    order = np.argsort(-totals, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(count)[None, :].repeat(samples, axis=0), axis=1)
    acceptability = _acceptability(totals, count)
    central = {}
    for row, name in enumerate(names):
        best = ranks[:, row] == 0
        central[name] = (
            {c: float(w) for c, w in zip(criteria, drawn[best].mean(axis=0), strict=True)} if best.any() else {}
        )
    return Smaa(
        samples=samples,
        seed=seed,
        rank_acceptability={name: [float(p) for p in acceptability[row]] for row, name in enumerate(names)},
        p_best={name: float(acceptability[row, 0]) for row, name in enumerate(names)},
        central_weights=central,
        weight_band=band,
    )
