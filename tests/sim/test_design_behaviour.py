"""What each design does, checked against what it must do by construction (inside 95% CIs).

Expected values are derived in each test from the model's own rules in docs/models.md (how many
transitions a workflow makes, which workflows need a stopped component during an outage), never
read off a previous run.
"""

from __future__ import annotations

import math

import pytest
from sim_studies import candidate, constant, exponential, inside_ci, interval, replicate, runs, study

from evalkit import theory

RATE = 5.0
OUTAGE_AT, OUTAGE = 100.0, 2.0


def _pipeline(*candidates: dict, faults: tuple = (), rate: float = RATE) -> object:
    """Step one (3 s) in domain alpha, then step two (0.1 s) in domain beta; ample capacity."""
    return study(
        systems=[
            {"name": "a", "domain": "alpha", "capacity": 1000, "service_time": constant(3.0)},
            {"name": "b", "domain": "beta", "capacity": 1000, "service_time": constant(0.1)},
        ],
        steps=[{"id": "one", "system": "a"}, {"id": "two", "system": "b", "after": ["one"]}],
        candidates=list(candidates),
        faults=list(faults),
        rate=rate,
        horizon=200,
        warmup=50,
    )


def test_centralized_engine_utilisation_counts_every_transition() -> None:
    rate, steps, dispatch, persist = 10.0, 3, 0.01, 0.004
    reduced = study(
        systems=[{"name": "s", "capacity": 50, "service_time": exponential(0.2)}],
        steps=[{"id": f"s{i}", "system": "s", **({"after": [f"s{i - 1}"]} if i else {})} for i in range(steps)],
        candidates=[
            candidate(
                "centralized", engine_workers=1, dispatch_time=dispatch, store_connections=1, persist_time=persist
            )
        ],
        rate=rate,
        horizon=300,
        warmup=30,
    )
    results = runs(reduced, "centralized")
    transitions = rate * (1 + steps)  # one at the start, one after every step
    assert inside_ci(theory.utilization(transitions, dispatch, 1), [r["utilization:engine"] for r in results])
    assert inside_ci(theory.utilization(transitions, persist, 1), [r["utilization:store"] for r in results])


def test_engine_outage_stalls_every_workflow_a_domain_outage_only_that_domains() -> None:
    reduced = _pipeline(
        candidate("centralized"),
        candidate("federated"),
        faults=(
            {"name": "engine-down", "component": "engine", "at": OUTAGE_AT, "duration": OUTAGE},
            {"name": "beta-down", "component": "controller:beta", "at": OUTAGE_AT, "duration": OUTAGE},
        ),
    )
    central = replicate(reduced, "centralized", "stalled_workflows", scenario="engine-down")
    federated = replicate(reduced, "federated", "stalled_workflows", scenario="beta-down")
    # Engine: every arrival during the outage, every workflow finishing step one within it, and
    # every workflow in step two (all need the engine's next transition).
    assert inside_ci(RATE * (OUTAGE + OUTAGE + 0.1), central), interval(central)
    # Domain beta: only the workflows finishing step two (in beta) during the outage.
    assert inside_ci(RATE * OUTAGE, federated), interval(federated)
    # And the federated design has no engine: an engine outage does nothing to it.
    assert replicate(reduced, "federated", "stalled_workflows", scenario="engine-down") == [0.0] * 20


def test_engine_outage_with_reject_loses_the_arrivals() -> None:
    reduced = _pipeline(
        candidate("centralized", on_outage="reject"),
        faults=({"name": "engine-down", "component": "engine", "at": OUTAGE_AT, "duration": OUTAGE},),
    )
    lost = replicate(reduced, "centralized", "lost", scenario="engine-down")
    assert inside_ci(RATE * OUTAGE, lost), interval(lost)


def _one_step_broker(on_outage: str) -> object:
    return study(
        systems=[{"name": "s", "capacity": 1000, "service_time": constant(0.5)}],
        steps=[{"id": "only", "system": "s"}],
        candidates=[candidate("event-driven", on_outage=on_outage)],
        faults=[{"name": "broker-down", "component": "broker", "at": OUTAGE_AT, "duration": OUTAGE}],
        rate=RATE,
        horizon=200,
        warmup=50,
    )


