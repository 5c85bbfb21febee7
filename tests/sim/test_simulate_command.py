"""``evalkit simulate``: a run directory with results, the compact table, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.results import ResultTable

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny.yaml"


def _run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as ended:
        main(argv)
    return int(ended.value.code or 0)


def test_simulate_writes_a_run_and_prints_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", str(TINY), "--replications", "2", "--multiples", "1,2", "--workers", "1"]
    assert _run([*argv, "--out", str(tmp_path), "--seed", "99"]) == 0
    printed = capsys.readouterr().out
    run_dir = Path(printed.strip().splitlines()[-1].removeprefix("run: "))
    table = ResultTable.read_csv(run_dir / "results.csv")
    assert set(table.frame["source"]) == {"sim"} and set(table.frame["multiple"]) == {1.0, 2.0}
    assert set(table.frame["candidate"]) == {"Engine", "Mesh", "Fabric"}
    assert (run_dir / "summary.csv").is_file()
    assert '"seed": 99' in (run_dir / "manifest.json").read_text()
    assert "saturates at" in printed and all(name in printed for name in ("Engine", "Mesh", "Fabric"))


def test_simulate_refuses_bad_multiples_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["simulate", str(TINY), "--multiples", "1,fast", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("evalkit: error: --multiples") and "\n" not in error
