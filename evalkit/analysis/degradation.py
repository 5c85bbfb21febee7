"""Degradation class and knee: how a design's latency grows with load, judged against queueing.

Even a healthy system slows down as load rises: a queue in front of a resource at utilisation
rho makes the time spent there grow as 1/(1 - rho). So "it got slower" says nothing; the question
is whether it got slower *than queueing explains*. The class is read from the p95 cycle time
against the load multiple m, over the multiples that are not saturated (a saturated run's
latency is not a steady state), by fitting three shapes in order of severity:

1. **linear**: ``p95 = a + b·m``. Growth no worse than proportional to load; what a system far
   from saturation shows (1/(1-rho) is close to 1 + rho when rho is small).
2. **superlinear** (the queueing baseline): ``p95 = a + b / (1 - m/c)``, an M/M/1-shaped curve
   with capacity c (the multiple at which the bottleneck would be fully busy). When the results
   carry ``utilization:*`` metrics, c is *not* free: it is fixed by the bottleneck's measured
   utilisation, rho(m) = rho1·m (least squares through the origin over the unsaturated
   multiples, the resource busiest at the largest of them), c = 1/rho1. Latency then has to grow
   the way that resource's queue can make it grow. Without utilisation data (a black-box load
   test) c is fitted, which is more lenient, and the note says so.
3. **exponential**: ``p95 = a + b·e^(k·m)``, steady relative growth from the first multiple on,
   faster than the measured utilisation can explain: contention, retry storms, thrashing.

All coefficients are non-negative (a is the no-load latency floor). Fits are weighted least
squares on *relative* residuals, since latency spans orders of magnitude. A shape is **adequate**
when the root mean square of its relative residuals, each divided by its tolerance, is at most 1;
a point's tolerance is ``RELATIVE_TOLERANCE`` or its own 95% half-width relative to its mean,
whichever is larger, so noise cannot make a shape look wrong. The class is the first adequate
shape in the order above (the simplest that explains the data); if none is adequate, the
closest. With three usable multiples only linear against not-linear can be told apart (a
three-parameter curve fits three points exactly); fewer than three give ``unknown``.

The **knee** is where the chosen curve bends, found with the Kneedle method (Satopää et al.,
2011): scale multiple and latency to [0, 1] over the fitted range and take the multiple where
the curve lies furthest below the chord. A straight line has no knee (None); so has a curve
whose furthest point is less than ``KNEE_MIN_DISTANCE`` below its chord.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from evalkit.analysis.curves import Curve

__all__ = [
    "RELATIVE_TOLERANCE",
    "KNEE_MIN_DISTANCE",
    "ShapeFit",
    "Degradation",
    "classify",
    "classify_curve",
    "knee",
    "bottleneck_slope",
]

RELATIVE_TOLERANCE = 0.10
KNEE_MIN_DISTANCE = 0.05
_GRID = 201

Shape = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ShapeFit:
    """One fitted shape: its name, the fitted function and how far it misses (1 = at tolerance)."""

    name: str
    curve: Shape
    misfit: float
    parameters: tuple[float, ...]


@dataclass(frozen=True)
class Degradation:
    """The class of one latency curve, the knee, and how they were found."""

    degradation_class: str  # linear | superlinear | exponential | unknown
    knee_multiple: float | None
    note: str
    fits: tuple[ShapeFit, ...] = ()


def _misfit(fitted: np.ndarray, observed: np.ndarray, tolerance: np.ndarray) -> float:
    relative = (fitted - observed) / observed
    return float(np.sqrt(np.mean((relative / tolerance) ** 2)))


def _fit_linear_in_parameters(columns: list[np.ndarray], y: np.ndarray) -> np.ndarray:
    """Non-negative coefficients minimising relative residuals (rows divided by y)."""
    design = np.column_stack(columns) / y[:, None]
    coefficients, _ = optimize.nnls(design, np.ones_like(y))
    return coefficients


def _linear(m: np.ndarray, y: np.ndarray, tol: np.ndarray) -> ShapeFit:
    a, b = _fit_linear_in_parameters([np.ones_like(m), m], y)
    curve: Shape = lambda x: a + b * np.asarray(x, dtype=float)  # noqa: E731
    return ShapeFit("linear", curve, _misfit(curve(m), y, tol), (a, b))


def _queueing_fixed(m: np.ndarray, y: np.ndarray, tol: np.ndarray, capacity: float) -> ShapeFit:
    growth = 1.0 / (1.0 - m / capacity)
    a, b = _fit_linear_in_parameters([np.ones_like(m), growth], y)
    curve: Shape = lambda x: a + b / (1.0 - np.asarray(x, dtype=float) / capacity)  # noqa: E731
    return ShapeFit("superlinear", curve, _misfit(curve(m), y, tol), (a, b, capacity))


def _curve_fit(function: Callable[..., np.ndarray], m: np.ndarray, y: np.ndarray, starts: list[list[float]],
               bounds: tuple[list[float], list[float]]) -> np.ndarray | None:  # fmt: skip
    """Best of several starting points; None if every start fails to converge."""
    best, best_cost = None, math.inf
    for start in starts:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parameters, _ = optimize.curve_fit(function, m, y, p0=start, sigma=y, bounds=bounds, maxfev=20_000)
        except (RuntimeError, ValueError, optimize.OptimizeWarning):
            continue
        cost = float(np.sum(((function(m, *parameters) - y) / y) ** 2))
        if cost < best_cost:
            best, best_cost = parameters, cost
    return best


def _queueing_free(m: np.ndarray, y: np.ndarray, tol: np.ndarray) -> ShapeFit | None:
    top = float(m.max())

    def function(x: np.ndarray, a: float, b: float, capacity: float) -> np.ndarray:
        return a + b / (1.0 - x / capacity)

    starts = [[0.5 * y[0], 0.5 * y[0], top * f] for f in (1.02, 1.1, 1.5, 3.0, 10.0)]
    bounds = ([0.0, 0.0, top * 1.0001], [np.inf, np.inf, top * 1000.0])
    parameters = _curve_fit(function, m, y, starts, bounds)
    if parameters is None:
        return None
    a, b, capacity = (float(p) for p in parameters)
    curve: Shape = lambda x: function(np.asarray(x, dtype=float), a, b, capacity)  # noqa: E731
    return ShapeFit("superlinear", curve, _misfit(curve(m), y, tol), (a, b, capacity))


def _exponential(m: np.ndarray, y: np.ndarray, tol: np.ndarray) -> ShapeFit | None:
    """``a + b·e^(k·m)`` by variable projection: for a fixed rate k the best non-negative (a, b) is a
    linear least-squares problem, so only k is searched (a grid over [0, 50/max m], then a bounded
    refinement around the best grid point). This finds the global best k to the grid's resolution
    in milliseconds; a multi-start ``curve_fit`` spent seconds per curve (most of ``analyse``'s time)
    wandering along the flat valley where b→∞, k→0 imitates a straight line."""
    top = float(m.max())

    def coefficients(rate: float) -> tuple[float, float, float]:
        # e^(k·(m - top)) keeps the column within [e^-50, 1]; b is scaled back afterwards.
        a, scaled_b = _fit_linear_in_parameters([np.ones_like(m), np.exp(rate * (m - top))], y)
        fitted = a + scaled_b * np.exp(rate * (m - top))
        return float(a), float(scaled_b) * math.exp(-rate * top), float(np.sum(((fitted - y) / y) ** 2))

    highest = 50.0 / top
    grid = np.concatenate([[0.0], np.geomspace(highest * 1e-4, highest, 160)])
    costs = [coefficients(float(rate))[2] for rate in grid]
    best = int(np.argmin(costs))
    low, high = float(grid[max(best - 1, 0)]), float(grid[min(best + 1, grid.size - 1)])
    rate = float(grid[best])
    if high > low:
        refined = optimize.minimize_scalar(
            lambda k: coefficients(float(k))[2], bounds=(low, high), method="bounded", options={"xatol": 1e-9 * highest}
        )
        if refined.success and float(refined.fun) <= costs[best]:
            rate = float(refined.x)
    a, b, _ = coefficients(rate)
    if not all(math.isfinite(v) for v in (a, b, rate)):
        return None

    def function(x: np.ndarray) -> np.ndarray:
        return a + b * np.exp(rate * np.asarray(x, dtype=float))

    return ShapeFit("exponential", function, _misfit(function(m), y, tol), (a, b, rate))


def knee(curve: Shape, low: float, high: float) -> float | None:
    """Kneedle on a fitted increasing curve over [low, high]; None for a (near) straight line."""
    if high <= low:
        return None
    x = np.linspace(low, high, _GRID)
    y = curve(x)
    span = float(y.max() - y.min())
    if not np.all(np.isfinite(y)) or span <= 0:
        return None
    distance = (x - low) / (high - low) - (y - y.min()) / span
    index = int(np.argmax(distance))
    return float(x[index]) if distance[index] >= KNEE_MIN_DISTANCE else None


def classify(
    multiples: np.ndarray,
    latency: np.ndarray,
    half_widths: np.ndarray | None = None,
    capacity: float | None = None,
) -> Degradation:
    """Classify a latency curve (unsaturated points only) against the queueing baseline.

    ``capacity`` is the multiple at which the bottleneck is fully busy, from measured utilisation;
    None lets the queueing shape fit its own.
    """
    m = np.asarray(multiples, dtype=float)
    y = np.asarray(latency, dtype=float)
    usable = np.isfinite(y) & (y > 0)
    m, y = m[usable], y[usable]
    if m.size < 3:
        return Degradation("unknown", None, f"{m.size} usable multiple(s); at least 3 are needed to judge the shape")
    relative_half = np.zeros_like(y) if half_widths is None else np.nan_to_num(np.asarray(half_widths)[usable] / y)
    tolerance = np.maximum(RELATIVE_TOLERANCE, relative_half)
    fits = _fits(m, y, tolerance, capacity)
    chosen = next((fit for fit in fits if fit.misfit <= 1.0), None)
    closest = min(fits, key=lambda fit: fit.misfit)
    selected = chosen or closest
    bend = None if selected.name == "linear" else knee(selected.curve, float(m.min()), float(m.max()))
    return Degradation(selected.name, bend, _describe(fits, chosen, capacity, m), tuple(fits))


def _fits(m: np.ndarray, y: np.ndarray, tolerance: np.ndarray, capacity: float | None) -> list[ShapeFit]:
    fits = [_linear(m, y, tolerance)]
    if capacity is not None:
        fits.append(_queueing_fixed(m, y, tolerance, max(capacity, float(m.max()) * 1.01)))
    else:
        free = _queueing_free(m, y, tolerance)
        if free is not None:
            fits.append(free)
    exponential = _exponential(m, y, tolerance)
    if exponential is not None:
        fits.append(exponential)
    return fits


def _describe(fits: list[ShapeFit], chosen: ShapeFit | None, capacity: float | None, m: np.ndarray) -> str:
    misfits = ", ".join(f"{fit.name} {fit.misfit:.2f}" for fit in fits)
    if capacity is not None:
        baseline = f"queueing baseline from measured utilisation (capacity {capacity:.3g}x)"
    else:
        baseline = "no utilisation data: queueing capacity fitted from the latency curve"
    verdict = (
        f"{chosen.name} is the simplest adequate shape"
        if chosen
        else "no shape fits within tolerance; the closest is used"
    )
    return f"{verdict}; misfit (1 = at tolerance): {misfits}; {baseline}; multiples {m.min():g}x-{m.max():g}x"


def bottleneck_slope(curve: Curve, unsaturated: np.ndarray) -> tuple[str, float] | None:
    """(resource, rho1): the busiest resource at the largest unsaturated multiple, rho ≈ rho1·m."""
    cells = [cell for cell, keep in zip(curve.cells, unsaturated, strict=True) if keep]
    if not cells or not cells[-1].utilizations():
        return None
    top = cells[-1].utilizations()
    resource = max(sorted(top), key=lambda r: top[r])
    points = [(c.multiple, c.utilizations().get(resource, math.nan)) for c in cells]
    m = np.array([p[0] for p in points])
    rho = np.array([p[1] for p in points])
    keep = np.isfinite(rho)
    if not keep.any() or float(np.sum(m[keep] ** 2)) == 0:
        return None
    slope = float(np.sum(m[keep] * rho[keep]) / np.sum(m[keep] ** 2))
    return (resource, slope) if slope > 0 else None


def classify_curve(curve: Curve) -> Degradation:
    """The degradation class and knee of one baseline curve's p95 cycle time."""
    unsaturated = np.array([not cell.saturated for cell in curve.cells], dtype=bool)
    m = curve.multiples[unsaturated]
    p95 = curve.series("cycle_time_p95")[unsaturated]
    half = np.array([(e.high - e.low) / 2 if (e := c.get("cycle_time_p95")) is not None else 0.0 for c in curve.cells])[
        unsaturated
    ]
    slope = bottleneck_slope(curve, unsaturated)
    result = classify(m, p95, half, capacity=1.0 / slope[1] if slope else None)
    extra = []
    if slope:
        extra.append(f"bottleneck {slope[0]}")
    if not unsaturated.all():
        saturated = ", ".join(f"{x:g}x" for x in curve.multiples[~unsaturated])
        extra.append(f"saturated at {saturated} (excluded from the fit)")
    note = "; ".join([result.note, *extra])
    return Degradation(result.degradation_class, result.knee_multiple, note, result.fits)