def test_broker_outage_grows_the_backlog_which_drains_afterwards() -> None:
    results = runs(_one_step_broker("buffer"), "event-driven", scenario="broker-down")
    # Starts (λ·D) and completion events (λ·0.5 s) wait for the broker; the backlog is above its
    # pre-fault level when the broker returns (recovery takes time) and drains (finite).
    assert inside_ci(RATE * (OUTAGE + 0.5), [r["stalled_workflows"] for r in results])
    assert all(0 < r["recovery_time"] < 100 for r in results)
    assert all(r["lost"] == 0 and r["saturated"] == 0 for r in results)


def test_broker_outage_with_fail_loses_the_publishes() -> None:
    lost = replicate(_one_step_broker("fail"), "event-driven", "lost", scenario="broker-down")
    assert inside_ci(RATE * (OUTAGE + 0.5), lost), interval(lost)


@pytest.mark.parametrize(("delivery", "probability"), [("at-least-once", 0.2), ("exactly-once", 0.2)])
def test_duplicates_appear_only_under_at_least_once(delivery: str, probability: float) -> None:
    steps = 3
    reduced = study(
        systems=[{"name": "s", "capacity": 100, "service_time": exponential(0.1)}],
        steps=[{"id": f"s{i}", "system": "s", **({"after": [f"s{i - 1}"]} if i else {})} for i in range(steps)],
        candidates=[
            candidate("event-driven", delivery=delivery, duplicate_probability=probability),
            candidate("centralized"),
        ],
        rate=RATE,
        horizon=120,
        warmup=20,
    )
    results = runs(reduced, "event-driven")
    share = [r["duplicates"] / (steps * r["started"]) for r in results]
    if delivery == "at-least-once":
        assert inside_ci(probability, share), interval(share)
    else:
        assert all(r["duplicates"] == 0 for r in results)
    assert replicate(reduced, "centralized", "duplicates") == [0.0] * 20


def test_above_saturation_the_backlog_grows_at_the_excess_rate() -> None:
    servers, mean = 2, 1.0
    overloaded = study(
        systems=[{"name": "s", "capacity": servers, "service_time": exponential(mean)}],
        steps=[{"id": "only", "system": "s"}],
        candidates=[candidate("centralized")],
        rate=3.0,
        multiples=(1.0, 0.5),
        horizon=300,
        warmup=20,
    )
    above = runs(overloaded, "centralized", multiple=1.0)
    assert all(r["saturated"] == 1 and r["backlog_growth"] > 0 for r in above)
    growth = [r["backlog_growth"] for r in above]
    assert inside_ci(theory.backlog_growth(3.0, mean, servers), growth), interval(growth)
    below = runs(overloaded, "centralized", multiple=0.5)
    assert all(r["saturated"] == 0 for r in below)


def test_exception_automation_removes_its_share_of_manual_interventions() -> None:
    probability, automation = 0.3, 0.7
    reduced = study(
        systems=[{"name": "s", "capacity": 100, "service_time": exponential(0.1)}],
        staff=[{"name": "people", "capacity": 50}],
        steps=[
            {
                "id": "only",
                "system": "s",
                "exception": {
                    "handling": "human",
                    "probability": probability,
                    "pool": "people",
                    "resolution_time": exponential(1.0),
                },
            }
        ],
        candidates=[candidate("centralized", automation=automation), candidate("federated", name="manual")],
        rate=RATE,
        horizon=120,
        warmup=20,
    )
    for name, automated in (("centralized", automation), ("manual", 0.0)):
        results = runs(reduced, name)
        share = [r["manual_interventions"] / r["started"] for r in results]
        assert inside_ci(probability * (1 - automated), share), (name, interval(share))


