"""The command line: exit codes, one-line errors, the commands later issues fill in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def evalkit(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalkit", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_help_lists_every_command() -> None:
    result = evalkit("--help")
    assert result.returncode == 0
    for command in ("validate", "schema", "init", "simulate", "loadtest", "serve", "score", "report", "compare", "run"):
        assert command in result.stdout


def test_validate_bundled_studies_is_clean() -> None:
    result = evalkit("validate", *sorted(str(p) for p in (ROOT / "scenarios").glob("*.yaml")))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": ok: ") == len(list((ROOT / "scenarios").glob("*.yaml")))


def test_corrupted_study_is_refused_in_one_line_with_exit_2(tmp_path: Path) -> None:
    text = (ROOT / "scenarios" / "order-fulfillment.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("design: event-driven", "design: event-drivn"), encoding="utf-8")
    result = evalkit("validate", str(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{bad}:" in lines[0] and "candidates[2].design" in lines[0] and "did you mean 'event-driven'" in lines[0]


def test_missing_study_exit_2(tmp_path: Path) -> None:
    result = evalkit("validate", str(tmp_path / "missing.yaml"))
    assert result.returncode == 2 and "file not found" in result.stderr


def test_usage_error_exit_2() -> None:
    assert evalkit("validate").returncode == 2
    assert evalkit("no-such-command").returncode == 2


def test_schema_prints_json_schema() -> None:
    result = evalkit("schema")
    schema = json.loads(result.stdout)
    assert "candidates" in schema["properties"]


def test_init_writes_a_valid_study_and_refuses_to_overwrite(tmp_path: Path) -> None:
    first = evalkit("init", "my-study", "--dir", str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert evalkit("validate", str(tmp_path / "my-study.yaml")).returncode == 0
    again = evalkit("init", "my-study", "--dir", str(tmp_path))
    assert again.returncode == 2 and "--force" in again.stderr


def test_python_m_and_version() -> None:
    result = evalkit("--version")
    assert result.returncode == 0 and result.stdout.startswith("evalkit ")
