"""The cycle-time distribution of a completed workflow, composed from its phases on a grid.

Given a design spec (``evalkit.design``) and its network solved at one arrival rate
(``evalkit.analytic.network``), each visit becomes a time distribution on a ``Grid``: a hold is
the pool's wait (zero with probability 1 - P(wait), exponential beyond; exact for M/M/c) plus the
hold's law; an occupy adds the outer pool's wait to its inner visits; a delay is its law. A step is a mixture over how its exception plays out
(retries with their backoffs, compensation, a manual resolution), conditioned on the step
succeeding, since the cycle-time statistics are over completed workflows.

**Fork and join.** Parallel branches are treated as independent and a join takes the maximum of
their times, E[max] = ∫(1 - Π Fᵢ). Branches that share stations (an engine, a store) are
positively associated, and for associated variables the independent maximum is an upper bound
(Nelson and Tantawi, "Approximate analysis of fork/join synchronization in parallel queues",
IEEE Transactions on Computers 37(6):739-743, 1988, who derive it and a scaling correction for
homogeneous M/M/1 branches; our branches are heterogeneous chains, so the bound is used as the
approximation). Branches that share an ancestor are not made independent of each other through
it: a join is computed relative to its immediate dominator (the last step every path to it goes
through), so the common prefix is counted once. That is exact composition for series-parallel
processes. Where a join's branches share steps below that dominator (a process that is not
series-parallel), the workflow is composed instead by **sampling**: each step's and edge's law
is computed on the grid as above, ``SAMPLES`` stratified draws are taken from each by inverse
CDF, and the DAG's sums and maxima are taken draw by draw, which keeps every shared segment's
correlation. The draws use a fixed seed: the result is a deterministic numerical integral.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from evalkit.analytic.grid import Grid, Spectrum
from evalkit.analytic.model import visit_ratios
from evalkit.analytic.network import NetworkSolution
from evalkit.analytic.routes import Routes
from evalkit.design.rules import backoff
from evalkit.design.spec import Delay, DesignSpec, Hold, Occupy, Visit
from evalkit.study.workload import ExceptionSpec

__all__ = ["CycleTime", "cycle_time"]

START = -1
GRID_SIZE = 2048
#: Draws per step when a non-series-parallel process is composed by sampling.
SAMPLES = 20_000
#: Fixed seed of those draws: the same design gives the same figures (common random numbers).
SAMPLING_SEED = 0x5EED
#: Mass allowed beyond the grid before it is widened.
LOST_TOLERANCE = 2e-4


@dataclass(frozen=True)
class CycleTime:
    """Mean and percentiles of a completed workflow's cycle time (seconds)."""

    mean: float
    p50: float
    p95: float
    p99: float
    #: The same per workflow type of a mix (empty for a single type).
    by_type: dict[str, CycleTime] = field(default_factory=dict)

    @classmethod
    def unbounded(cls) -> CycleTime:
        return cls(math.inf, math.inf, math.inf, math.inf)


def cycle_time(
    model: DesignSpec, network: NetworkSolution, size: int = GRID_SIZE, routes: Routes | None = None
) -> CycleTime:
    """The cycle-time distribution of a design in its solved ``network`` (infinite when saturated).

    ``routes`` (``evalkit.analytic.routes``) carries a process's decisions, rework loops and
    workflow types; such a process is composed by sampling, draw by draw along its routing.
    """
    if network.saturated:
        return CycleTime.unbounded()
    span = _span_estimate(model, network)
    for _ in range(6):
        grid = Grid(size, span / size)
        composer = _Composer(model, network, grid)
        if routes is not None or not composer.series_parallel:
            return composer.sampled(routes)
        spectrum = composer.workflow()
        if grid.lost(spectrum) <= LOST_TOLERANCE:
            break
        span *= 2
    return CycleTime(
        grid.mean(spectrum),
        grid.percentile(spectrum, 0.50),
        grid.percentile(spectrum, 0.95),
        grid.percentile(spectrum, 0.99),
    )


