"""``evalkit serve`` and ``evalkit loadtest`` from the command line, including Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evalkit.results import ResultTable

STUDY = Path(__file__).parent / "studies" / "small-three-designs.yaml"
pytestmark = pytest.mark.timeout(120)


def evalkit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evalkit", *args], capture_output=True, text=True, timeout=100)


def processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line mentions ``text`` (our temporary folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "status").read_text()
        except OSError:
            continue
        if text in command and "zombie" not in state:
            found.append(int(entry.name))
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def test_serve_refuses_an_unknown_candidate_in_one_line() -> None:
    result = evalkit("serve", str(STUDY), "--candidate", "Nope", "--port", "0")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "evalkit: error: unknown candidate 'Nope'; the study has: Engine, Mesh, Fabric"
    ]


def test_loadtest_writes_a_run_and_prints_a_stage_table(tmp_path: Path) -> None:
    result = evalkit(
        "loadtest",
        str(STUDY),
        "--candidate",
        "Mesh",
        "--multiples",
        "1",
        "--stage-seconds",
        "2",
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert "Mesh" in result.stdout and "1x" in result.stdout and "run: " in result.stdout
    (run,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    table = ResultTable.read_csv(run / "results.csv")
    assert set(table.frame["source"]) == {"load"} and set(table.frame["candidate"]) == {"Mesh"}
    assert table.select(metric="completed")["value"].iloc[0] > 0
    assert (run / "locust" / "Mesh" / "report.html").is_file() and (run / "summary.csv").is_file()
    assert not processes_mentioning(str(tmp_path))


def test_ctrl_c_leaves_no_server_or_generator_behind(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "evalkit", "loadtest", str(STUDY), "--candidate", "Fabric", "--multiples", "1"]
    command += ["--stage-seconds", "30", "--out", str(tmp_path)]
    # SIGINT as a terminal delivers it, even when the test run itself was started with it ignored.
    restore = lambda: signal.signal(signal.SIGINT, signal.default_int_handler)  # noqa: E731
    cli = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, preexec_fn=restore)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        running = [command_line(pid) for pid in processes_mentioning(str(tmp_path))]
        if any("evalkit.load.generator" in c for c in running) and any(" serve " in c for c in running):
            break
        time.sleep(0.2)
    else:
        cli.kill()
        pytest.fail("the load test never started its server and generator")
    time.sleep(1.0)  # into the stage
    cli.send_signal(signal.SIGINT)
    _, errors = cli.communicate(timeout=30)
    assert cli.returncode == 130, errors
    deadline = time.monotonic() + 15
    while processes_mentioning(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not processes_mentioning(str(tmp_path))
