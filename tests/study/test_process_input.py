"""Decisions, rework loops, waits and the mix of types: valid files load, bad ones get one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.commands.schema import study_json_schema
from evalkit.errors import StudyError
from evalkit.study import load_study

CONSTRUCTS = Path(__file__).resolve().parent / "data" / "process-constructs.yaml"
TEXT = CONSTRUCTS.read_text(encoding="utf-8")


def _refused(write_study, old: str, new: str) -> str:
    assert old in TEXT, old
    path = write_study(TEXT.replace(old, new, 1))
    with pytest.raises(StudyError) as caught:
        load_study(path)
    message = str(caught.value)
    assert "\n" not in message, "the error must be one line"
    assert message.startswith(str(path)), message
    return message


def test_every_construct_loads() -> None:
    study = load_study(CONSTRUCTS)
    assert study.workload.mixed
    assert [p.name for p in study.workload.processes] == ["straight-through", "referred"]
    assert study.workflow_slo("straight-through").p95_cycle_time == 3
    assert study.workflow_slo("referred").p95_cycle_time == 8
    assert study.workflow_slo("all").p95_cycle_time == 10
    triage = study.step("rf-triage")
    assert triage.decision is not None and triage.decision.branches[0].label == "amount > 10k"
    assert study.step("rf-review").rework is not None
    assert study.step("rf-wait-documents").wait == "documents-uploaded"


def test_probabilities_not_summing_to_one(write_study) -> None:
    message = _refused(write_study, "{to: rf-review, probability: 40%", "{to: rf-review, probability: 30%")
    assert "decision of step 'rf-triage'" in message and "sum to 0.9" in message and "0.1 short" in message
    assert "workload.process[1].steps[1]" in message


def test_probabilities_over_one(write_study) -> None:
    message = _refused(
        write_study, "{to: rf-request-documents, probability: 60%}", "{to: rf-request-documents, probability: 75%}"
    )
    assert "sum to 1.15" in message and "0.15 over" in message


def test_inclusive_decision_need_not_sum_to_one(write_study) -> None:
    text = TEXT.replace("kind: exclusive", "kind: inclusive").replace("probability: 40%", "probability: 50%")
    assert load_study(write_study(text)).step("rf-triage").decision.kind == "inclusive"


def test_loop_to_a_later_step(write_study) -> None:
    message = _refused(write_study, "rework: {to: rf-review,", "rework: {to: rf-pay,")
    assert "rework from 'rf-review' goes to 'rf-pay', which is not an earlier step" in message
    assert "steps[2].rework.to" in message


def test_loop_to_an_unknown_step(write_study) -> None:
    message = _refused(write_study, "rework: {to: rf-review,", "rework: {to: rf-reveiw,")
    assert "unknown step 'rf-reveiw'" in message and "did you mean 'rf-review'" in message


def test_loop_body_must_be_a_chain(write_study) -> None:
    old = "rework: {to: rf-review, probability: 20%, max: 3}"
    text = TEXT.replace(old, "").replace(
        "{id: rf-pay, system: payments, after: [rf-review, rf-wait-documents]}",
        "{id: rf-pay, system: payments, after: [rf-review, rf-wait-documents], rework: {to: rf-triage, probability: 10%}}",
    )
    with pytest.raises(StudyError) as caught:
        load_study(write_study(text))
    assert "must be a chain" in str(caught.value) or "contains 'rf-triage', a decision" in str(caught.value)


def test_wait_on_a_missing_event(write_study) -> None:
    message = _refused(write_study, "wait: documents-uploaded", "wait: documents-signed")
    assert "unknown event 'documents-signed'" in message and "known: documents-uploaded" in message
    assert "steps[4].wait" in message


def test_wait_takes_no_service_time(write_study) -> None:
    message = _refused(
        write_study, "wait: documents-uploaded,", "wait: documents-uploaded, service_time: {dist: constant, value: 1s},"
    )
    assert "a wait takes no service_time" in message


def test_type_share_of_zero(write_study) -> None:
    message = _refused(write_study, "share: 70%", "share: 0")
    assert "workflow type 'straight-through' has a share of 0" in message
    assert "workload.process[0].share" in message


def test_type_shares_not_summing_to_one(write_study) -> None:
    message = _refused(write_study, "share: 70%", "share: 60%")
    assert "shares sum to 0.9, not 1 (0.1 short)" in message


def test_unknown_type_in_an_slo(write_study) -> None:
    message = _refused(write_study, "    referred: {p95_cycle_time: 8s}", "    refered: {p95_cycle_time: 8s}")
    assert "unknown workflow type 'refered'" in message and "did you mean 'referred'" in message
    assert "slo.types.refered" in message


def test_branch_target_must_come_after_the_decision(write_study) -> None:
    message = _refused(write_study, "after: [rf-triage]\n          rework", "after: [rf-register]\n          rework")
    assert "branch to 'rf-review' must come after 'rf-triage'" in message


def test_successor_of_a_decision_must_be_a_branch(write_study) -> None:
    message = _refused(
        write_study,
        '{to: rf-review, probability: 40%, label: "amount > 10k"}',
        '{to: end, probability: 40%, label: "amount > 10k"}',
    )
    assert "step 'rf-review' comes after decision step 'rf-triage' but is none of its branches" in message


def test_join_must_be_reachable(write_study) -> None:
    message = _refused(write_study, "join: rf-pay", "join: rf-wait-documents")
    assert "the branch to 'rf-review' never reaches the join 'rf-wait-documents'" in message


def test_step_ids_unique_across_types(write_study) -> None:
    message = _refused(write_study, "{id: st-pay, system: payments", "{id: rf-pay, system: payments")
    assert "'rf-pay' appears more than once" in message


def test_after_stays_within_a_type(write_study) -> None:
    message = _refused(
        write_study,
        "{id: st-pay, system: payments, after: [st-score]}",
        "{id: st-pay, system: payments, after: [rf-register]}",
    )
    assert "not a step of workflow type 'straight-through'" in message


def test_gateway_needs_a_decision(write_study) -> None:
    message = _refused(
        write_study, "{id: st-score, system: scoring, after: [st-register]}", "{id: st-score, after: [st-register]}"
    )
    assert "exactly one of system, staff or wait" in message


def test_schema_documents_every_new_field() -> None:
    definitions = study_json_schema()["$defs"]
    step = definitions["Step"]["properties"]
    for field in ("wait", "decision", "rework"):
        assert step[field].get("description"), field
    for model, fields in {
        "Decision": ("kind", "branches", "join"),
        "Branch": ("to", "probability", "label"),
        "Rework": ("to", "probability", "max"),
        "Event": ("name", "kind", "delay"),
        "Process": ("share", "slo", "events"),
        "TypeSlo": ("p95_cycle_time", "p99_cycle_time", "max_error_rate"),
    }.items():
        for field in fields:
            assert field in definitions[model]["properties"], (model, field)
    assert "types" in definitions["Slo"]["properties"]
    assert definitions["Workload"]["properties"]["process"].get("description")


CARD = Path(__file__).resolve().parents[2] / "scorecards" / "orchestration-platform.yaml"
PER_TYPE_KNOCKOUT = """  - id: straight-through-fast
    metric: cycle_time_p95@{type}
    op: "<="
    threshold: 14400
    at_multiple: 2
    reason: straight-through claims p95 within 4 h at 2x peak
"""


def _with_knockout(write_study, workflow_type: str) -> Path:
    card = CARD.read_text(encoding="utf-8")
    assert "\nknockouts:\n" in card
    card = card.replace("\nknockouts:\n", "\nknockouts:\n" + PER_TYPE_KNOCKOUT.format(type=workflow_type), 1)
    write_study(card, "card.yaml")
    return write_study(TEXT.replace("scorecard: orchestration-platform", "scorecard: card.yaml"))


def test_a_knock_out_may_judge_one_workflow_type(write_study) -> None:
    from evalkit.study import load_study_with_scorecard

    _, scorecard = load_study_with_scorecard(_with_knockout(write_study, "straight-through"))
    assert any(k.metric == "cycle_time_p95@straight-through" for k in scorecard.knockouts)


def test_a_knock_out_on_an_unknown_type_is_refused(write_study) -> None:
    path = _with_knockout(write_study, "straight-thru")
    with pytest.raises(StudyError) as caught:
        load_study(path)
    message = str(caught.value)
    assert "\n" not in message
    assert "knock-out 'straight-through-fast' names unknown workflow type 'straight-thru'" in message
    assert "did you mean 'straight-through'" in message
