"""Both runtimes execute the same design spec: one workflow, the same draws, the same visits.

One workflow is walked through the simulation (SimPy) and through the reference platform
(asyncio, real sleeps on a fast clock) for each of the three designs, with a scripted source of
random numbers: every service time, exception coin, automation coin, resolution time and
duplicate coin is fixed by the scenario. Both runtimes must then make the same sequence of
visits (pool and duration of every hold, consumer held, duplicate delivery), end the workflow the
same way and count the same exceptions, manual interventions, dead letters and duplicates;
retries, routing to people, dead letters and outages (including a workflow lost to one) are
among the scenarios. A fork/join process, whose branches may interleave differently in the two
runtimes, is compared as a multiset of visits.

A p95 comparison (``tests/load/test_reference_vs_sim.py``) cannot see a divergence of this kind:
a retry the reference platform forgot, or an outage it ignores, moves a percentile very little.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from evalkit.design import Dealt, Plan
from evalkit.load.reference.platform import Platform
from evalkit.sim.model import Model
from evalkit.sim.streams import cell_streams
from evalkit.study import Study

pytestmark = pytest.mark.timeout(300)

RAISE, PASS = 0.1, 0.9  # coins: below every probability here (0.5) raises, above passes
TIME_SCALE = 0.1  # the reference platform sleeps 100 ms per study second
START = 0.01  # the simulated workflow's arrival

HUMAN = {"pool": "analysts", "resolution_time": {"dist": "constant", "value": 0.5}}
LINEAR = [
    {
        "id": "s1",
        "system": "a",
        "exception": {"handling": "retry", "probability": 0.5, "retries": 2, "backoff": 0.1, "exhausted": "human"}
        | HUMAN,
    },
    {"id": "s2", "system": "b", "after": ["s1"], "exception": {"handling": "human", "probability": 0.5} | HUMAN},
    {"id": "s3", "system": "c", "after": ["s2"], "exception": {"handling": "fail", "probability": 0.5}},
    {"id": "s4", "staff": "analysts", "after": ["s3"], "service_time": {"dist": "constant", "value": 0.3}},
]
FORK = [
    {"id": "s1", "system": "a"},
    {"id": "s2", "system": "b", "after": ["s1"], "exception": {"handling": "human", "probability": 0.5} | HUMAN},
    {"id": "s3", "system": "c", "after": ["s1"]},
    {"id": "s4", "system": "a", "after": ["s2", "s3"], "service_time": {"dist": "constant", "value": 0.05}},
]
CANDIDATES = [
    {"name": "Engine", "design": "centralized", "parameters": {"dispatch_time": 0.02, "persist_time": 0.01}},
    {"name": "Engine-reject", "design": "centralized", "parameters": {"on_outage": "reject"}},
    {"name": "Mesh", "design": "federated", "parameters": {"handoff_latency": 0.05, "coordinator_time": 0.02}},
    {
        "name": "Fabric",
        "design": "event-driven",
        "parameters": {"max_deliveries": 3, "duplicate_probability": 0.5, "consume_latency": 0.01},
    },
    {"name": "Fabric-fail", "design": "event-driven", "parameters": {"on_outage": "fail", "partitions": 3}},
]
FAULTS = [
    {"name": "down-at-start", "component": "control-plane", "at": 0, "duration": 3},
    # From before s2 asks for system b (at about 0.15 s) until 1.05 s: s2 waits for it.
    {"name": "system-down", "component": "system:b", "at": 0.05, "duration": 1.0},
    # Inside s2's work on every design (it runs from about 0.2 s to 1.2 s): the next publish fails.
    {"name": "down-mid-way", "component": "control-plane", "at": 0.7, "duration": 3},
]


def make_study(steps: list[dict[str, Any]]) -> Study:
    return Study.model_validate(
        {
            "name": "parity",
            "seed": 3,
            "workload": {
                "systems": [
                    {"name": "a", "domain": "front", "capacity": 2, "service_time": {"dist": "constant", "value": 0.1}},
                    {"name": "b", "domain": "risk", "capacity": 2, "service_time": {"dist": "constant", "value": 1.0}},
                    {"name": "c", "domain": "ops", "capacity": 2, "service_time": {"dist": "constant", "value": 0.2}},
                ],
                "staff": [{"name": "analysts", "capacity": 2}],
                "process": {"name": "p", "steps": steps},
            },
            "traffic": {"peak_rate": 0.1, "multiples": [1], "horizon": 30, "warmup": 0},
            "slo": {"p95_cycle_time": 10},
            "faults": FAULTS,
            "candidates": [{**c, "exception_automation": 0.5} for c in CANDIDATES],
        }
    )


@dataclass
class Script:
    """A scripted draw source: answers by (step id, attempt), defaults pass and take the mean."""

    plan: Plan
    exceptions: dict[tuple[str, int], float] = field(default_factory=dict)
    service_times: dict[tuple[str, int], float] = field(default_factory=dict)
    automation_coins: dict[str, float] = field(default_factory=dict)
    duplicates: dict[tuple[str, int], float] = field(default_factory=dict)

    def _id(self, step: int) -> str:
        return self.plan.steps[step].id

    def deal(self) -> Dealt:
        steps = range(len(self.plan.steps))
        return Dealt([self.service(i, 0) for i in steps], [self.exception(i, 0) for i in steps], 0.0)

    def service(self, step: int, attempt: int) -> float:
        return self.service_times.get((self._id(step), attempt), self.plan.steps[step].service.mean)

    def exception(self, step: int, attempt: int) -> float:
        return self.exceptions.get((self._id(step), attempt), PASS)

    def automation(self, step: int) -> float:
        return self.automation_coins.get(self._id(step), PASS)

    def resolution(self, step: int) -> float:
        return 0.5 + 0.01 * step  # a distinct time per step, to tell them apart in the visits

    def duplicate(self, step: int, attempt: int) -> float:
        return self.duplicates.get((self._id(step), attempt), PASS)

    def duplicate_service(self, step: int, attempt: int) -> float:
        return 0.07


@dataclass
class Walked:
    """What one runtime did with the workflow."""

    visits: list[tuple[str, str, float]]
    outcome: str
    counts: dict[str, int]
    cycle_time: float


def simulate(study: Study, candidate: str, script: Script, fault: str | None) -> Walked:
    visits: list[tuple[str, str, float]] = []
    chosen = next(f for f in study.faults if f.name == fault) if fault else None
    model = Model(
        study,
        candidate,
        1.0,
        cell_streams(study.seed, "parity", 1.0, 1),
        chosen,
        draws=script,
        trace=lambda flow, kind, pool, seconds: visits.append((kind, pool, round(seconds, 9))),
    )
    model.env.run(until=START)  # a fault at 0 is in force when the workflow arrives
    flow = model.flow(0, START)
    model.tally.arrive(flow)
    model.walker.begin(flow)
    model.env.run(until=60)
    tally = model.tally
    counts = {
        "exceptions": tally.exceptions,
        "manual_interventions": tally.manual_interventions,
        "dead_lettered": tally.dead_lettered,
        "duplicates": tally.duplicates,
    }
    return Walked(visits, flow.outcome, counts, tally.cycle_sum if tally.completed else 0.0)


def live(study: Study, candidate: str, script: Script, fault: str | None) -> Walked:
    visits: list[tuple[str, str, float]] = []

    async def walk() -> Walked:
        platform = Platform(
            study,
            candidate,
            time_scale=TIME_SCALE,
            draws=script,
            trace=lambda run, kind, pool, seconds: visits.append((kind, pool, round(seconds, 9))),
        )
        if fault is not None:
            chosen = next(f for f in study.faults if f.name == fault)
            # On the workflow's clock: it starts now, at the simulated START.
            at = max(0.0, chosen.at - START) * TIME_SCALE
            if at == 0:
                platform.inject(chosen.component, chosen.duration - START)
            else:
                asyncio.get_running_loop().call_later(at, platform.inject, chosen.component, chosen.duration)
        record = platform.start()
        await platform.wait(record)
        await asyncio.sleep(0.3 * TIME_SCALE)  # let a duplicate delivery finish its work
        counters = platform.runtime.counters
        counts = {
            name: counters[name] for name in ("exceptions", "manual_interventions", "dead_lettered", "duplicates")
        }
        cycle = (record.ended - record.started) / TIME_SCALE if record.status == "completed" else 0.0  # type: ignore[operator]
        return Walked(visits, record.status, counts, cycle)

    return asyncio.run(walk())


def script_for(plan: Plan, scenario: str) -> Script:
    script = Script(plan)
    if scenario == "retried-then-done":
        script.exceptions.update({("s1", 0): RAISE, ("s1", 1): RAISE})
        script.service_times.update({("s1", 1): 0.11, ("s1", 2): 0.12})
    elif scenario == "retries-exhausted":  # to people, or dead-lettered by a 3-delivery broker
        script.exceptions.update({("s1", 0): RAISE, ("s1", 1): RAISE, ("s1", 2): RAISE})
    elif scenario == "automated":
        script.exceptions[("s2", 0)] = RAISE
        script.automation_coins["s2"] = RAISE
        script.service_times[("s2", 1)] = 0.9
    elif scenario == "manual":
        script.exceptions[("s2", 0)] = RAISE
    elif scenario == "failed":
        script.exceptions[("s3", 0)] = RAISE
    elif scenario == "duplicated":
        script.duplicates[("s1", 0)] = RAISE
    return script


LINEAR_STUDY = make_study(LINEAR)
FORK_STUDY = make_study(FORK)
SCENARIOS = ["clean", "retried-then-done", "retries-exhausted", "automated", "manual", "failed", "duplicated"]


def both(study: Study, candidate: str, scenario: str, fault: str | None = None) -> tuple[Walked, Walked]:
    plan = Plan.of(study)
    return (
        simulate(study, candidate, script_for(plan, scenario), fault),
        live(study, candidate, script_for(plan, scenario), fault),
    )


def path(walked: Walked) -> list[tuple[str, str, float]]:
    """The workflow's own visits, in order (duplicate deliveries run beside it)."""
    return [visit for visit in walked.visits if visit[0] != "duplicate"]


