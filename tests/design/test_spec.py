"""The design spec of each design, and the exception rules, against docs/models.md by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.design import START, AwaitUp, Delay, Hold, Occupy, Redelivery, design_spec, fault_components
from evalkit.design.domains import step_domains
from evalkit.design.process import Plan
from evalkit.design.rules import Decision, on_exception
from evalkit.study import load_study
from evalkit.study.workload import FailHandling, HumanHandling, RetryHandling

ROOT = Path(__file__).resolve().parents[2]
STUDY = load_study(ROOT / "scenarios" / "order-fulfillment.yaml")
TINY = load_study(ROOT / "tests" / "fixtures" / "tiny.yaml")


def test_centralized_prices_every_attempt_with_an_engine_transition() -> None:
    spec = design_spec(TINY, "Engine")
    assert [(p.name, p.capacity) for p in spec.pools] == [
        ("system:alpha", 8),
        ("system:beta", 8),
        ("engine", 2),
        ("store", 10),
    ]
    first = spec.steps[0].attempt
    assert [v.pool for v in first if isinstance(v, Hold)] == ["system:alpha", "engine", "store"]
    assert first[1].demand.mean == pytest.approx(0.002) and first[0].drawn and not first[1].drawn
    assert spec.handoffs == () and spec.orchestration_units() == {"engine": 2}
    assert spec.component("coordinator") is None and spec.component("control-plane").pools == ("engine",)


def test_federated_hands_off_between_domains_only() -> None:
    spec = design_spec(TINY, "Mesh")
    # alpha is in domain one, beta in two: the start -> first edge stays in one, first -> second crosses.
    assert spec.start_domain == "one" and spec.domains == ("one", "two")
    assert spec.handoff(START, 0) == ()
    crossing = spec.handoff(0, 1)
    assert isinstance(crossing[0], Hold) and crossing[0].pool == "coordinator"
    assert isinstance(crossing[1], Delay) and crossing[1].time.mean == pytest.approx(0.020)
    assert spec.orchestration_units() == {"controller:one": 4, "controller:two": 4, "coordinator": 4}


def test_event_driven_delivers_through_a_consumer_and_publishes() -> None:
    spec = design_spec(TINY, "Fabric")
    receive, wait, consume, publish = spec.steps[1].attempt
    assert isinstance(receive, Delay) and isinstance(wait, AwaitUp) and wait.pool == "broker"
    assert isinstance(consume, Occupy) and consume.pool == "consumers:second"
    assert consume.duplicate_probability == pytest.approx(0.01)
    assert isinstance(publish, Hold) and publish.demand.mean == pytest.approx(0.002 + 0.0005)
    assert spec.pool("broker").count == 12 and spec.pool("broker").units == 12
    assert spec.redelivery == Redelivery(max_deliveries=5, dead_letter=True)
    assert "broker" not in spec.orchestration_units()


def test_domain_overrides_size_one_controller() -> None:
    spec = design_spec(STUDY, "Domain Mesh")
    parameters = STUDY.candidate("Domain Mesh").parameters
    for domain in STUDY.domains:
        override = parameters.domains.get(domain)
        expected = (override and override.controller_workers) or parameters.controller_workers
        assert spec.pool(f"controller:{domain}").capacity == expected


def test_a_human_task_runs_in_the_domain_of_the_step_it_follows() -> None:
    plan = Plan.of(STUDY)
    start, domains = step_domains(STUDY, plan)
    for step in plan.steps:
        if step.system is not None:
            assert domains[step.index] == STUDY.system(step.system).domain
        elif step.predecessors:
            assert domains[step.index] == domains[step.predecessors[0]]
        else:
            assert domains[step.index] == start


def test_fault_components_are_every_designs_components() -> None:
    names = fault_components(TINY)
    assert set(names) == {
        "control-plane",
        "engine",
        "coordinator",
        "broker",
        "controller:one",
        "controller:two",
        "system:alpha",
        "system:beta",
    }
    assert names[0] == "control-plane" and names[-2:] == ("system:alpha", "system:beta")


RETRY = RetryHandling(handling="retry", probability=0.5, retries=2, exhausted="fail")
RETRY_HUMAN = RetryHandling(
    handling="retry",
    probability=0.5,
    retries=3,
    exhausted="human",
    pool="p",
    resolution_time={"dist": "constant", "value": 1},  # type: ignore[arg-type]
)


@pytest.mark.parametrize(
    ("exception", "failures", "redelivery", "decision"),
    [
        (FailHandling(handling="fail", probability=0.1), 1, Redelivery(), Decision.FAIL),
        (
            HumanHandling(
                handling="human", probability=0.1, pool="p", resolution_time={"dist": "constant", "value": 1}
            ),  # type: ignore[arg-type]
            1,
            Redelivery(5, True),
            Decision.PEOPLE,
        ),
        (RETRY, 1, Redelivery(), Decision.RETRY),
        (RETRY, 2, Redelivery(), Decision.RETRY),
        (RETRY, 3, Redelivery(), Decision.FAIL),
        (RETRY, 3, Redelivery(5, True), Decision.DEAD_LETTER),
        (RETRY, 2, Redelivery(2, True), Decision.DEAD_LETTER),  # the broker's limit comes first
        (RETRY_HUMAN, 4, Redelivery(), Decision.PEOPLE),
        (RETRY_HUMAN, 4, Redelivery(5, True), Decision.PEOPLE),
        (RETRY_HUMAN, 3, Redelivery(3, True), Decision.DEAD_LETTER),  # even with exhausted: human
    ],
)
def test_exception_decisions(exception, failures, redelivery, decision) -> None:  # type: ignore[no-untyped-def]
    assert on_exception(exception, failures, redelivery) is decision
