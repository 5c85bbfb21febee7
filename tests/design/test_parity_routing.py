"""Both runtimes walk decisions, rework loops, waits and a mix the same way (scripted draws).

The parity test of the design spec (``test_parity.py``) extended to the routing rules of
``evalkit.design.routing``: one workflow, a scripted source that also fixes every routing coin,
and the simulation and the reference platform must make the same visits and end the same way.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from test_parity import CANDIDATES, Script, live, simulate

from evalkit.design import Dealt, Plan
from evalkit.study import Study

pytestmark = pytest.mark.timeout(300)

TAKE, LEAVE = 0.1, 0.9  # routing coins: below a probability of 0.5 takes it, above leaves it


def routed_study() -> Study:
    main = {
        "name": "main",
        "share": 0.5,
        "events": [{"name": "callback", "kind": "callback", "delay": {"dist": "constant", "value": 0.3}}],
        "steps": [
            {
                "id": "r1",
                "system": "a",
                "decision": {"branches": [{"to": "r2", "probability": 0.5}, {"to": "w", "probability": 0.5}]},
            },
            {"id": "r2", "system": "b", "after": ["r1"], "rework": {"to": "r2", "probability": 0.5, "max": 2}},
            {"id": "w", "wait": "callback", "after": ["r1"]},
            {"id": "r3", "system": "c", "after": ["r2", "w"]},
        ],
    }
    other = {
        "name": "other",
        "share": 0.5,
        "steps": [{"id": "o1", "system": "c"}, {"id": "o2", "system": "a", "after": ["o1"]}],
    }
    systems = [
        {"name": "a", "domain": "front", "capacity": 2, "service_time": {"dist": "constant", "value": 0.1}},
        {"name": "b", "domain": "risk", "capacity": 2, "service_time": {"dist": "constant", "value": 0.4}},
        {"name": "c", "domain": "ops", "capacity": 2, "service_time": {"dist": "constant", "value": 0.2}},
    ]
    return Study.model_validate(
        {
            "name": "parity-routing",
            "seed": 3,
            "workload": {"systems": systems, "process": [main, other]},
            "traffic": {"peak_rate": 0.1, "multiples": [1], "horizon": 30, "warmup": 0},
            "slo": {"p95_cycle_time": 10},
            "candidates": [c for c in CANDIDATES if c["name"] in ("Engine", "Mesh", "Fabric")],
        }
    )


@dataclass
class RoutedScript(Script):
    """The scripted source of ``test_parity`` plus routing coins by step id, and the type coin."""

    routes: dict[tuple[str, int], float] = field(default_factory=dict)
    type_coin: float = 0.0

    def deal(self) -> Dealt:
        plain = super().deal()
        route = [self.route(i, 0) for i in range(len(self.plan.steps))]
        return Dealt(plain.service, plain.luck, plain.partition, route, self.type_coin)

    def route(self, step: int, attempt: int) -> float:
        return self.routes.get((self._id(step), attempt), LEAVE)


SCENARIOS: dict[str, dict[str, Any]] = {
    # r1 decides for r2, whose loop runs twice more (the bound), then r3 joins over the skipped wait.
    "rework-branch": {"routes": {("r1", 0): TAKE, ("r2", 0): TAKE, ("r2", 1): TAKE, ("r2", 2): TAKE}},
    # r1 decides for the wait; r2 is skipped (no visit), r3 runs after the 0.3 s callback.
    "wait-branch": {"routes": {("r1", 0): LEAVE}},
    # The other type: its own first step, nothing of the main type.
    "other-type": {"type_coin": 0.9},
}


def _script(plan: Plan, scenario: str) -> RoutedScript:
    return RoutedScript(plan, **SCENARIOS[scenario])


@pytest.mark.parametrize("candidate", ["Engine", "Mesh", "Fabric"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_both_runtimes_route_the_same_way(candidate: str, scenario: str) -> None:
    study = routed_study()
    plan = Plan.of(study)
    simulated = simulate(study, candidate, _script(plan, scenario), None)
    measured = live(study, candidate, _script(plan, scenario), None)
    assert Counter(measured.visits) == Counter(simulated.visits)
    assert (measured.outcome, measured.counts) == (simulated.outcome, simulated.counts)
    assert simulated.outcome == "completed"


def test_the_routing_scenarios_reach_what_they_are_about() -> None:
    study = routed_study()
    plan = Plan.of(study)
    walked = {s: simulate(study, "Engine", _script(plan, s), None) for s in SCENARIOS}
    holds = {s: [v[1] for v in w.visits if v[1].startswith("system:")] for s, w in walked.items()}
    assert holds["rework-branch"] == ["system:a", "system:b", "system:b", "system:b", "system:c"]  # 1 + max 2
    assert holds["wait-branch"] == ["system:a", "system:c"]  # r2 skipped
    assert walked["wait-branch"].cycle_time > 0.3 + 0.1 + 0.2  # the callback's delay is in the cycle time
    assert holds["other-type"] == ["system:c", "system:a"]
