"""What the CLI prints (issue 15 §2, §5): every problem in file order, advice before any load, safe names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STUDY = ROOT / "scenarios" / "order-fulfillment.yaml"


def _evalkit(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "evalkit", *map(str, args)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_validate_reports_every_problem_one_per_line_in_file_order(tmp_path: Path) -> None:
    text = STUDY.read_text(encoding="utf-8")
    text = text.replace("design: event-driven", "design: event-drivn", 1)
    text = text.replace("p95_cycle_time: 3s", "p95_cycle_time: -3s", 1).replace("peak_rate: 10/s", "peak_rate: lots", 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    result = _evalkit("validate", bad)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith(f"evalkit: error: {bad}:") for line in lines)
    assert "more problem" not in result.stderr
    fields = [line.split(": ")[3] for line in lines]
    assert fields == ["traffic.peak_rate", "slo.p95_cycle_time", "candidates[2].design"]
    numbers = [int(line.split(": ")[2].rsplit(":", 1)[1]) for line in lines]
    assert numbers == sorted(numbers)


def test_validate_warns_when_a_stage_cannot_complete_a_workflow(tmp_path: Path) -> None:
    text = STUDY.read_text(encoding="utf-8").replace("drain_timeout: 5s", "drain_timeout: 5s\n  time_scale: 100")
    slow = tmp_path / "slow.yaml"
    slow.write_text(text, encoding="utf-8")
    result = _evalkit("validate", slow)
    assert result.returncode == 0, result.stderr
    warning = [line for line in result.stdout.splitlines() if ": warning: a load stage" in line]
    assert warning and "load.time_scale" in warning[0] and "typical cycle time" in warning[0]


def test_a_hostile_candidate_name_reaches_the_terminal_as_escapes(tmp_path: Path) -> None:
    text = STUDY.read_text(encoding="utf-8").replace("name: Domain Mesh", 'name: "Domain\\e[2JMesh"', 1)
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(text, encoding="utf-8")
    result = _evalkit("validate", hostile)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout + result.stderr
    assert "Domain\\x1b[2JMesh" in result.stdout
