"""The routing rules both runtimes run: decisions, dead-path elimination, rework, types."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evalkit.design import Plan, design_spec
from evalkit.design.routing import RUN, SKIP, WAIT, Routing, Tokens, chosen_branches, edges_after, rework_again
from evalkit.study import load_study

CONSTRUCTS = Path(__file__).resolve().parents[1] / "study" / "data" / "process-constructs.yaml"
DEFAULT = Path(__file__).resolve().parents[2] / "scenarios" / "order-fulfillment.yaml"


@pytest.fixture(scope="module")
def compiled() -> tuple[Plan, Routing]:
    study = load_study(CONSTRUCTS)
    plan = Plan.of(study)
    return plan, Routing.of(study, plan)


def _index(plan: Plan, step_id: str) -> int:
    return plan.step(step_id).index


def test_the_default_study_routes_plainly() -> None:
    study = load_study(DEFAULT)
    assert Routing.of(study, Plan.of(study)).plain


def test_types_by_share(compiled: tuple[Plan, Routing]) -> None:
    _, routing = compiled
    assert [t.name for t in routing.types] == ["straight-through", "referred"]
    assert routing.choose_type(0.0) == 0 and routing.choose_type(0.6999) == 0 and routing.choose_type(0.7) == 1
    coins = np.random.default_rng(1).random(20_000)
    share = np.mean([routing.choose_type(c) == 1 for c in coins])
    assert share == pytest.approx(0.3, abs=0.015)


def test_exclusive_decision_live_to_one_branch_skip_to_the_other(compiled: tuple[Plan, Routing]) -> None:
    plan, routing = compiled
    triage, review, request = (_index(plan, s) for s in ("rf-triage", "rf-review", "rf-request-documents"))
    never = lambda: pytest.fail("an exclusive decision draws one coin")  # noqa: E731
    assert sorted(edges_after(routing, plan, triage, 0.39, never)) == sorted([(review, True), (request, False)])
    assert sorted(edges_after(routing, plan, triage, 0.41, never)) == sorted([(review, False), (request, True)])


def test_dead_path_elimination_joins_on_the_taken_branch(compiled: tuple[Plan, Routing]) -> None:
    plan, routing = compiled
    tokens = Tokens(plan, routing, 1)
    pay, wait = _index(plan, "rf-pay"), _index(plan, "rf-wait-documents")
    review = _index(plan, "rf-review")
    assert tokens.arrive(review, True) == RUN
    assert tokens.arrive(pay, True) == WAIT  # from the review branch, live
    assert tokens.arrive(_index(plan, "rf-request-documents"), False) == SKIP
    assert tokens.arrive(wait, False) == SKIP
    assert tokens.arrive(pay, False) == RUN  # the skip completes the join; one edge was live
    assert tokens.left == 6
    assert [tokens.finish() for _ in range(6)] == [False] * 5 + [True]


def test_inclusive_decision_takes_the_first_branch_when_none_comes_up() -> None:
    from evalkit.design.routing import BranchPlan, DecisionPlan

    decision = DecisionPlan(False, (BranchPlan(1, 0.4), BranchPlan(2, 0.8)))
    assert chosen_branches(decision, 0.5, lambda: 0.9) == (1,)  # neither: the default (first)
    assert chosen_branches(decision, 0.1, lambda: 0.1) == (1, 2)
    assert chosen_branches(decision, 0.5, lambda: 0.1) == (2,)


def test_rework_is_bounded(compiled: tuple[Plan, Routing]) -> None:
    plan, routing = compiled
    review = _index(plan, "rf-review")
    assert routing.reworks[review].body == (review,)
    assert rework_again(routing, review, 0, 0.19) and not rework_again(routing, review, 0, 0.21)
    assert not rework_again(routing, review, 3, 0.0)  # max: 3 extra passes
    assert not rework_again(routing, _index(plan, "rf-pay"), 0, 0.0)


def test_waits_and_gateways_cost_what_the_models_say(compiled: tuple[Plan, Routing]) -> None:
    study = load_study(CONSTRUCTS)
    plan, routing = compiled
    wait = _index(plan, "rf-wait-documents")
    assert routing.kinds[wait] == "wait" and plan.steps[wait].service.mean == 2
    for candidate in study.candidates:
        spec = design_spec(study, candidate, plan)
        attempt = spec.steps[wait].attempt
        assert type(attempt[0]).__name__ == "Delay" and attempt[0].drawn  # no resource while waiting
        assert not any(getattr(v, "pool", "").startswith(("system:", "staff:", "consumers:")) for v in attempt)
        assert len(attempt) == (2 if candidate.design == "event-driven" else 3)  # + a publish, or a transition
