"""Universal Scalability Law fit of throughput against load (Gunther).

    X(N) = λ·N / (1 + σ·(N - 1) + κ·N·(N - 1))

with N the load multiple and X the completed rate (workflows per second). λ is the throughput
per unit of load with no interference (about today's peak rate in an open model that keeps up),
σ the **contention** share (serialisation on a shared resource: throughput flattens towards
λ/σ), κ the **coherency** cost (crosstalk growing with the square of load: throughput peaks
at N* = sqrt((1 - σ)/κ) and then falls, "retrograde" throughput).

The fit is non-linear least squares (``scipy.optimize.curve_fit``) with σ and κ bounded to
[0, 1] and λ positive, from several starting points; goodness of fit is R² on the fitted means.
Throughput is called **retrograde** when the fit has κ > 0 *and* the data show it: the completed
rate at the largest multiple is more than ``RETROGRADE_DROP`` below the highest one measured. A
hard plateau (an open model at capacity) can pull κ above zero because the USL has no sharp
corner; that is contention, not retrograde, and a flag that claimed otherwise would contradict the
curve beside it. The peak N* is reported for retrograde throughput, or when κ is clearly above
zero (its estimate minus 1.96 standard errors from the fit's covariance is positive); otherwise a
noisy plateau's tiny κ would put a meaningless "peak" far beyond anything tested.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import optimize

from evalkit.scorecard_data import UslFit

__all__ = ["RETROGRADE_DROP", "usl", "fit_usl"]

#: Throughput must fall this far below its measured maximum to be called retrograde.
RETROGRADE_DROP = 0.05
#: Below this a fitted κ is numerical dust, whatever the data do.
_KAPPA_FLOOR = 1e-6


def usl(n: np.ndarray, lambda_: float, sigma: float, kappa: float) -> np.ndarray:
    """Throughput the USL predicts at load multiples ``n``."""
    n = np.asarray(n, dtype=float)
    return lambda_ * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0))


def _r_squared(observed: np.ndarray, fitted: np.ndarray) -> float:
    residual = float(np.sum((observed - fitted) ** 2))
    total = float(np.sum((observed - observed.mean()) ** 2))
    if total == 0.0:
        return 1.0 if residual == 0.0 else 0.0
    return 1.0 - residual / total


def _best_parameters(n: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    first = float(x[0] / n[0]) if n[0] > 0 and x[0] > 0 else float(np.max(x / n))
    best: tuple[np.ndarray, np.ndarray] | None = None
    best_cost = math.inf
    for sigma0, kappa0 in ((0.01, 0.0001), (0.1, 0.001), (0.5, 0.01), (0.0, 0.1)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parameters, covariance = optimize.curve_fit(
                    usl, n, x, p0=[first, sigma0, kappa0], bounds=([1e-12, 0.0, 0.0], [np.inf, 1.0, 1.0]), maxfev=20_000
                )
        except (RuntimeError, ValueError):
            continue
        cost = float(np.sum((usl(n, *parameters) - x) ** 2))
        if cost < best_cost:
            best, best_cost = (parameters, covariance), cost
    return best


def fit_usl(multiples: np.ndarray, throughput: np.ndarray) -> UslFit | None:
    """Fit the USL to (multiple, completed rate) pairs; None with fewer than 3 usable points."""
    n = np.asarray(multiples, dtype=float)
    x = np.asarray(throughput, dtype=float)
    keep = np.isfinite(x) & np.isfinite(n) & (n > 0)
    n, x = n[keep], x[keep]
    if n.size < 3 or not np.any(x > 0):
        return None
    found = _best_parameters(n, x)
    if found is None:
        return None
    (lambda_, sigma, kappa), covariance = found
    kappa_se = float(math.sqrt(covariance[2, 2])) if np.all(np.isfinite(covariance)) else math.inf
    clear_kappa = bool(kappa > 0 and math.isfinite(kappa_se) and kappa - 1.96 * kappa_se > 0)
    falls = bool(x[np.argmax(n)] < (1.0 - RETROGRADE_DROP) * x.max())
    retrograde = bool(kappa > _KAPPA_FLOOR and falls)
    peak = math.sqrt((1.0 - sigma) / kappa) if clear_kappa or retrograde else None
    # "lambda" is the field's name in scorecard.json (a Python keyword, hence the model's alias).
    return UslFit.model_validate(
        {
            "sigma": float(sigma),
            "kappa": float(kappa),
            "lambda": float(lambda_),
            "peak_multiple": peak,
            "r_squared": _r_squared(x, usl(n, lambda_, sigma, kappa)),
            "retrograde": retrograde,
        }
    )
