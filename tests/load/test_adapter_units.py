"""The generic adapter's new pieces, without a generator: templates, the env allow-list, hosts, codes."""

from __future__ import annotations

import math
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from evalkit.errors import InputError, TargetError
from evalkit.load.failures import describe_errors, error_class, failure_metrics, retry_after
from evalkit.load.recording import StageRecorder
from evalkit.load.targets import (
    ALLOW_ENV,
    ALLOW_HOSTS,
    allow,
    check_host_allowed,
    check_reachable,
    check_target,
    classify_status,
    expand_target,
    render_body,
    render_text,
)
from evalkit.study import Target
from evalkit.study.candidates import Completion

ROOT = Path(__file__).resolve().parents[2]


def test_paths_and_ids_take_seq_uuid_and_the_chosen_id() -> None:
    assert render_text("/wf/order-{{seq}}-{{uuid}}", 7, "U") == "/wf/order-7-U"
    assert render_text("/namespaces/default/workflows/{{id}}", 7, "U", "order-U") == (
        "/namespaces/default/workflows/order-U"
    )
    assert render_body({"workflowId": "{{id}}", "n": "{{seq}}"}, 3, "U", "w-3") == {"workflowId": "w-3", "n": 3}


def test_only_allowed_variables_are_expanded_anywhere_in_the_target() -> None:
    target = Target(
        base_url="http://127.0.0.1:9",
        start={"path": "/deployments/${EVALKIT_SECRET_DEPLOYMENT}/run", "body": {"key": "${KEY}"}},
        completion={"status_path": "/runs/{id}?token=${EVALKIT_SECRET_T}"},
        headers={"Authorization": "Bearer ${EVALKIT_SECRET_T}"},
    )
    environ = {"EVALKIT_SECRET_DEPLOYMENT": "d-1", "EVALKIT_SECRET_T": "tok", "KEY": "k"}
    with pytest.raises(InputError, match=r"start\.body uses \$\{KEY\}.*--allow-env KEY"):
        expand_target(target, environ)
    expanded = expand_target(target, {**environ, ALLOW_ENV: "OTHER, KEY"})
    assert expanded.start.path == "/deployments/d-1/run" and expanded.start.body == {"key": "k"}
    assert expanded.completion.status_path == "/runs/{id}?token=tok"
    assert expanded.headers == {"Authorization": "Bearer tok"}
    with pytest.raises(TargetError, match="EVALKIT_SECRET_DEPLOYMENT is not set"):
        expand_target(target, {ALLOW_ENV: "KEY", "KEY": "k"})
    leaky = Target(base_url="http://127.0.0.1:9", headers={"X-Trace": "${AWS_SECRET_ACCESS_KEY}"})
    with pytest.raises(InputError, match=r"header 'X-Trace' uses \$\{AWS_SECRET_ACCESS_KEY\}"):
        check_target(leaky, {"AWS_SECRET_ACCESS_KEY": "hunter2"})


def test_allow_adds_to_the_lists_generators_inherit() -> None:
    environ = {ALLOW_ENV: "A"}
    allow(["B", " "], ["169.254.169.254"], environ)
    assert environ == {ALLOW_ENV: "A,B", ALLOW_HOSTS: "169.254.169.254"}


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest",
        "http://[fd00:ec2::254]/",
        "http://169.254.1.1:8080",
        "http://[::ffff:a9fe:a9fe]/",
    ],
)
def test_metadata_and_link_local_hosts_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(InputError, match=r"link-local or cloud-metadata.*--allow-host"):
        check_host_allowed(url, {})
    check_host_allowed(url, {ALLOW_HOSTS: f"example.org,{urlsplit(url).hostname}"})
    check_host_allowed("http://127.0.0.1:8080", {})


