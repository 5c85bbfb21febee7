"""``ReferencePlatform``: a candidate's reference platform in its own process, for one ``with`` block.

It runs ``python -m evalkit serve STUDY --candidate NAME --port 0`` in a new session (its own
process group), reads the URL the server prints, waits for ``/health``, and on exit stops the
whole group: SIGTERM, then SIGKILL if it lingers. The server also watches this process and stops
by itself if it disappears, so neither Ctrl-C nor a killed caller leaves a server behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO

from evalkit.errors import LoadTestError

__all__ = ["ReferencePlatform"]

_URL = re.compile(r"listening on (http://\S+)")


class ReferencePlatform:
    """Context manager: a candidate's reference platform on a free loopback port."""

    def __init__(
        self,
        study_path: Path,
        candidate: str,
        *,
        port: int | None = None,
        time_scale: float | None = None,
        seed: int | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        self.study_path = Path(study_path)
        self.candidate = candidate
        self.port = port
        self.time_scale = time_scale
        self.seed = seed
        self.startup_timeout = startup_timeout
        self.base_url = ""
        self._process: subprocess.Popen[str] | None = None
        self._errors: IO[str] | None = None

    def _command(self) -> list[str]:
        command = [sys.executable, "-m", "evalkit", "serve", str(self.study_path), "--candidate", self.candidate]
        command += ["--port", str(self.port or 0), "--watch-parent", str(os.getpid())]
        if self.time_scale is not None:
            command += ["--time-scale", repr(float(self.time_scale))]
        if self.seed is not None:
            command += ["--seed", str(self.seed)]
        return command

    def __enter__(self) -> ReferencePlatform:
        self._errors = tempfile.TemporaryFile("w+", encoding="utf-8")
        self._process = subprocess.Popen(
            self._command(),
            stdout=subprocess.PIPE,
            stderr=self._errors,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + self.startup_timeout
            self.base_url = self._read_url(deadline)
            self._wait_healthy(deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def _read_url(self, deadline: float) -> str:
        assert self._process is not None and self._process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if selector.select(timeout=0.2):
                    line = self._process.stdout.readline()
                    if not line:
                        break
                    match = _URL.search(line)
                    if match:
                        return match.group(1)
                if self._process.poll() is not None:
                    break
        raise LoadTestError(f"the reference platform for {self.candidate!r} did not start: {self._last_error()}")

    def _wait_healthy(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base_url}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise LoadTestError(f"the reference platform for {self.candidate!r} never answered /health")

    def _last_error(self) -> str:
        if self._errors is None:
            return "no output"
        self._errors.seek(0)
        lines = [line.strip() for line in self._errors.read().splitlines() if line.strip()]
        return lines[-1] if lines else "it exited without a message"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def stop(self) -> None:
        """Stop the server's whole process group; idempotent."""
        process, self._process = self._process, None
        if process is None:
            return
        _stop_group(process)
        if process.stdout is not None:
            process.stdout.close()
        if self._errors is not None:
            self._errors.close()
            self._errors = None


def _stop_group(process: subprocess.Popen[str], grace: float = 5.0) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after ``grace`` seconds."""
    for number, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, grace)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, number)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
