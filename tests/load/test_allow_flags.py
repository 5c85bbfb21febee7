"""``--allow-env`` on ``run`` and ``loadtest``: a study's ``${NAME}`` is expanded only when the runner allows it."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from load_targets import one_system_study


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("command", ["run", "loadtest"])
def test_a_variable_is_refused_until_the_runner_allows_it(tmp_path: Path, command: str) -> None:
    target = {
        "base_url": f"http://127.0.0.1:{_closed_port()}",
        "start": {"path": "/work"},
        "completion": {"mode": "sync"},
        "headers": {"X-Trace": "${MY_TRACE_TOKEN}"},
    }
    path = tmp_path / "study.yaml"
    path.write_text(
        yaml.safe_dump(
            one_system_study(
                peak_rate="5/s",
                multiples=[1],
                target=target,
                load={"stage_warmup": "0.5 s", "stage_duration": "1 s", "drain_timeout": "0.5 s"},
            )
        ),
        encoding="utf-8",
    )
    base = [sys.executable, "-m", "evalkit", command, str(path), "--out", str(tmp_path / "runs")]
    if command == "run":
        base += ["--only", "load", "--quiet"]
    environment = {"PATH": "/usr/bin:/bin", "MY_TRACE_TOKEN": "s3cret"}
    refused = subprocess.run(base, capture_output=True, text=True, timeout=120, env=environment)
    assert refused.returncode == 2 and "MY_TRACE_TOKEN" in refused.stderr and "--allow-env" in refused.stderr
    allowed = subprocess.run(
        [*base, "--allow-env", "MY_TRACE_TOKEN"], capture_output=True, text=True, timeout=120, env=environment
    )
    # allowed, the variable is no longer the problem: the closed port is
    assert allowed.returncode == 2 and "MY_TRACE_TOKEN" not in allowed.stderr, allowed.stderr
    assert "connect" in allowed.stderr
