"""Fitting a candidate's design parameters to measured stages, with intervals and a hold-out check.

**Method.** The analytic model (``evalkit.analytic``) predicts, at each measured stage's offered
rate, the mean and p95 cycle time, the throughput, and the utilisation and mean wait of the
platform's own pools (its orchestration units: engine, controllers, coordinator, consumers).
``scipy.optimize.least_squares`` (trust region reflective, bounded) minimises the **relative**
errors against the measurements over the fit stages (a wait's error is taken relative to the
pool's time per visit, so a near-empty queue does not dominate). Times are fitted as multiples of
the study's assumed values; a count (a worker pool) is fitted as a whole number by profiling:
every count in a range is tried with the times fitted under it, and the best is kept.

**Intervals.** A residual bootstrap: the fitted figures, perturbed by relative residuals drawn
with replacement from the fit's own, are refitted (the count re-chosen among its neighbours);
the 2.5% and 97.5% quantiles of the refitted values are the interval. The generator is passed in.
Residuals alone understate the doubt when the model can bend to the noise (a two-parameter fit to
three stages leaves residuals far smaller than the measurements' own error: the reference fit's
interval was [7.25, 7.29] ms around a hidden 7 ms). So each draw also carries the measurement's
own sampling error, from the stage's completed workflows n: a mean or a rate is off by about
1/√n relative, a p95 by about 1.45/√n (the order statistic's spread at an exponential tail:
√(0.95·0.05/n) / (0.05·q95/μ) with q95 = 3μ). A stage that does not say n adds none.

**Identifiability.** A fit needs at least one more unsaturated stage than it has parameters
(so the curve's shape, not just its level, decides each one, and one degree of freedom is left
to judge the fit); otherwise, or when the fitted parameters' sensitivities are nearly collinear,
the calibration is refused in one line that says which parameter to fix (``--fix NAME=VALUE``)
or to measure more multiples.

**Hold-out.** Measured stages above the highest fitted multiple are predicted, not fitted: the
predicted p95 and saturation are set against the measured ones, and the predicted saturation
multiple against the first measured multiple that saturated. Without such stages the
prediction is marked unverified.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from evalkit.analytic.cell import arrival_rate, routes_of, saturation_multiple
from evalkit.analytic.cycle import GRID_SIZE, cycle_time
from evalkit.analytic.model import demands, stations
from evalkit.analytic.network import solve
from evalkit.analytic.routes import Routes
from evalkit.calibrate.measurements import Stage
from evalkit.calibrate.parameters import OVERHEAD, Parameter, apply, assumed, fitted_spec, parameter
from evalkit.design import DesignSpec
from evalkit.errors import InputError
from evalkit.study import Study

__all__ = ["Calibration", "IdentifiabilityError", "Estimate", "HoldOut", "Residual", "StageFit", "calibrate"]

#: Bootstrap replicates for the intervals.
BOOTSTRAP = 15
#: Residual assigned to every figure of a stage the model saturates but the measurement does not.
SATURATION_PENALTY = 5.0
#: Below this ratio of smallest to largest singular value the fitted sensitivities are collinear.
COLLINEAR = 1e-4
#: The largest worker count a fit considers.
MAX_COUNT = 512
#: Grid points of the cycle-time composition while fitting (coarser than a report's, and faster).
FIT_GRID = 1024
#: Utilisations below this are too small to fit to (timer resolution, idle noise).
MIN_UTILIZATION = 0.02


class IdentifiabilityError(InputError):
    """The measurements cannot determine the parameters asked for (the message says what to fix)."""


@dataclass(frozen=True)
class Estimate:
    """One parameter: what the study assumed, what the fit found, and its 95% bootstrap interval."""

    name: str
    kind: str
    meaning: str
    assumed: float
    fitted: float
    low: float
    high: float
    fixed: bool = False


@dataclass(frozen=True)
class Residual:
    """One fitted figure at one stage."""

    multiple: float
    metric: str
    measured: float
    fitted: float
    relative: float


@dataclass(frozen=True)
class HoldOut:
    """A measured stage above the fitted ones, predicted by the calibrated model."""

    multiple: float
    measured_p95: float
    predicted_p95: float
    measured_saturated: bool
    predicted_saturated: bool

    @property
    def p95_error(self) -> float:
        if self.measured_saturated or self.predicted_saturated:
            return math.nan
        return (self.predicted_p95 - self.measured_p95) / self.measured_p95


@dataclass(frozen=True)
class StageFit:
    """One measured stage against the calibrated model at the same offered rate: the curves' points.

    ``role`` says what the stage did: ``fitted`` (the fit saw it), ``held out`` (above the fitted
    multiples: a prediction checked against it) or ``not used`` (below or between, not chosen).
    """

    multiple: float
    role: str
    offered_rate: float
    measured_p95: float
    predicted_p95: float
    measured_throughput: float
    predicted_throughput: float
    measured_saturated: bool
    predicted_saturated: bool


@dataclass(frozen=True)
class Calibration:
    """The outcome of one calibration."""

    candidate: str
    design: str
    fit_multiples: tuple[float, ...]
    estimates: tuple[Estimate, ...]
    residuals: tuple[Residual, ...]
    values: dict[str, float]
    study: Study
    predictions: tuple[dict[str, float | str], ...]
    saturation_multiple: float
    measured_saturation_multiple: float | None
    holdout: tuple[HoldOut, ...] = field(default_factory=tuple)
    saturation_within_one_step: bool | None = None
    stages: tuple[StageFit, ...] = field(default_factory=tuple)
    #: The calibrated model's capacity: the highest rate (workflows per second) it completes.
    capacity: float = math.nan

    @property
    def rms_relative_error(self) -> float:
        errors = [r.relative for r in self.residuals if math.isfinite(r.relative)]
        return float(np.sqrt(np.mean(np.square(errors)))) if errors else math.nan

    @property
    def verified(self) -> bool:
        """Was the prediction checked against measured multiples above the fitted ones?"""
        return bool(self.holdout)


def calibrate(
    study: Study,
    candidate: str,
    stages: Sequence[Stage],
    *,
    fit_multiples: Sequence[float] | None = None,
    fit: Sequence[str] | None = None,
    fixed: dict[str, float] | None = None,
    rng: np.random.Generator,
    bootstrap: int = BOOTSTRAP,
) -> Calibration:
    """Fit ``fit`` (default: the design's) to the stages at ``fit_multiples`` (default: all but the top)."""
    from evalkit.calibrate.parameters import default_fit

    design = study.candidate(candidate).design
    fixed = dict(fixed or {})
    names = [n for n in (fit if fit is not None else default_fit(design)) if n not in fixed]
    parameters = [parameter(design, name) for name in [*names, *fixed]][: len(names)]
    for name in fixed:
        parameter(design, name)
    chosen = _fit_stages(stages, fit_multiples)
    usable = [s for s in chosen if not s.saturated]
    _check_identifiable(parameters, usable, chosen)
    problem = _Problem(study, candidate, parameters, fixed, chosen)
    values, result_jacobian = problem.solve()
    _check_collinear(parameters, result_jacobian)
    residuals = problem.residual_records(values)
    intervals = problem.bootstrap(values, residuals, rng, bootstrap)
    estimates = tuple(
        Estimate(p.name, p.kind, p.meaning, assumed(study, candidate, p.name), values[p.name], *intervals[p.name])
        for p in parameters
    ) + tuple(
        Estimate(
            name, parameter(design, name).kind, parameter(design, name).meaning, assumed(study, candidate, name),
            value, value, value, fixed=True,
        )
        for name, value in fixed.items()
    )  # fmt: skip
    all_values = {**values, **fixed}
    spec = fitted_spec(study, candidate, all_values)
    return _predict(study, candidate, design, chosen, stages, estimates, residuals, all_values, spec)


def _fit_stages(stages: Sequence[Stage], fit_multiples: Sequence[float] | None) -> list[Stage]:
    ordered = sorted(stages, key=lambda s: s.multiple)
    if fit_multiples is None:
        # Keep the top measured multiple for the hold-out check when there are enough below it.
        return ordered[:-1] if len(ordered) > 3 else ordered
    wanted = {float(m) for m in fit_multiples}
    chosen = [s for s in ordered if s.multiple in wanted]
    missing = sorted(wanted - {s.multiple for s in chosen})
    if missing:
        have = ", ".join(f"{s.multiple:g}" for s in ordered)
        raise InputError(f"--fit-multiples: {missing[0]:g}x was not measured; the run has {have}")
    return chosen


def _check_identifiable(parameters: list[Parameter], usable: list[Stage], chosen: list[Stage]) -> None:
    if len(usable) >= len(parameters) + 1:
        return
    names = ", ".join(p.name for p in parameters)
    counts = [p.name for p in parameters if p.kind == "count"]
    fix = counts[0] if counts else parameters[-1].name
    saturated = len(chosen) - len(usable)
    note = f" ({saturated} of the fitted stages saturated)" if saturated else ""
    raise IdentifiabilityError(
        f"{len(usable)} unsaturated stage{'s' if len(usable) != 1 else ''}{note} cannot fix {len(parameters)} "
        f"parameter{'s' if len(parameters) != 1 else ''} ({names}): fix {fix} with --fix {fix}=VALUE, "
        f"or fit more measured multiples"
    )


def _check_collinear(parameters: list[Parameter], jacobian: np.ndarray | None) -> None:
    if jacobian is None or jacobian.shape[1] < 2:
        return
    singular = np.linalg.svd(jacobian, compute_uv=False)
    if singular[0] > 0 and singular[-1] / singular[0] >= COLLINEAR:
        return
    continuous = [p for p in parameters if p.kind == "time"]
    weakest = continuous[int(np.argmin(np.linalg.norm(jacobian, axis=0)))].name
    raise IdentifiabilityError(
        f"the measurements cannot tell {', '.join(p.name for p in continuous)} apart (their effects are "
        f"collinear): fix {weakest} with --fix {weakest}=VALUE"
    )


class _Problem:
    """The least-squares problem of one calibration."""

    def __init__(
        self, study: Study, candidate: str, parameters: list[Parameter], fixed: dict[str, float], stages: list[Stage]
    ) -> None:
        self.study, self.candidate, self.fixed, self.stages = study, candidate, fixed, stages
        self.times = [p for p in parameters if p.kind == "time"]
        self.counts = [p for p in parameters if p.kind == "count"]
        if len(self.counts) > 1:
            raise InputError("calibrate fits at most one count (a worker pool) at a time; fix the others with --fix")
        base = stages[0].value("cycle_time_mean") if stages else 1.0
        self.scales = [
            (assumed(study, candidate, p.name) or (0.1 * base if p.name == OVERHEAD else 0.01)) for p in self.times
        ]
        self.start: np.ndarray | None = None
        self.routes = routes_of(study, fitted_spec(study, candidate, fixed))
        self.orchestration = set(fitted_spec(study, candidate, fixed).orchestration_units())
        self.targets = {(s.multiple, m): s.value(m) for s in stages for m in self._metrics(s)}

    # -- the model ------------------------------------------------------------------------

    def _metrics(self, stage: Stage) -> list[str]:
        if stage.saturated:
            return ["completed_rate"]
        names = ["cycle_time_mean", "cycle_time_p95"]
        for key, value in stage.metrics.items():
            kind, _, pool = key.partition(":")
            fittable = kind in ("utilization", "wait_mean") and pool in self.orchestration and math.isfinite(value)
            if fittable and (kind == "wait_mean" or value >= MIN_UTILIZATION):
                names.append(key)
        return names

    def values(self, x: np.ndarray, count: int | None) -> dict[str, float]:
        found = {p.name: float(v) * s for p, v, s in zip(self.times, x, self.scales, strict=True)}
        if count is not None:
            found[self.counts[0].name] = float(count)
        return found

    def predict(self, values: dict[str, float], stage: Stage) -> dict[str, float]:
        spec = fitted_spec(self.study, self.candidate, {**values, **self.fixed})
        return _stage_figures(spec, stage.offered_rate, FIT_GRID, self.routes)

    def residual_vector(self, values: dict[str, float], targets: dict[tuple[float, str], float]) -> np.ndarray:
        out = []
        for stage in self.stages:
            predicted = self.predict(values, stage)
            for metric in self._metrics(stage):
                out.append(_relative(metric, predicted, targets[(stage.multiple, metric)], stage.saturated))
        return np.asarray(out, dtype=float)

    # -- fitting --------------------------------------------------------------------------

    def solve(
        self, targets: dict[tuple[float, str], float] | None = None, counts: list[int | None] | None = None
    ) -> tuple[dict[str, float], np.ndarray | None]:
        """The best fit: over ``counts`` if given, else by walking the count from the study's value."""
        targets = targets or self.targets
        if not self.counts:
            values, _, jacobian = self._solve_times(None, targets)
            return values, jacobian
        tried: dict[int, tuple[float, dict[str, float], np.ndarray | None]] = {}

        def cost(count: int) -> float:
            if count not in tried:
                values, found, jacobian = self._solve_times(count, targets)
                tried[count] = (found, values, jacobian)
            return tried[count][0]

        if counts is not None:
            for count in counts:
                cost(int(count))  # type: ignore[arg-type]
        else:
            # The fit's cost is unimodal in the count in practice: walk downhill from the study's value.
            count = max(1, round(assumed(self.study, self.candidate, self.counts[0].name)))
            while True:
                here = cost(count)
                better = [c for c in (count - 1, count + 1) if 1 <= c <= MAX_COUNT and cost(c) < here]
                if not better:
                    break
                count = min(better, key=cost)
        best = min(tried.values(), key=lambda entry: entry[0])
        return best[1], best[2]

    def _solve_times(
        self, count: int | None, targets: dict[tuple[float, str], float]
    ) -> tuple[dict[str, float], float, np.ndarray | None]:
        if not self.times:
            values = self.values(np.zeros(0), count)
            return values, float(np.sum(self.residual_vector(values, targets) ** 2)), None
        lower = np.zeros(len(self.times))
        upper = np.full(len(self.times), 50.0)
        # Every time starts at its scale (the overhead's: a tenth of the lightest stage's cycle time).
        # Not at zero: on the bound, a finite-difference step is too small for the cycle-time grid
        # to register, the gradient reads zero and the fit never leaves the start.
        x0 = np.ones(len(self.times))
        if self.start is not None:  # a refit starts from the fit it perturbs
            x0 = np.clip(self.start, lower, upper)
        result = optimize.least_squares(
            lambda x: self.residual_vector(self.values(x, count), targets),
            x0,
            bounds=(lower, upper),
            method="trf",
            x_scale=1.0,
            diff_step=1e-3,
            ftol=1e-5,
            xtol=1e-5,
            max_nfev=60,
        )
        return self.values(result.x, count), float(2 * result.cost), result.jac

    def residual_records(self, values: dict[str, float]) -> list[Residual]:
        records = []
        for stage in self.stages:
            predicted = self.predict(values, stage)
            for metric in self._metrics(stage):
                measured = self.targets[(stage.multiple, metric)]
                relative = _relative(metric, predicted, measured, stage.saturated)
                records.append(Residual(stage.multiple, metric, measured, predicted.get(metric, math.nan), relative))
        return records

    def bootstrap(
        self, values: dict[str, float], residuals: list[Residual], rng: np.random.Generator, replicates: int
    ) -> dict[str, tuple[float, float]]:
        names = [p.name for p in self.times] + [p.name for p in self.counts]
        pool = np.array([r.relative for r in residuals if math.isfinite(r.relative)])
        # Centred, as a residual bootstrap needs: a fit whose residuals share a sign (a model that
        # misses the curve's shape) would otherwise shift every refit, and the interval would
        # miss its own estimate.
        pool = pool - pool.mean() if pool.size else pool
        if replicates < 2 or pool.size == 0:
            return {name: (values[name], values[name]) for name in names}
        counts: list[int | None] = [None]
        if self.counts:
            centre = round(values[self.counts[0].name])
            counts = [c for c in (centre - 1, centre, centre + 1) if c >= 1]
        draws: dict[str, list[float]] = {name: [] for name in names}
        self.start = np.array([values[p.name] / scale for p, scale in zip(self.times, self.scales, strict=True)])
        spread = self._sampling_spread()
        for _ in range(replicates):
            targets = {
                (r.multiple, r.metric): r.fitted
                * (1 + float(rng.choice(pool)) + spread.get((r.multiple, r.metric), 0.0) * float(rng.standard_normal()))
                if math.isfinite(r.fitted)
                else r.measured
                for r in residuals
            }
            refit, _ = self.solve(targets, counts)
            for name in names:
                draws[name].append(refit[name])
        self.start = None
        return {name: (float(np.quantile(v, 0.025)), float(np.quantile(v, 0.975))) for name, v in draws.items()}

    def _sampling_spread(self) -> dict[tuple[float, str], float]:
        """Each fitted figure's own relative sampling error, from its stage's completed workflows."""
        spread: dict[tuple[float, str], float] = {}
        for stage in self.stages:
            completed = stage.value("completed")
            if not (math.isfinite(completed) and completed > 0):
                continue
            for metric in self._metrics(stage):
                factor = P95_SPREAD if metric.endswith("_p95") else 1.0
                spread[(stage.multiple, metric)] = factor / math.sqrt(completed)
        return spread


P95_SPREAD = 1.45  # relative spread of a p95 times √n, at an exponential tail (module docstring)


def _stage_figures(
    spec: DesignSpec, rate: float, size: int = GRID_SIZE, routes: Routes | None = None
) -> dict[str, float]:
    """The analytic figures a stage is fitted to, at this offered rate."""
    network = solve(stations(spec), demands(spec, routes), rate)
    figures: dict[str, float] = {"completed_rate": min(rate, network.max_rate)}
    if network.saturated:
        figures["saturated"] = 1.0
        return figures
    cycle = cycle_time(spec, network, size, routes)
    figures.update(cycle_time_mean=cycle.mean, cycle_time_p95=cycle.p95, saturated=0.0)
    for name, station in network.stations.items():
        figures[f"utilization:{name}"] = station.utilization
        figures[f"wait_mean:{name}"] = station.wait_mean
        figures[f"hold_mean:{name}"] = station.hold_mean
    return figures


def _relative(metric: str, predicted: dict[str, float], measured: float, stage_saturated: bool) -> float:
    if not stage_saturated and predicted.get("saturated", 0.0):
        return SATURATION_PENALTY
    value = predicted.get(metric, math.nan)
    if not math.isfinite(value) or not math.isfinite(measured):
        return SATURATION_PENALTY
    if metric.startswith("wait_mean:"):
        hold = predicted.get("hold_mean:" + metric.partition(":")[2], 0.0)
        return (value - measured) / max(measured + hold, 1e-9)
    return (value - measured) / max(abs(measured), 1e-9)


def _predict(
    study: Study,
    candidate: str,
    design: str,
    chosen: list[Stage],
    stages: Sequence[Stage],
    estimates: tuple[Estimate, ...],
    residuals: list[Residual],
    values: dict[str, float],
    spec: DesignSpec,
) -> Calibration:
    levels = sorted({*study.traffic.multiples, *(s.multiple for s in stages)})
    routes = routes_of(study, spec)
    predictions: list[dict[str, float | str]] = []
    for multiple in levels:
        figures = _stage_figures(spec, arrival_rate(study, multiple), routes=routes)
        network_bottleneck = solve(stations(spec), demands(spec, routes), arrival_rate(study, multiple)).bottleneck
        predictions.append(
            {
                "multiple": multiple,
                "cycle_time_mean": figures.get("cycle_time_mean", math.nan),
                "cycle_time_p95": figures.get("cycle_time_p95", math.nan),
                "saturated": figures["saturated"],
                "bottleneck": network_bottleneck,
            }
        )
    top = max(s.multiple for s in chosen)
    fitted_multiples = {s.multiple for s in chosen}
    compared = []
    for stage in sorted(stages, key=lambda s: s.multiple):
        figures = _stage_figures(spec, stage.offered_rate, routes=routes)
        role = "fitted" if stage.multiple in fitted_multiples else "held out" if stage.multiple > top else "not used"
        compared.append(
            StageFit(
                stage.multiple,
                role,
                stage.offered_rate,
                stage.value("cycle_time_p95"),
                figures.get("cycle_time_p95", math.nan),
                stage.value("completed_rate"),
                figures["completed_rate"],
                stage.saturated,
                bool(figures["saturated"]),
            )
        )
    capacity = solve(stations(spec), demands(spec, routes), arrival_rate(study, 1.0)).max_rate
    holdout = []
    for stage in sorted(stages, key=lambda s: s.multiple):
        if stage.multiple <= top:
            continue
        figures = _stage_figures(spec, stage.offered_rate, routes=routes)
        holdout.append(
            HoldOut(
                stage.multiple,
                stage.value("cycle_time_p95"),
                figures.get("cycle_time_p95", math.nan),
                stage.saturated,
                bool(figures["saturated"]),
            )
        )
    predicted = saturation_multiple(spec, study, routes)
    measured = next((s.multiple for s in sorted(stages, key=lambda s: s.multiple) if s.saturated), None)
    within = _within_one_step(predicted, measured, [s.multiple for s in stages]) if holdout else None
    return Calibration(
        candidate=candidate,
        design=design,
        fit_multiples=tuple(s.multiple for s in chosen),
        estimates=estimates,
        residuals=tuple(residuals),
        values=values,
        study=apply(study, candidate, values),
        predictions=tuple(predictions),
        saturation_multiple=predicted,
        measured_saturation_multiple=measured,
        holdout=tuple(holdout),
        saturation_within_one_step=within,
        stages=tuple(compared),
        capacity=float(capacity),
    )


def _within_one_step(predicted: float, measured: float | None, multiples: Sequence[float]) -> bool:
    """Is the predicted saturation multiple within one tested step of where the measurement saturated?"""
    levels = sorted(set(multiples))
    if measured is None:
        # Never saturated: the prediction must not fall below the top step's neighbour.
        return predicted > (levels[-2] if len(levels) > 1 else 0.0)
    index = levels.index(measured)
    low = levels[index - 2] if index >= 2 else 0.0
    high = levels[index + 1] if index + 1 < len(levels) else math.inf
    return low < predicted <= high