def test_retries_fail_a_workflow_only_when_every_attempt_fails() -> None:
    probability, retries = 0.3, 2
    reduced = study(
        systems=[{"name": "s", "capacity": 100, "service_time": exponential(0.1)}],
        steps=[
            {
                "id": "only",
                "system": "s",
                "exception": {"handling": "retry", "probability": probability, "retries": retries, "backoff": 0.1},
            }
        ],
        candidates=[candidate("centralized"), candidate("event-driven", max_deliveries=2)],
        rate=RATE,
        horizon=220,
        warmup=20,
    )
    results = runs(reduced, "centralized")
    failed = [r["failed"] / r["started"] for r in results]
    assert inside_ci(probability ** (retries + 1), failed), interval(failed)
    raised = [r["exceptions"] / r["started"] for r in results]
    assert inside_ci(sum(probability**k for k in range(1, retries + 2)), raised), interval(raised)
    # The broker dead-letters after max_deliveries = 2 failed deliveries, before retries run out.
    dead = [r["dead_lettered"] / r["started"] for r in runs(reduced, "event-driven")]
    assert inside_ci(probability**2, dead), interval(dead)


def test_littles_law_holds_on_every_run(default_study_path) -> None:  # type: ignore[no-untyped-def]
    """L (time-average backlog) = λ·W (counted starts per second × mean time in system) on every
    stable run, faults included, up to the window's edge effects (about W / window). A saturated
    run is left out: the warm-up's backlog still in the system inflates L by design."""
    from evalkit.sim import plan_cells, run_sweep
    from evalkit.study import load_study

    default = load_study(default_study_path)
    cells = plan_cells(default, multiples=[1.0, 2.0], replications=2)
    table = run_sweep(default, cells, workers=2).frame
    wide = table.pivot_table(
        index=["candidate", "scenario", "multiple", "replication"], columns="metric", values="value"
    )
    checked = wide[wide["saturated"] == 0]
    assert len(checked) >= len(cells) // 2
    for key, row in checked.iterrows():
        assert math.isclose(row["little_l"], row["little_lambda_w"], rel_tol=0.08), key


def test_a_hopelessly_overloaded_run_stops_early_and_says_so() -> None:
    """A thousand arrivals a second into one server: the run must end once the backlog passes
    its limit, not simulate (and hold in memory) two hundred thousand queued workflows."""

    def overloaded(warmup: float) -> object:
        return study(
            systems=[{"name": "s", "capacity": 1, "service_time": exponential(1.0)}],
            steps=[{"id": "only", "system": "s"}],
            candidates=[candidate("centralized")],
            rate=1000,
            slo=1.0,  # limit: max(10,000, 10 SLOs' worth of arrivals) = 10,000
            horizon=200,
            warmup=warmup,
            replications=2,
        )

    for result in runs(overloaded(1.0), "centralized"):
        assert result["saturated"] == 1 and result["backlog_growth"] > 500
        assert 0 < result["started"] < 20_000  # the window closed at about 10 s, not at 200 s
        assert result["cycle_time_p95"] > 2  # the ages of the queued, not the few served
    for result in runs(overloaded(30.0), "centralized"):
        # Past the limit within the warm-up: nothing measured but the overload itself.
        assert result["saturated"] == 1 and result["started"] == 0
        assert result["backlog_growth"] > 500 and math.isnan(result["cycle_time_p95"])


def test_an_overloaded_consumer_group_is_flagged_saturated() -> None:
    # One consumer doing 20 ms of work per event at 55 events/s: offered 1.1 of its capacity,
    # while the system behind it has ample capacity. The backlog creeps up slower than 10% of
    # the rate, so only the consumer group's demand can tell that it is overloaded.
    overloaded = study(
        systems=[{"name": "s", "capacity": 100, "service_time": constant(0.02)}],
        steps=[{"id": "only", "system": "s"}],
        candidates=[candidate("event-driven", consumer_concurrency=1, duplicate_probability=0.0)],
        rate=55.0,
        multiples=(1.0, 0.5),
        horizon=120,
        warmup=20,
    )
    assert all(r["saturated"] == 1 for r in runs(overloaded, "event-driven", multiple=1.0))
    assert all(r["saturated"] == 0 for r in runs(overloaded, "event-driven", multiple=0.5))
