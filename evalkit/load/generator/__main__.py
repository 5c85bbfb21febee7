"""``python -m evalkit.load.generator``: one load-generator process, in one of three roles.

``SPEC --worker K`` is a standalone generator (``--load-processes``): it speaks JSON lines on
stdout to the process that started it and takes one command per stage on stdin, so that several
generator processes start each stage together:

    -> {"type": "ready"}                              once Locust is loaded
    <- "go" | "stop"                                  before each stage
    -> {"type": "progress", "stage": i, "fraction": f}
    -> {"type": "stage", "stage": i, "record": {...}} the stage's StageRecord as JSON
    -> {"type": "done"}

``SPEC --master HOST:PORT`` is a Locust master that speaks the same protocol
(plus ``{"type": "listening", "port": p}`` first) and drives the spec's N Locust workers
(``evalkit.load.generator.master``). ``--join HOST:PORT`` is such a worker
(``evalkit.load.generator.worker``); it needs no spec, the master sends it.

End of input (the caller went away) stops a generator or master after the current stage, which
is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import IO, Any


def _channel() -> IO[str]:
    """The message stream: the real stdout; anything else printing goes to stderr instead."""
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
    sys.stdout = sys.stderr
    return channel


def _send(channel: IO[str], message: dict[str, Any]) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def _standalone(spec_path: Path, worker: int, channel: IO[str]) -> int:
    import locust  # noqa: F401 - patches the standard library with gevent, in this process only
    from locust.env import Environment

    from evalkit.load.generator.client import client_for
    from evalkit.load.generator.outputs import LocustOutputs
    from evalkit.load.generator.scheduler import run_stage
    from evalkit.load.spec import GeneratorSpec

    spec = GeneratorSpec.read(spec_path)
    environment = Environment(host=spec.target["base_url"])
    environment.create_local_runner()
    client = client_for(spec, environment.events.request)
    outputs = LocustOutputs(environment, Path(spec.out_dir), "" if spec.workers == 1 else f"-worker{worker}")
    _send(channel, {"type": "ready", "worker": worker})
    for plan in spec.stages:
        if sys.stdin.readline().strip() != "go":
            break

        def progress(fraction: float, index: int = plan.index) -> None:
            _send(channel, {"type": "progress", "stage": index, "fraction": round(fraction, 4)})

        record = run_stage(spec, plan, worker, client, progress)
        outputs.stage_done(plan.label)
        _send(channel, {"type": "stage", "stage": plan.index, "record": record.to_json()})
    outputs.finish()
    _send(channel, {"type": "done"})
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evalkit.load.generator")
    parser.add_argument("spec", type=Path, nargs="?")
    parser.add_argument("--worker", type=int, default=0)
    parser.add_argument("--master", metavar="HOST:PORT", help="run a Locust master bound there")
    parser.add_argument("--join-timeout", type=float, default=60.0)
    parser.add_argument("--join", metavar="HOST:PORT", help="run a Locust worker of that master")
    parser.add_argument("--connect-timeout", type=float, default=60.0)
    arguments = parser.parse_args(argv)
    if arguments.join:
        from evalkit.load.generator.worker import serve_worker

        return serve_worker(arguments.join, connect_timeout=arguments.connect_timeout)
    if arguments.spec is None:
        parser.error("a spec file is needed (except with --join)")
    channel = _channel()
    if arguments.master:
        from evalkit.load.generator.master import serve_master

        send = lambda message: _send(channel, message)  # noqa: E731
        return serve_master(arguments.spec, arguments.master, arguments.join_timeout, send)
    return _standalone(arguments.spec, arguments.worker, channel)


if __name__ == "__main__":
    sys.exit(main())
