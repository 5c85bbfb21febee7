"""A Locust worker that carries its share of every stage a master asks for.

It joins the master with Locust's own ``WorkerRunner`` (so Locust's HTTP statistics reach the
master the usual way) and then waits for evalkit's custom messages on that connection:

    <- evalkit_spec   {"spec": {...}, "index": k}    the whole plan, and which share is ours
    -> evalkit_ready  {"index": k}
    <- evalkit_go     {"stage": i}                   start stage i now (every worker at once)
    -> evalkit_record {"index": k, "stage": i, "record": {...}}  HDR histograms encoded
    -> evalkit_failed {"index": k, "error": "..."}   instead, when something went wrong here

Worker k of N offers the stage's arrivals at rate / N from its own seeded stream (the study
seed, the stage and k), exactly as generator process k of N does. It exits when the master
quits, or, should the master vanish without a word, after Locust's heartbeat timeout.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import WorkerRunner

from evalkit.load.cluster import parse_address
from evalkit.load.generator.client import WorkflowClient, client_for
from evalkit.load.generator.scheduler import run_stage
from evalkit.load.spec import GeneratorSpec

__all__ = ["serve_worker"]


class _Share:
    """This worker's part of the load test: set up by ``evalkit_spec``, run by ``evalkit_go``."""

    def __init__(self, environment: Environment, runner: WorkerRunner) -> None:
        self.environment = environment
        self.runner = runner
        self.spec: GeneratorSpec | None = None
        self.index = -1
        self.client: WorkflowClient | None = None
        runner.register_message("evalkit_spec", self.on_spec)
        # concurrent: a stage takes seconds, and the worker must keep answering heartbeats meanwhile
        runner.register_message("evalkit_go", self.on_go, concurrent=True)

    def on_spec(self, environment: Environment, msg: Any, **_: Any) -> None:
        self.index = int(msg.data["index"])
        try:
            self.spec = GeneratorSpec.from_json(msg.data["spec"])
            self.client = client_for(self.spec, environment.events.request)
        except Exception as error:  # noqa: BLE001 - the master must hear why, not wait for a record
            self._fail(error)
            return
        print(f"evalkit load worker: joined as worker {self.index} of {self.spec.workers}", file=sys.stderr)
        self.runner.send_message("evalkit_ready", {"index": self.index})

    def on_go(self, environment: Environment, msg: Any, **_: Any) -> None:
        assert self.spec is not None and self.client is not None
        try:
            plan = self.spec.stages[int(msg.data["stage"])]
            record = run_stage(self.spec, plan, self.index, self.client, lambda fraction: None)
        except Exception as error:  # noqa: BLE001
            self._fail(error)
            return
        # Flush Locust's HTTP statistics first: the master writes its stage CSV on our record,
        # and messages on one connection arrive in order.
        self.runner._send_stats()
        data = {"index": self.index, "stage": plan.index, "record": record.to_json()}
        self.runner.send_message("evalkit_record", data)

    def _fail(self, error: Exception) -> None:
        traceback.print_exc(file=sys.stderr)
        text = f"{type(error).__name__}: {error}"
        self.runner.send_message("evalkit_failed", {"index": self.index, "error": text})


def serve_worker(master: str, *, connect_timeout: float) -> int:
    """Join the master at ``master`` (HOST[:PORT]) and serve it until it quits; the exit status."""
    host, port = parse_address(master)
    environment = Environment()
    try:
        # Locust retries for minutes; a worker that cannot reach its master should say so sooner.
        with gevent.Timeout(connect_timeout):
            runner = environment.create_worker_runner(host, port)
    except (gevent.Timeout, ConnectionError):
        print(
            f"evalkit load worker: no Locust master answered at {host}:{port} within {connect_timeout:g} s",
            file=sys.stderr,
        )
        return 1
    _Share(environment, runner)
    print(f"evalkit load worker: connected to {host}:{port}", file=sys.stderr)
    runner.greenlet.join()
    return 0