@pytest.mark.parametrize("candidate", ["Engine", "Mesh", "Fabric"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_both_runtimes_take_the_same_visits(candidate: str, scenario: str) -> None:
    simulated, measured = both(LINEAR_STUDY, candidate, scenario)
    assert path(measured) == path(simulated)
    assert Counter(measured.visits) == Counter(simulated.visits)
    assert (measured.outcome, measured.counts) == (simulated.outcome, simulated.counts)


def test_the_scenarios_reach_what_they_are_about() -> None:
    """The known truth of the scenarios, so the parity above is not parity of doing nothing."""
    walked = {
        (c, s): simulate(LINEAR_STUDY, c, script_for(Plan.of(LINEAR_STUDY), s), None)
        for c in ("Engine", "Fabric")
        for s in SCENARIOS
    }
    assert walked["Engine", "clean"].outcome == "completed"
    retried = walked["Engine", "retried-then-done"]
    assert [v for v in retried.visits if v[1] == "system:a"] == [
        ("hold", "system:a", 0.1),
        ("hold", "system:a", 0.11),
        ("hold", "system:a", 0.12),
    ]
    assert retried.counts["exceptions"] == 2
    # Three failures: people resolve it under the engine; a broker that delivers three times dead-letters it.
    assert walked["Engine", "retries-exhausted"].counts["manual_interventions"] == 1
    assert walked["Engine", "retries-exhausted"].outcome == "completed"
    assert walked["Fabric", "retries-exhausted"].counts["dead_lettered"] == 1
    assert walked["Fabric", "retries-exhausted"].outcome == "failed"
    assert ("hold", "system:b", 0.9) in walked["Engine", "automated"].visits
    assert walked["Engine", "automated"].counts["manual_interventions"] == 0
    assert ("hold", "staff:analysts", 0.51) in walked["Engine", "manual"].visits
    assert walked["Engine", "failed"].outcome == "failed"
    assert not any(v[1] == "staff:analysts" and v[2] == 0.3 for v in walked["Engine", "failed"].visits)
    assert walked["Fabric", "duplicated"].counts["duplicates"] == 1
    assert ("duplicate", "system:a", 0.07) in walked["Fabric", "duplicated"].visits


@pytest.mark.parametrize(
    ("candidate", "fault", "outcome"),
    [
        ("Engine", "down-at-start", "completed"),  # queue: it waits for the engine
        ("Engine-reject", "down-at-start", "lost"),  # reject: refused at the door
        ("Mesh", "down-at-start", "completed"),
        ("Fabric", "down-at-start", "completed"),  # buffer: the publish waits
        ("Fabric-fail", "down-at-start", "lost"),
        ("Engine", "system-down", "completed"),
        ("Mesh", "system-down", "completed"),
        ("Fabric", "system-down", "completed"),
        ("Engine-reject", "down-mid-way", "completed"),  # only new starts are refused
        ("Fabric-fail", "down-mid-way", "lost"),  # the publish after s2 fails
    ],
)
def test_outages_take_the_same_course(candidate: str, fault: str, outcome: str) -> None:
    simulated, measured = both(LINEAR_STUDY, candidate, "clean", fault)
    assert simulated.outcome == outcome
    assert (measured.outcome, path(measured)) == (simulated.outcome, path(simulated))
    clean = simulate(LINEAR_STUDY, candidate, script_for(Plan.of(LINEAR_STUDY), "clean"), None)
    if outcome == "completed":
        # The outage delays the workflow by the same amount in both.
        assert simulated.cycle_time > clean.cycle_time + 0.2 or fault == "down-mid-way"
        # Real sleeps only ever run late, and on a busy machine by a fair margin.
        assert 0.95 * simulated.cycle_time <= measured.cycle_time <= 1.5 * simulated.cycle_time
    if fault == "down-mid-way" and outcome == "lost":
        assert path(simulated)[-1] == ("hold", "system:b", 1.0)  # its work was done; the publish failed


@pytest.mark.parametrize("candidate", ["Engine", "Mesh", "Fabric"])
@pytest.mark.parametrize("scenario", ["clean", "manual"])
def test_a_fork_and_join_makes_the_same_visits(candidate: str, scenario: str) -> None:
    simulated, measured = both(FORK_STUDY, candidate, scenario)
    assert Counter(measured.visits) == Counter(simulated.visits)
    assert (measured.outcome, measured.counts) == (simulated.outcome, simulated.counts)
    assert simulated.outcome == "completed"