def _statistics(times: np.ndarray) -> CycleTime:
    p50, p95, p99 = np.quantile(times, [0.50, 0.95, 0.99])
    return CycleTime(float(times.mean()), float(p50), float(p95), float(p99))


def _moments(visit: Visit, network: NetworkSolution) -> tuple[float, float]:
    """Mean and second moment of one visit's time (its wait treated as exponential)."""
    if isinstance(visit, Delay):
        return float(visit.time.mean), float(visit.time.variance + visit.time.mean**2)
    if isinstance(visit, Hold):
        mean, variance = float(visit.demand.mean), float(visit.demand.variance)
        wait = network.stations[visit.pool].wait_mean
        return mean + wait, variance + mean**2 + 2 * wait**2 + 2 * wait * mean
    if isinstance(visit, Occupy):
        wait = network.stations[visit.pool].wait_mean
        mean, second = wait, 2 * wait**2
        for inner in visit.inner:
            inner_mean, inner_second = _moments(inner, network)
            second += inner_second + 2 * mean * inner_mean
            mean += inner_mean
        return mean, second
    return 0.0, 0.0


def _span_estimate(model: DesignSpec, network: NetworkSolution) -> float:
    """A time span holding nearly all the mass: the serial sum's mean plus ten standard deviations."""
    total_mean = total_second = 0.0

    def add(visits: tuple[Visit, ...], times: float) -> None:
        nonlocal total_mean, total_second
        for visit in visits:
            mean, second = _moments(visit, network)
            total_mean += times * mean
            total_second += times * second

    add(model.start, 1.0)
    for plan, step in zip(model.plan.steps, model.steps, strict=True):
        ratios = visit_ratios(plan.exception, model)
        add(step.attempt, ratios.attempts)
        add(step.manual, ratios.manual)
        if plan.exception is not None:
            total_mean += sum(backoff(plan.exception, k + 1) for k in range(ratios.retries_allowed))
    for handoff in model.handoffs:
        add(handoff.visits, 1.0)
    return max(total_mean + 10 * math.sqrt(total_second), 1e-3)


