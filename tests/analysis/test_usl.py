"""Universal Scalability Law fit: known parameters are recovered; retrograde only when clear."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evalkit.analysis import fit_usl
from evalkit.analysis.usl import usl

LOADS = np.array([1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0])


@pytest.mark.parametrize(("sigma", "kappa"), [(0.05, 0.02), (0.2, 0.0), (0.0, 0.01), (0.1, 0.05)])
def test_recovers_known_parameters(sigma: float, kappa: float) -> None:
    fit = fit_usl(LOADS, usl(LOADS, 10.0, sigma, kappa))
    assert fit is not None
    assert fit.sigma == pytest.approx(sigma, abs=1e-4)
    assert fit.kappa == pytest.approx(kappa, abs=1e-5)
    assert fit.lambda_ == pytest.approx(10.0, rel=1e-4)
    assert fit.r_squared == pytest.approx(1.0, abs=1e-9)
    if kappa > 0:
        assert fit.peak_multiple == pytest.approx(math.sqrt((1 - sigma) / kappa), rel=1e-3)
    else:
        assert not fit.retrograde and fit.peak_multiple is None


def test_retrograde_needs_the_data_to_fall() -> None:
    falling = fit_usl(LOADS, usl(LOADS, 10.0, 0.1, 0.05))  # peak 4.2x, 8x is 17% lower
    assert falling is not None and falling.retrograde
    beyond = fit_usl(LOADS, usl(LOADS, 10.0, 0.0, 0.01))  # peak 10x, beyond the range tested
    assert beyond is not None and beyond.peak_multiple == pytest.approx(10.0, rel=1e-3) and not beyond.retrograde


def test_noisy_retrograde_curve_is_still_retrograde() -> None:
    rng = np.random.default_rng(3)
    observed = usl(LOADS, 10.0, 0.05, 0.05) * (1 + 0.02 * rng.standard_normal(LOADS.size))
    fit = fit_usl(LOADS, observed)
    assert fit is not None and fit.retrograde and 0.9 < fit.r_squared <= 1.0
    assert 3.0 < (fit.peak_multiple or 0) < 8.0


def test_an_open_model_that_keeps_up_is_linear() -> None:
    fit = fit_usl(LOADS[:5], 10.0 * LOADS[:5])
    assert fit is not None and not fit.retrograde
    assert fit.sigma < 1e-3 and fit.kappa < 1e-4


def test_a_plateau_is_contention_not_retrograde() -> None:
    fit = fit_usl(LOADS, np.minimum(10.0 * LOADS, 30.0))
    assert fit is not None and not fit.retrograde and fit.r_squared < 1.0


def test_too_few_points_give_no_fit() -> None:
    assert fit_usl(np.array([1.0, 2.0]), np.array([10.0, 20.0])) is None
    assert fit_usl(np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0, 0.0])) is None


def test_throughput_that_falls_after_saturation_is_retrograde_even_when_kappa_is_uncertain() -> None:
    # Shaped like a centralized engine overrun at 3x and 4x (completed per second).
    fit = fit_usl(np.array([1.0, 1.5, 2.0, 3.0, 4.0]), np.array([9.83, 14.53, 20.33, 21.32, 16.17]))
    assert fit is not None and fit.retrograde and fit.kappa > 0
    assert fit.peak_multiple is not None and 2.0 < fit.peak_multiple < 4.0
