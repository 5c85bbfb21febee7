"""A Locust master that steps N workers through the stages together and merges their records.

It uses Locust's own ``MasterRunner`` for the connection, heartbeats and HTTP statistics, and
evalkit's custom messages (see ``evalkit.load.generator.worker``) for the open-model part Locust
does not have: it waits for the expected number of workers, gives each the spec and its index
(in the order Locust numbered them), then for each stage sends ``evalkit_go`` to every worker at
once and waits for every worker's record. The records' HDR histograms arrive encoded and are
merged exactly (decode and add), never by averaging percentiles.

Everything is bounded: joining by ``--join-timeout``, each stage by its longest duration plus a
slack. A worker that quits, goes silent (no heartbeat) for ``LOST_AFTER`` seconds or reports a
failure ends the load test with one clear line on stderr, never a hang and never a stage that
quietly lacks a worker's share.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import STATE_MISSING, MasterRunner

from evalkit.load.cluster import parse_address
from evalkit.load.generator.outputs import LocustOutputs
from evalkit.load.recording import StageRecord, merge_records
from evalkit.load.spec import GeneratorSpec, StagePlan

__all__ = ["LOST_AFTER", "serve_master"]

#: A worker without a heartbeat for this long (on top of Locust's own 3 s) is lost.
LOST_AFTER = 5.0
#: Slack on top of a stage's longest possible duration before a silent worker is an error.
_STAGE_SLACK = 20.0


class WorkerLostError(Exception):
    """A worker left, went silent or failed: the load test cannot go on honestly."""


class _Crew:
    """The workers of one load test, as the master sees them."""

    def __init__(self, runner: MasterRunner, spec: GeneratorSpec) -> None:
        self.runner = runner
        self.spec = spec
        self.members: list[str] = []  # Locust client ids; position = evalkit worker index
        self.ready: set[str] = set()
        self.records: dict[str, StageRecord] = {}
        self.stage = -1
        self.failure: str | None = None
        runner.register_message("evalkit_ready", self._on_ready)
        runner.register_message("evalkit_record", self._on_record)
        runner.register_message("evalkit_failed", self._on_failed)

    def _on_ready(self, environment: Environment, msg: Any, **_: Any) -> None:
        self.ready.add(msg.node_id)

    def _on_record(self, environment: Environment, msg: Any, **_: Any) -> None:
        if msg.node_id in self.members and msg.data["stage"] == self.stage:
            self.records[msg.node_id] = StageRecord.from_json(msg.data["record"])

    def _on_failed(self, environment: Environment, msg: Any, **_: Any) -> None:
        self.failure = f"load worker {msg.data['index']} failed: {msg.data['error']}"

    def assemble(self, timeout: float) -> None:
        """Wait for ``spec.workers`` workers, then hand each the spec and its index."""
        expected = self.spec.workers
        deadline = time.monotonic() + timeout
        while len(self.runner.clients.ready) < expected:
            if time.monotonic() > deadline:
                joined = len(self.runner.clients.ready)
                raise WorkerLostError(f"only {joined} of {expected} load workers joined within {timeout:g} s")
            gevent.sleep(0.1)
        ready: list[str] = sorted((c.id for c in self.runner.clients.ready), key=self.runner.get_worker_index)
        self.members = ready[:expected]  # a surplus worker is left idle, never given a share
        for index, client in enumerate(self.members):
            self.runner.send_message("evalkit_spec", {"spec": self.spec.to_json(), "index": index}, client_id=client)
        self._wait(lambda: self.ready.issuperset(self.members), deadline + 30.0, "get ready")

    def run(self, plan: StagePlan) -> list[StageRecord]:
        """Start ``plan`` on every worker at once; every worker's record, in worker order."""
        self.stage, self.records = plan.index, {}
        for client in self.members:
            self.runner.send_message("evalkit_go", {"stage": plan.index}, client_id=client)
        deadline = time.monotonic() + self.spec.warmup + self.spec.window + self.spec.drain + _STAGE_SLACK
        self._wait(lambda: len(self.records) == len(self.members), deadline, f"finish the {plan.label} stage")
        return [self.records[client] for client in self.members]

    def _wait(self, done: Callable[[], bool], deadline: float, what: str) -> None:
        silent_since: dict[str, float] = {}
        while not done():
            if self.failure:
                raise WorkerLostError(self.failure)
            self._check_alive(silent_since, what)
            if time.monotonic() > deadline:
                raise WorkerLostError(f"the load workers did not {what} in time")
            gevent.sleep(0.05)

    def _check_alive(self, silent_since: dict[str, float], what: str) -> None:
        now = time.monotonic()
        for index, client in enumerate(self.members):
            node = self.runner.clients.get(client)
            if node is None:
                raise WorkerLostError(f"load worker {index} ({client}) quit before it could {what}")
            if node.state != STATE_MISSING:
                silent_since.pop(client, None)
            elif now - silent_since.setdefault(client, now) > LOST_AFTER:
                raise WorkerLostError(f"load worker {index} ({client}) stopped answering; it could not {what}")


def _read_command() -> str:
    """The caller's next word, read in a thread so that heartbeats go on meanwhile."""
    return gevent.get_hub().threadpool.apply(sys.stdin.readline).strip()


def _report_progress(send: Callable[[dict[str, Any]], None], spec: GeneratorSpec, index: int) -> None:
    origin, length = time.monotonic(), spec.warmup + spec.window
    while True:
        fraction = min((time.monotonic() - origin) / length, 1.0)
        send({"type": "progress", "stage": index, "fraction": round(fraction, 4)})
        gevent.sleep(0.5)


def _run_stages(
    crew: _Crew, spec: GeneratorSpec, outputs: LocustOutputs, send: Callable[[dict[str, Any]], None]
) -> None:
    for plan in spec.stages:
        if _read_command() != "go":
            return
        reporter = gevent.spawn(_report_progress, send, spec, plan.index)
        try:
            records = crew.run(plan)
        finally:
            reporter.kill()
        outputs.stage_done(plan.label)
        send({"type": "stage", "stage": plan.index, "record": merge_records(records).to_json()})


def serve_master(spec_path: Path, address: str, join_timeout: float, send: Callable[[dict[str, Any]], None]) -> int:
    """Run the load test's stages on ``spec.workers`` Locust workers bound at ``address``; the exit status."""
    spec = GeneratorSpec.read(spec_path)
    host, port = parse_address(address)
    environment = Environment(host=spec.target["base_url"])
    runner = environment.create_master_runner(host, port)
    crew = _Crew(runner, spec)
    send({"type": "listening", "port": runner.server.port})
    problem = None
    try:
        crew.assemble(join_timeout)
        send({"type": "ready", "workers": len(crew.members)})
        outputs = LocustOutputs(environment, Path(spec.out_dir), distributed=True)
        _run_stages(crew, spec, outputs, send)
        outputs.finish()
        send({"type": "done"})
    except WorkerLostError as error:
        problem = f"{error} (Locust master on {host}:{runner.server.port})"
    finally:
        runner.quit()  # tells every worker to exit
    if problem is not None:
        print(problem, file=sys.stderr)  # last, so it is the line of the log the caller quotes
        return 1
    return 0
