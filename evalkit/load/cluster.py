"""A distributed load test: one Locust master plus N Locust workers, local or on other machines.

``--load-processes`` runs independent generator processes; ``--load-workers`` runs Locust's own
master/worker model instead. The master is a generator child process (Locust and gevent never
enter the calling process) that binds ``HOST:PORT``, waits for the expected number of workers
and steps them through the stages (``evalkit.load.generator.master``); it talks to the caller
with the same JSON lines as a standalone generator, so ``LocustCluster`` is a one-process
``GeneratorFleet`` that also starts the local workers once the master listens. Remote workers
join with ``evalkit load-worker --master HOST:PORT``.

Every process this starts has its own session and is stopped on exit, error or Ctrl-C; the
master tells the workers to quit, and the local ones are then made sure of.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from evalkit.errors import InputError
from evalkit.load.fleet import _STARTUP_SECONDS, GeneratorFleet, _end

__all__ = ["DEFAULT_PORT", "LocustCluster", "parse_address"]

#: Locust's own default master port, used when a remote worker's address names none.
DEFAULT_PORT = 5557


def parse_address(text: str, default_port: int = DEFAULT_PORT) -> tuple[str, int]:
    """``HOST[:PORT]`` as a host and a port number."""
    host, _, port = text.strip().rpartition(":") if ":" in text else (text.strip(), "", "")
    try:
        number = int(port) if port else default_port
    except ValueError:
        number = -1
    if not host or not 0 <= number <= 65535:
        raise InputError(f"master address {text!r}: write HOST or HOST:PORT, e.g. 10.0.0.5:{DEFAULT_PORT}")
    return host, number


class LocustCluster(GeneratorFleet):
    """A Locust master child process, and ``local_workers`` worker processes beside it."""

    def __init__(
        self,
        spec_path: Path,
        log_dir: Path,
        *,
        local_workers: int,
        bind: str,
        port: int,
        join_timeout: float,
        on_listening: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(spec_path, 1, log_dir)
        self.local_workers = local_workers
        self.bind = bind
        self.port = port
        self.join_timeout = join_timeout
        self.on_listening = on_listening
        self._workers: list[subprocess.Popen[str]] = []

    def _log_path(self, worker: int) -> Path:
        return self.log_dir / "master.log"

    def _generator_command(self, worker: int) -> list[str]:
        address = f"{self.bind}:{self.port}"
        command = [sys.executable, "-m", "evalkit.load.generator", str(self.spec_path), "--master", address]
        return [*command, "--join-timeout", repr(float(self.join_timeout))]

    def _start(self) -> None:
        self._processes.append(self._spawn(0))
        (listening,) = self._await_all("listening", None, time.monotonic() + _STARTUP_SECONDS, None)
        # A master bound to every interface is still reached on loopback from this machine.
        host = "127.0.0.1" if self.bind in ("*", "0.0.0.0") else self.bind
        address = f"{host}:{listening['port']}"
        if self.on_listening is not None:
            self.on_listening(address)
        for index in range(self.local_workers):
            self._workers.append(self._spawn_worker(index, address))
        self._await_all("ready", None, time.monotonic() + self.join_timeout + _STARTUP_SECONDS, None)

    def _spawn_worker(self, index: int, address: str) -> subprocess.Popen[str]:
        command = [sys.executable, "-m", "evalkit.load.generator", "--join", address]
        command += ["--connect-timeout", repr(float(self.join_timeout))]
        with (self.log_dir / f"worker-{index}.log").open("w", encoding="utf-8") as log:
            return subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, text=True, start_new_session=True
            )

    def close(self, grace: float = 5.0) -> None:
        """Stop the master (it tells its workers to quit), then make sure the local workers are gone."""
        super().close(grace)
        for process in self._workers:
            _end(process, grace)
        self._workers = []
