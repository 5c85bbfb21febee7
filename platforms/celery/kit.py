"""The Celery kit: Redis (Debian ``redis-server``), a Celery 5 worker and Flower's REST API, on loopback.

``python platforms/celery/kit.py install|up|down|status`` (or ``evalkit platform up celery``):

- **install**: ``apt-get install redis-server`` when it is missing and we are root (else the
  command to run), and ``pip install celery[redis] flower`` into evalkit's environment (the
  ``platforms`` extra of ``pyproject.toml``).
- **up**: ``redis-server`` on 127.0.0.1:6390 (no persistence), a worker of
  ``evalkit_tasks`` (thread pool, ``EVALKIT_CELERY_CONCURRENCY`` slots, default 8) and Flower on
  127.0.0.1:5566 with its API open (loopback only); ready when a real task has gone through
  Flower, the broker, the worker and the result backend. PID files and logs are in the state
  directory (``platforms/kitlib.py``).
- **down**: stops those processes by PID.

A workflow is started with Flower's ``POST /api/task/async-apply/<task>`` (answer:
``{"task-id": ..., "state": "PENDING"}``) and followed with ``GET /api/task/result/<id>`` (answer:
``{"task-id": ..., "state": "SUCCESS" | "FAILURE" | "PENDING" | "STARTED" | "RETRY", ...}``).
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kitlib import (
    LOOPBACK,
    Kit,
    KitError,
    KitProcess,
    http_json,
    is_root,
    kit_main,
    python,
    run_step,
    wait_for,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NAME = "celery"


def ports() -> tuple[int, int]:
    """(Redis port, Flower port): 6390 and 5566 unless the environment says otherwise."""
    return int(os.environ.get("EVALKIT_CELERY_REDIS_PORT", "6390")), int(
        os.environ.get("EVALKIT_CELERY_FLOWER_PORT", "5566")
    )


def concurrency() -> int:
    return int(os.environ.get("EVALKIT_CELERY_CONCURRENCY", "8"))


def base_url() -> str:
    return f"http://{LOOPBACK}:{ports()[1]}"


def target(task: str = "evalkit.sleep", args: list[Any] | None = None, poll_interval: str = "50ms") -> dict[str, Any]:
    """The verified ``target:`` block for a task of ``evalkit_tasks`` (as a dict)."""
    return {
        "base_url": base_url(),
        "start": {
            "path": f"/api/task/async-apply/{task}",
            "body": {"args": [0.1] if args is None else args},
            "id_pointer": "/task-id",
        },
        "completion": {
            "mode": "poll",
            "status_path": "/api/task/result/{id}",
            "status_pointer": "/state",
            "done": ["SUCCESS"],
            "failed": ["FAILURE", "REVOKED"],
            "pending": ["PENDING", "RECEIVED", "STARTED", "RETRY"],
            "poll_interval": poll_interval,
        },
        "timeout": "10s",
        "workflow_timeout": "60s",
        "kit": NAME,
    }


def install() -> None:
    """Redis from Debian (root only, else say how), Celery and Flower from PyPI into this environment."""
    if shutil.which("redis-server") is None:
        if not is_root():
            raise KitError("redis-server is missing: run `sudo apt-get install redis-server`, then this again")
        run_step(["apt-get", "update", "-qq"], "apt-get update")
        env_prefix = ["env", "DEBIAN_FRONTEND=noninteractive"]
        run_step([*env_prefix, "apt-get", "install", "-y", "-qq", "redis-server"], "install redis-server")
    try:
        import celery  # noqa: F401
        import flower  # noqa: F401
        import redis  # noqa: F401
    except ImportError:
        run_step(
            [python(), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[platforms]"], "pip install celery, flower"
        )


def _redis_ready(port: int) -> bool:
    with socket.create_connection((LOOPBACK, port), timeout=1) as connection:
        connection.sendall(b"PING\r\n")
        return connection.recv(64).startswith(b"+PONG")


def _task_round_trip() -> bool:
    """A real task through Flower, the broker, a worker and the result backend."""
    status, answer = http_json("POST", f"{base_url()}/api/task/async-apply/evalkit.sleep", {"args": [0]})
    if status != 200:
        return False
    task_id = answer["task-id"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        status, result = http_json("GET", f"{base_url()}/api/task/result/{task_id}")
        if status == 200 and result.get("state") == "SUCCESS":
            return True
        time.sleep(0.1)
    return False


def version() -> str | None:
    """Celery's version: Flower's API does not tell it, so the installed package's (the worker's own)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return f"celery {installed('celery')}, flower {installed('flower')}"
    except PackageNotFoundError:
        return None


#: Where ``version()`` reads the engine's version (provenance states it beside the number).
VERSION_SOURCE = "installed packages (Flower's API does not tell it)"


def kit() -> Kit:
    """The Celery kit with this environment's ports and concurrency."""
    redis_port, flower_port = ports()
    redis_url = f"redis://{LOOPBACK}:{redis_port}/0"
    env = {"EVALKIT_CELERY_REDIS": redis_url, "PYTHONPATH": str(HERE), "FLOWER_UNAUTHENTICATED_API": "true"}
    redis_server = shutil.which("redis-server") or "redis-server"

    def ready(directory: Path) -> None:
        wait_for(lambda: _redis_ready(redis_port), 15, "redis-server", directory / "redis.log")
        wait_for(
            lambda: http_json("GET", f"{base_url()}/healthcheck")[0] == 200, 30, "Flower", directory / "flower.log"
        )
        wait_for(_task_round_trip, 30, "a Celery worker", directory / "worker.log")

    def processes(directory: Path) -> list[KitProcess]:
        return [
            KitProcess(
                "redis",
                [
                    redis_server,
                    "--port",
                    str(redis_port),
                    "--bind",
                    LOOPBACK,
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(directory),
                    "--protected-mode",
                    "yes",
                ],
            ),
            KitProcess(
                "worker",
                [
                    python(),
                    "-m",
                    "celery",
                    "-A",
                    "evalkit_tasks",
                    "worker",
                    "--pool",
                    "threads",
                    "--concurrency",
                    str(concurrency()),
                    "-Q",
                    "evalkit",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel",
                    "WARNING",
                ],
                env=env,
                cwd=HERE,
            ),
            KitProcess(
                "flower",
                [
                    python(),
                    "-m",
                    "celery",
                    "-A",
                    "evalkit_tasks",
                    "flower",
                    f"--address={LOOPBACK}",
                    f"--port={flower_port}",
                    "--logging=warning",
                ],
                env=env,
                cwd=HERE,
            ),
        ]

    built = Kit(NAME, [], ready, base_url())
    built.processes = processes(built.directory)
    return built


def main(argv: list[str]) -> int:
    return kit_main("celery", argv, install, kit)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