def test_a_metadata_address_is_never_connected_to(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard: check_reachable (a load test's first connection) refuses before any socket connects."""
    attempts: list[object] = []

    def record(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise AssertionError("connected")

    monkeypatch.setattr(socket, "create_connection", record)
    monkeypatch.setattr(socket.socket, "connect", record)
    monkeypatch.delenv(ALLOW_HOSTS, raising=False)
    with pytest.raises(InputError, match="cloud-metadata"):
        check_reachable("http://169.254.169.254/")
    assert attempts == []


def test_status_values_with_a_pending_list_make_unknown_values_protocol_errors() -> None:
    loose = Completion(done=("COMPLETED",), failed=("FAILED",))
    assert classify_status("ANYTHING", loose) is None
    strict = Completion(done=("COMPLETED",), failed=("FAILED",), pending=("RUNNING",))
    assert classify_status("RUNNING", strict) is None
    with pytest.raises(ValueError, match="none of done, failed and pending"):
        classify_status("WEIRD", strict)


def test_completion_by_status_code_needs_a_done_code_and_disjoint_lists() -> None:
    by_code = Completion(status_pointer=None, pending_status=(470,), done_status=(200,), failed_status=(500,))
    assert by_code.status_pointer is None
    with pytest.raises(ValueError, match="needs done_status"):
        Completion(status_pointer=None)
    with pytest.raises(ValueError, match="HTTP code 200 is in more than one"):
        Completion(done_status=(200,), pending_status=(200,))


def test_error_classes_and_retry_after() -> None:
    assert error_class(0, ConnectionRefusedError(111, "Connection refused"), 0.001, 5.0) == "connection_refused"
    assert error_class(0, TimeoutError("timed out"), 5.01, 5.0) == "connect_timeout"
    assert error_class(0, TimeoutError("timed out"), 10.0, 5.0) == "read_timeout"
    assert error_class(0, OSError("connection reset"), 0.1, 5.0) == "protocol"
    assert [error_class(code, None, 0.1, 5.0) for code in (200, 404, 500)] == [None, "http_4xx", "http_5xx"]
    assert retry_after({"Retry-After": "2"}, 1.0) == 2.0
    assert retry_after({}, 1.0) == 1.0
    assert retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:10 GMT"}, 1.0, now=1445412480.0) == 10.0
    assert retry_after({"Retry-After": "soon"}, 1.5) == 1.5


def test_rejections_requests_and_classes_are_cohort_counts() -> None:
    recorder = StageRecorder(0.0, 10.0, 0.1)
    for offset, outcome, error, requests in (
        (1.0, "completed", None, 3),
        (2.0, "rejected", None, 2),
        (3.0, "lost", "read_timeout", 1),
        (4.0, "lost", "http_5xx", 1),
        (11.0, "lost", "http_5xx", 1),  # outside the window: not counted
    ):
        recorder.started(offset, 0.0, 0.01)
        recorder.ended(offset, outcome, 0.5, error=error, requests=requests)  # type: ignore[arg-type]
    metrics = failure_metrics(recorder)
    assert metrics["rejected"] == 1 and metrics["rejected_share"] == 0.25
    assert metrics["requests_per_workflow"] == 7 / 4
    assert metrics["errors_read_timeout"] == 1 and metrics["errors_http_5xx"] == 1
    assert recorder.sums["cycle_count"] == 1  # the lost and the rejected have no cycle time
    assert describe_errors(metrics) == "read-timeout 1, 5xx 1, rejected 1 (25.0%)"
    assert describe_errors({}) == "-"
    assert math.isnan(failure_metrics(StageRecorder(0.0, 1.0, 0.1))["rejected_share"])


def test_validate_prints_every_target_host_and_refuses_a_metadata_one(tmp_path: Path) -> None:
    import subprocess
    import sys

    import yaml

    study = yaml.safe_load((ROOT / "scenarios" / "order-fulfillment.yaml").read_text(encoding="utf-8"))
    study["scorecard"] = str(ROOT / "scorecards" / "orchestration-platform.yaml")
    study["candidates"][1]["target"] = {"base_url": "http://127.0.0.1:5566", "completion": {"mode": "sync"}}
    study["candidates"][2]["target"] = {"base_url": "http://169.254.169.254", "completion": {"mode": "sync"}}
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False), encoding="utf-8")
    command = [sys.executable, "-m", "evalkit", "validate", str(path)]
    refused = subprocess.run(command, capture_output=True, text=True, check=False, env=_without_allow_lists())
    assert refused.returncode == 2 and "--allow-host 169.254.169.254" in refused.stderr
    allowed = subprocess.run([*command, "--allow-host", "169.254.169.254"], capture_output=True, text=True, check=False)
    assert allowed.returncode == 0, allowed.stderr
    assert "target host: http://127.0.0.1:5566 (Domain Mesh)" in allowed.stdout
    assert "target host: http://169.254.169.254:80 (Event Fabric)" in allowed.stdout


def _without_allow_lists() -> dict[str, str]:
    import os

    return {name: value for name, value in os.environ.items() if name not in (ALLOW_ENV, ALLOW_HOSTS)}
