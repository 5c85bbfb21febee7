"""``python -m evalkit.load.generator SPEC --worker K``: one load-generator process.

It speaks JSON lines on stdout to the process that started it and takes one command per stage on
stdin, so that several generator processes start each stage together:

    -> {"type": "ready"}                              once Locust is loaded
    <- "go" | "stop"                                  before each stage
    -> {"type": "progress", "stage": i, "fraction": f}
    -> {"type": "stage", "stage": i, "record": {...}} the stage's StageRecord as JSON
    -> {"type": "done"}

End of input (the caller went away) stops it after the current stage, which is bounded in time.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evalkit.load.generator")
    parser.add_argument("spec", type=Path)
    parser.add_argument("--worker", type=int, default=0)
    arguments = parser.parse_args(argv)
    channel = _channel()

    import locust  # noqa: F401 - patches the standard library with gevent, in this process only
    from locust.contrib.fasthttp import FastHttpSession
    from locust.env import Environment

    from evalkit.load.generator.client import WorkflowClient
    from evalkit.load.generator.outputs import LocustOutputs
    from evalkit.load.generator.scheduler import run_stage
    from evalkit.load.spec import GeneratorSpec
    from evalkit.load.targets import expand_headers
    from evalkit.study import Target

    spec = GeneratorSpec.read(arguments.spec)
    target = Target.model_validate(spec.target)
    environment = Environment(host=target.base_url)
    environment.create_local_runner()
    synchronous = target.completion.mode == "sync"
    session = FastHttpSession(
        target.base_url,
        request_event=environment.events.request,
        user=None,
        concurrency=spec.max_in_flight,
        network_timeout=max(target.timeout, target.workflow_timeout) if synchronous else target.timeout,
        connection_timeout=min(target.timeout, 10.0),
    )
    client = WorkflowClient(session, target, expand_headers(target.headers), spec.late_after)
    outputs = LocustOutputs(environment, Path(spec.out_dir), "" if spec.workers == 1 else f"-worker{arguments.worker}")
    _send(channel, {"type": "ready", "worker": arguments.worker})
    for plan in spec.stages:
        if sys.stdin.readline().strip() != "go":
            break

        def progress(fraction: float, index: int = plan.index) -> None:
            _send(channel, {"type": "progress", "stage": index, "fraction": round(fraction, 4)})

        record = run_stage(spec, plan, arguments.worker, client, progress)
        outputs.stage_done(plan.label)
        _send(channel, {"type": "stage", "stage": plan.index, "record": record.to_json()})
    outputs.finish()
    _send(channel, {"type": "done"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