class _Composer:
    """Builds spectra for phases, steps and the whole DAG, memoising what repeats."""

    def __init__(self, model: DesignSpec, network: NetworkSolution, grid: Grid) -> None:
        self.model, self.network, self.grid = model, network, grid
        plan = model.plan.steps
        self.end = len(plan)
        sinks = [step.index for step in plan if not step.successors]
        self.predecessors: dict[int, tuple[int, ...]] = {step.index: (step.predecessors or (START,)) for step in plan}
        self.predecessors[self.end] = tuple(sinks)
        self.dominator = self._immediate_dominators()
        self._relative: dict[tuple[int, int], Spectrum] = {}
        self._steps: dict[int, Spectrum] = {}
        self._waits: dict[str, Spectrum] = {}
        self._laws: dict[int, tuple[object, Spectrum]] = {}  # the law is kept so its id stays unique
        self.series_parallel = self._branches_disjoint()

    # -- phases and steps -------------------------------------------------------------------

    def phases(self, visits: tuple[Visit, ...]) -> Spectrum:
        spectrum = self.grid.zero()
        for visit in visits:
            spectrum = spectrum * self.phase(visit)
        return spectrum

    def phase(self, visit: Visit) -> Spectrum:
        if isinstance(visit, Delay):
            return self._law(visit.time)
        if isinstance(visit, Hold):
            return self._wait(visit.pool) * self._law(visit.demand)
        if isinstance(visit, Occupy):
            return self._wait(visit.pool) * self.phases(visit.inner)
        return self.grid.zero()  # AwaitUp: free without a fault

    def _wait(self, station: str) -> Spectrum:
        if station not in self._waits:
            result = self.network.stations[station]
            if result.wait_probability <= 0 or result.wait_mean <= 0:
                self._waits[station] = self.grid.zero()
            else:
                self._waits[station] = self.grid.wait(
                    result.wait_probability, result.wait_mean / result.wait_probability
                )
        return self._waits[station]

    def _law(self, law: object) -> Spectrum:
        # Laws are shared by many visits (every transition holds the same dispatch time).
        key = id(law)
        if key not in self._laws:
            self._laws[key] = (law, self.grid.service(law))
        return self._laws[key][1]

    def step(self, index: int) -> Spectrum:
        if index == self.end:
            return self.grid.zero()
        if index not in self._steps:
            step = self.model.steps[index]
            self._steps[index] = self._step(step.attempt, step.manual, self.model.plan.steps[index].exception)
        return self._steps[index]

    def _step(
        self, attempt_visits: tuple[Visit, ...], manual: tuple[Visit, ...], exception: ExceptionSpec | None
    ) -> Spectrum:
        """The step's time given that it succeeds: a mixture over how its exception plays out."""
        attempt = self.phases(attempt_visits)
        if exception is None or exception.probability <= 0:
            return attempt
        ratios = visit_ratios(exception, self.model)
        p, automation = exception.probability, self.model.automation
        mixture = np.zeros_like(attempt)
        weight = 0.0
        path = attempt
        for k in range(ratios.retries_allowed + 1):
            mixture = mixture + p**k * (1 - p) * path
            weight += p**k * (1 - p)
            if k < ratios.retries_allowed:
                path = path * self.grid.fixed(backoff(exception, k + 1)) * attempt
        if ratios.exhausted_to_people:
            exhausted = p ** (ratios.retries_allowed + 1)
            route = automation * attempt + (1 - automation) * self.phases(manual)
            mixture = mixture + exhausted * path * route
            weight += exhausted
        return mixture / weight

    # -- the DAG ----------------------------------------------------------------------------

    def workflow(self) -> Spectrum:
        return self.phases(self.model.start) * self.relative(self.end, START)

    def edge(self, source: int, target: int) -> Spectrum:
        visits = self.model.handoff(source, target)
        return self.phases(visits) if visits else self.grid.zero()

    def relative(self, node: int, dominator: int) -> Spectrum:
        """Time from the end of ``dominator`` to the end of ``node`` (which it dominates)."""
        if node == dominator:
            return self.grid.zero()
        key = (node, dominator)
        if key not in self._relative:
            self._relative[key] = self.step(node) * self._arrival(node, dominator)
        return self._relative[key]

    def _arrival(self, node: int, dominator: int) -> Spectrum:
        """Time from the end of ``dominator`` until ``node`` is ready."""
        predecessors = self.predecessors[node]
        if len(predecessors) == 1:
            (before,) = predecessors
            return self.relative(before, dominator) * self.edge(before, node)
        join_from = self.dominator[node]
        branches = [self.relative(before, join_from) * self.edge(before, node) for before in predecessors]
        return self.relative(join_from, dominator) * self.grid.maximum(branches)

    def sampled(self, routes: Routes | None = None) -> CycleTime:
        """Compose the workflow draw by draw (processes that are not series-parallel, or routed).

        With ``routes`` each draw follows its own routing: a skipped step takes no time but passes
        its readiness on (dead-path elimination), a loop-closing step adds its body's extra passes,
        and a workflow completes when the last step of its type is done or skipped.
        """
        rng = np.random.default_rng(SAMPLING_SEED)
        count = SAMPLES if routes is None else routes.types.size
        uniforms = (np.arange(count) + 0.5) / count  # stratified: one draw per 1/count of probability

        def draw(spectrum: Spectrum) -> np.ndarray:
            return self._inverse(spectrum, rng.permutation(uniforms))

        def edge(source: int, target: int) -> np.ndarray | float:
            visits = self.model.handoff(source, target)
            if not visits:
                return 0.0
            time = draw(self.phases(visits))
            return time if routes is None else np.where(routes.live[(source, target)], time, 0.0)

        start = draw(self.phases(self.model.start))
        finish: dict[int, np.ndarray] = {}
        done = np.zeros(count)
        for node in range(self.end):
            ready: np.ndarray | None = None
            for before in self.predecessors[node]:
                if routes is not None and before == START and (START, node) not in routes.live:
                    continue
                arrival = (start if before == START else finish[before]) + edge(before, node)
                ready = arrival if ready is None else np.maximum(ready, arrival)
            assert ready is not None
            work = draw(self.step(node))
            if routes is None:
                finish[node] = ready + work
                continue
            finish[node] = ready + np.where(routes.runs[node], work, 0.0) + self._rework(node, routes, draw)
            mine = routes.types == routes.routing.type_of[node]
            done = np.where(mine, np.maximum(done, finish[node]), done)
        total = done if routes is not None else np.max([finish[n] for n in self.predecessors[self.end]], axis=0)
        by_type = {}
        if routes is not None and len(routes.routing.types) > 1:
            for number, kind in enumerate(routes.routing.types):
                mine = total[routes.types == number]
                if mine.size:
                    by_type[kind.name] = _statistics(mine)
        whole = _statistics(total)
        return CycleTime(whole.mean, whole.p50, whole.p95, whole.p99, by_type)

    def _rework(self, node: int, routes: Routes, draw: Callable[[Spectrum], np.ndarray]) -> np.ndarray | float:
        """The extra passes of the loop that ``node`` closes: its body's steps again, in order."""
        extra = routes.passes.get(node)
        rework = routes.routing.reworks[node]
        if extra is None or rework is None:
            return 0.0
        added = np.zeros(extra.size)
        for number in range(1, rework.max_passes + 1):
            again = extra >= number
            if not again.any():
                break
            one_pass = sum((draw(self.step(member)) for member in rework.body), np.zeros(extra.size))
            added += np.where(again, one_pass, 0.0)
        return added

    def _inverse(self, spectrum: Spectrum, uniforms: np.ndarray) -> np.ndarray:
        """Inverse-CDF draws from a grid law, linear within each grid interval."""
        pmf = self.grid.pmf(spectrum)
        cdf = np.cumsum(pmf) / max(pmf.sum(), 1e-300)
        # Point k holds the mass of ((k - 1/2)·step, (k + 1/2)·step): interpolate across that interval.
        edges = (np.arange(-1, self.grid.size) + 0.5) * self.grid.step
        return np.maximum(np.interp(uniforms, np.concatenate(([0.0], cdf)), edges), 0.0)

    def _branches_disjoint(self) -> bool:
        """Does every join's set of branches (from its immediate dominator) share no step?"""
        ancestors: dict[int, set[int]] = {START: set()}
        for node in range(self.end + 1):
            found: set[int] = set()
            for before in self.predecessors[node]:
                found |= ancestors[before] | {before}
            ancestors[node] = found
        for node in range(self.end + 1):
            predecessors = self.predecessors[node]
            if len(predecessors) < 2:
                continue
            top = self.dominator[node]
            below = ancestors[top] | {top}
            seen: set[int] = set()
            for before in predecessors:
                branch = (ancestors[before] | {before}) - below
                if branch & seen:
                    return False
                seen |= branch
        return True

    def _immediate_dominators(self) -> dict[int, int]:
        """Each node's immediate dominator in the DAG rooted at START (nodes in dependency order)."""
        order = [START, *range(self.end), self.end]
        position = {node: i for i, node in enumerate(order)}
        dominators: dict[int, set[int]] = {START: {START}}
        immediate: dict[int, int] = {}
        for node in order[1:]:
            common = set.intersection(*(dominators[p] for p in self.predecessors[node]))
            dominators[node] = common | {node}
            immediate[node] = max(common, key=position.__getitem__)
        return immediate
