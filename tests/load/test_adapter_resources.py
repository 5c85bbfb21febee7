"""A local engine's CPU and memory per stage, measured on a process whose burn is known."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from evalkit.load.resources import EngineProbe, kit_pids

pytest.importorskip("psutil")
# Burns exactly `seconds` of its own CPU time after start-up, holds `mb` of memory, says when done.
BURN = (
    "import sys, time\nblob = bytearray({mb} * 1024 * 1024)\nend = time.process_time() + {seconds}\n"
    "while time.process_time() < end: pass\nopen(sys.argv[1], 'w').write('done')\ntime.sleep(60)\n"
)


def test_cpu_seconds_and_peak_memory_of_a_known_burn(tmp_path: Path) -> None:
    done = tmp_path / "done"
    child = subprocess.Popen([sys.executable, "-c", BURN.format(seconds=0.6, mb=80), str(done)])
    try:
        probe = EngineProbe([child.pid], interval=0.05)
        assert probe.active
        probe.start()
        deadline = time.monotonic() + 60
        while not done.exists() and time.monotonic() < deadline:  # however busy the machine is
            time.sleep(0.05)
        metrics = probe.stop(workflows=200)
    finally:
        child.kill()
        child.wait()
    # the burn (0.6 s of the child's own clock) plus at most the interpreter's start-up
    assert 0.55 <= metrics["engine_cpu_seconds"] <= 1.2
    assert metrics["engine_peak_memory"] >= 80
    assert metrics["engine_cpu_per_1000"] == pytest.approx(metrics["engine_cpu_seconds"] * 5)


def test_no_processes_no_rows_and_pid_files_are_read(tmp_path: Path) -> None:
    assert EngineProbe([]).stop(10) == {}
    (tmp_path / "celery").mkdir()
    (tmp_path / "celery" / "worker.pid").write_text("123", encoding="ascii")
    (tmp_path / "celery" / "junk.pid").write_text("x", encoding="ascii")
    assert kit_pids("celery", {"EVALKIT_PLATFORM_DIR": str(tmp_path)}) == [123]
