"""The CI gate: --fail-on conditions on a scored run, a distinct exit code, and no data fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evalkit.errors import InputError
from evalkit.scorecard_data import ScoredStudy
from evalkit.scoring.gate import GATE_EXIT_CODE, Gate, check_gate, parse_gate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from report_builders import small_study


@pytest.fixture(scope="module")
def scored() -> ScoredStudy:
    return small_study()  # Domain Mesh knocked out; Conductor Engine wins; Event Fabric sustains ≥ 4x


def test_parse() -> None:
    assert parse_gate("knockout") == Gate("knockout")
    assert parse_gate("slo-breach-at=3") == Gate("slo-breach-at", 3.0)
    assert parse_gate("slo-breach-at=2.5x") == Gate("slo-breach-at", 2.5)
    for bad in ("knockouts", "slo-breach-at=", "slo-breach-at=-1", "slo-breach-at=inf", ""):
        with pytest.raises(InputError, match="--fail-on"):
            parse_gate(bad)


def test_knockout_and_no_winner(scored: ScoredStudy) -> None:
    assert check_gate(scored, Gate("knockout")).failed
    assert "Domain Mesh" in check_gate(scored, Gate("knockout")).message
    assert not check_gate(scored, Gate("no-winner")).failed
    none = scored.model_copy(update={"winner": None})
    assert check_gate(none, Gate("no-winner")).failed


def test_slo_breach_at_a_multiple(scored: ScoredStudy) -> None:
    by_name = {c.name: c.performance[0].max_sustainable_multiple for c in scored.candidates}
    low = min(m for m in by_name.values() if m is not None)
    assert not check_gate(
        scored.model_copy(update={"candidates": scored.candidates[:1]}), Gate("slo-breach-at", 1.0)
    ).failed
    result = check_gate(scored, Gate("slo-breach-at", low + 0.5))
    assert result.failed and "breaches at" in result.message


def test_a_check_with_no_data_fails(scored: ScoredStudy) -> None:
    assert check_gate(None, Gate("knockout")).failed
    assert check_gate(None, Gate("no-winner")).failed
    beyond = check_gate(scored, Gate("slo-breach-at", 40))
    assert beyond.failed and "no data at 40x" in beyond.message
    data = scored.model_dump(mode="json", by_alias=True)
    data["candidates"][0]["performance"] = []
    assert "no data" in check_gate(ScoredStudy.model_validate(data), Gate("slo-breach-at", 1)).message


def test_the_exit_code_is_distinct() -> None:
    assert GATE_EXIT_CODE not in (0, 1, 2, 130)


ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny.yaml"


def _evalkit(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "evalkit", *map(str, args)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)


def test_a_bad_gate_is_refused_before_any_run(tmp_path: Path) -> None:
    result = _evalkit("run", TINY, "--quick", "--out", tmp_path, "--fail-on", "knockouts")
    assert result.returncode == 2 and "--fail-on 'knockouts': allowed:" in result.stderr
    assert not any(tmp_path.iterdir())


def test_run_exits_with_the_gate_code_when_a_check_fails_or_has_no_data(tmp_path: Path) -> None:
    result = _evalkit(
        "run", TINY, "--quick", "--only", "sim", "--workers", "1", "--quiet", "--out", tmp_path,
        "--fail-on", "no-winner", "--fail-on", "slo-breach-at=40",
    )  # fmt: skip
    assert result.returncode == GATE_EXIT_CODE, result.stderr
    assert "gate FAILED: slo-breach-at=40:" in result.stderr and "no data at 40x" in result.stderr
    assert "gate passed: no-winner" in result.stderr or "gate FAILED: no-winner" in result.stderr
