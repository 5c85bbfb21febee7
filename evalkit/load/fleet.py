"""The generator processes of one load test, started together and stepped stage by stage.

Each generator is ``python -m evalkit.load.generator SPEC --worker K`` in its own session (its own
process group), so that Locust's gevent patching never touches the calling process and Ctrl-C in
a terminal reaches only the caller, which then stops every group it started. A reader thread per
process turns its JSON lines into messages on one queue; the caller sends ``go`` to all of them
at once for each stage (a barrier, so N processes offer their shares of a stage together) and
waits, with a deadline, for every process's record. Should the caller die, the generators read
end-of-input after their current, time-bounded stage and exit.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from evalkit.errors import LoadTestError

__all__ = ["GeneratorFleet"]

_STARTUP_SECONDS = 60.0


class GeneratorFleet:
    """N generator processes driven through one spec file."""

    def __init__(self, spec_path: Path, workers: int, log_dir: Path) -> None:
        self.spec_path = spec_path
        self.workers = workers
        self.log_dir = log_dir
        self._processes: list[subprocess.Popen[str]] = []
        self._messages: queue.Queue[tuple[int, dict[str, Any] | None]] = queue.Queue()

    def __enter__(self) -> GeneratorFleet:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        # After an error or Ctrl-C the generators may be mid-stage: do not wait for them to finish it.
        self.close(grace=5.0 if kind is None else 0.5)

    def _start(self) -> None:
        for worker in range(self.workers):
            self._processes.append(self._spawn(worker))
        self._await_all("ready", None, time.monotonic() + _STARTUP_SECONDS, None)

    def _log_path(self, worker: int) -> Path:
        return self.log_dir / f"generator-{worker}.log"

    def _generator_command(self, worker: int) -> list[str]:
        return [sys.executable, "-m", "evalkit.load.generator", str(self.spec_path), "--worker", str(worker)]

    def _spawn(self, worker: int) -> subprocess.Popen[str]:
        command = self._generator_command(worker)
        with self._log_path(worker).open("w", encoding="utf-8") as log:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                start_new_session=True,
            )
        threading.Thread(target=self._read, args=(worker, process), daemon=True).start()
        return process

    def _read(self, worker: int, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            try:
                self._messages.put((worker, json.loads(line)))
            except json.JSONDecodeError:
                continue
        self._messages.put((worker, None))  # end of output: the process has exited

    def go(self) -> None:
        """Start the next stage in every process."""
        self._command("go")

    def _command(self, word: str) -> None:
        for process in self._processes:
            with contextlib.suppress(BrokenPipeError, OSError, ValueError):
                assert process.stdin is not None
                process.stdin.write(word + "\n")
                process.stdin.flush()

    def collect(
        self, stage: int, deadline: float, progress: Callable[[float], None] | None = None
    ) -> list[dict[str, Any]]:
        """Every process's record of ``stage``, in worker order; refuses to wait past ``deadline``."""
        return self._await_all("stage", stage, deadline, progress)

    def _await_all(
        self, kind: str, stage: int | None, deadline: float, progress: Callable[[float], None] | None
    ) -> list[dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        fractions = [0.0] * self.workers
        while len(found) < self.workers:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LoadTestError(f"a load generator did not report {kind} in time; see {self.log_dir}")
            try:
                worker, message = self._messages.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if message is None:
                raise LoadTestError(f"load generator {worker} stopped: {self._last_error(worker)}")
            if message.get("type") == "progress" and progress is not None:
                fractions[worker] = float(message.get("fraction", 0.0))
                progress(min(fractions))
            elif message.get("type") == kind and message.get("stage", stage) == stage:
                found[worker] = message
        return [found[worker] for worker in range(self.workers)]

    def _last_error(self, worker: int) -> str:
        try:
            lines = [line.strip() for line in self._log_path(worker).read_text(encoding="utf-8").splitlines()]
        except OSError:
            lines = []
        lines = [line for line in lines if line]
        return lines[-1] if lines else "it exited without a message"

    def close(self, grace: float = 5.0) -> None:
        """Tell every process to stop, then make sure its whole group is gone."""
        self._command("stop")
        for process in self._processes:
            with contextlib.suppress(OSError, ValueError):
                assert process.stdin is not None
                process.stdin.close()
        for process in self._processes:
            _end(process, grace)
        self._processes = []


def _end(process: subprocess.Popen[str], grace: float = 5.0) -> None:
    """Wait briefly for a clean exit; then SIGTERM and SIGKILL the process group."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    for number in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, number)
        try:
            process.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            continue
    if process.stdout is not None:
        with contextlib.suppress(OSError):
            process.stdout.close()
