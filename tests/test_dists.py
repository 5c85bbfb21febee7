"""Distributions draw what their specification says: mean and variance inside sampling CIs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evalkit import dists

SPECS = [
    dists.constant(0.25),
    dists.exponential(2.0),
    dists.lognormal(1.5, 0.8),
    dists.lognormal(1.0, 2.0),
    dists.empirical([0.1, 0.2, 0.2, 5.0]),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.dist)
def test_sample_mean_matches_the_specification(spec: dists.DistributionSpec) -> None:
    rng = np.random.default_rng(5)
    # 40 batch means: a t-interval that is valid even for the heavy-tailed lognormal (cv 2).
    means = [dists.sample(spec, rng, 20_000).mean() for _ in range(40)]
    mean, spread = float(np.mean(means)), float(np.std(means, ddof=1)) / math.sqrt(len(means))
    assert abs(mean - spec.mean) <= 2.03 * spread + 1e-12
    assert all(value >= 0 for value in dists.sample(spec, rng, 1000))


@pytest.mark.parametrize("spec", [dists.exponential(2.0), dists.lognormal(1.5, 0.8)], ids=lambda s: s.dist)
def test_sample_variance_matches_the_specification(spec: dists.DistributionSpec) -> None:
    rng = np.random.default_rng(6)
    variances = [dists.sample(spec, rng, 20_000).var() for _ in range(40)]
    mean, spread = float(np.mean(variances)), float(np.std(variances, ddof=1)) / math.sqrt(len(variances))
    assert abs(mean - spec.variance) <= 2.03 * spread


def test_batch_yields_the_draws_in_order_across_refills() -> None:
    batch = dists.Batch.of(dists.exponential(1.0), np.random.default_rng(3), size=7)
    values = [batch() for _ in range(20)]
    rng = np.random.default_rng(3)
    expected = np.concatenate([rng.exponential(1.0, 7) for _ in range(3)])[:20]
    assert values == expected.tolist()
    coins = dists.Batch.uniform(np.random.default_rng(4))
    assert all(0 <= coins() < 1 for _ in range(3000))
