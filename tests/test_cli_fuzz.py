"""No traceback for a user's mistake, anywhere: the CLI fuzzed over arguments and damaged runs.

Every outcome must be a deliberate exit (0 ok, 2 the user's input, 130 interrupted): an exception
that escapes ``evalkit.cli.main`` is a traceback the user would see, and fails the test. The run
directories are real (one small simulated and scored run), then damaged the ways files get
damaged: truncated, emptied, replaced by another JSON type, by bytes, by a folder, or deleted.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalkit.cli import main

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny.yaml"
ALLOWED = {0, 2, 130}
DAMAGEABLE = ("manifest.json", "scorecard.json", "results.csv", "summary.csv", "study.yaml", "scorecard.yaml")
DAMAGES = ("truncate", "empty", "json-list", "json-null", "json-string", "bytes", "folder", "delete")


def _exit_code(argv: list[str]) -> int:
    """Run the CLI in-process; return its exit code (any other exception propagates and fails)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as errors:
        try:
            main(argv)
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        else:
            code = 0
    assert "Traceback" not in errors.getvalue(), errors.getvalue()
    return code


@pytest.fixture(scope="module")
def scored_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs")
    argv = ["simulate", str(TINY), "--out", str(out), "--replications", "2", "--multiples", "1,2", "--no-faults"]
    assert _exit_code([*argv, "--workers", "1", "--quiet"]) == 0
    run = next(p for p in out.iterdir() if p.is_dir())
    assert _exit_code(["score", str(run)]) == 0
    return run


def _damage(path: Path, how: str) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists() and how != "truncate":
        path.unlink()
    if how == "truncate":
        data = path.read_bytes() if path.exists() else b""
        path.write_bytes(data[: len(data) // 3])
    elif how == "empty":
        path.write_bytes(b"")
    elif how.startswith("json-"):
        path.write_text({"json-list": "[]", "json-null": "null", "json-string": '"x"'}[how], encoding="utf-8")
    elif how == "bytes":
        path.write_bytes(bytes(range(256)) * 4)
    elif how == "folder":
        path.mkdir()


def _damaged_exit_code(scored_run: Path, folder: Path, files: list[str], how: str, command: str) -> int:
    run = folder / scored_run.name
    shutil.copytree(scored_run, run)
    for name in files:
        _damage(run / name, how)
    argv = {
        "score": ["score", str(run)],
        "report": ["report", str(run)],
        "compare": ["compare", str(run), str(scored_run), "-o", str(folder / "c.html")],
        "runs": ["runs", "--out", str(folder)],
    }[command]
    return _exit_code(argv)


@pytest.mark.parametrize(
    ("name", "how", "command"),
    [
        ("manifest.json", "json-list", "compare"),  # each of these once ended in a traceback
        ("manifest.json", "json-null", "score"),
        ("scorecard.json", "folder", "compare"),
        ("results.csv", "folder", "score"),
        ("results.csv", "bytes", "score"),
        ("study.yaml", "folder", "report"),
    ],
)
def test_damages_that_once_gave_a_traceback_are_one_line(
    scored_run: Path, tmp_path: Path, name: str, how: str, command: str
) -> None:
    assert _damaged_exit_code(scored_run, tmp_path, [name], how, command) == 2


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    files=st.lists(st.sampled_from(DAMAGEABLE), min_size=1, max_size=3, unique=True),
    how=st.sampled_from(DAMAGES),
    command=st.sampled_from(["score", "report", "compare", "runs"]),
)
def test_damaged_run_directories_never_end_in_a_traceback(
    scored_run: Path, tmp_path_factory: pytest.TempPathFactory, files: list[str], how: str, command: str
) -> None:
    folder = tmp_path_factory.mktemp("damaged")
    assert _damaged_exit_code(scored_run, folder, files, how, command) in ALLOWED


_WORDS = st.sampled_from(
    ["validate", "schema", "runs", "score", "report", "compare", "init", "--out", "--seed", "--scorecard",
     "--strict", "-o", "--json", "--dir", "--force", "--help", "-5", "99999999999999999999999", "", "\x1b[31m",
     "nonexistent.yaml", str(TINY), "/", "/dev/null", "runs", "--resume", "x" * 300, "é", "--multiples", "1,,2"]
)  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(argv=st.lists(_WORDS, min_size=1, max_size=6))
def test_arbitrary_arguments_never_end_in_a_traceback(
    argv: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    if argv[0] == "init":
        argv = [*argv, "--dir", str(tmp_path_factory.mktemp("init"))]
    assert _exit_code(argv) in ALLOWED


@pytest.mark.parametrize("seed", ["-5", str(2**63), "abc"])
def test_a_bad_seed_on_run_is_an_input_error(seed: str, tmp_path: Path) -> None:
    assert _exit_code(["run", str(TINY), "--out", str(tmp_path), "--seed", seed, "--quiet"]) == 2
    assert not [p for p in tmp_path.iterdir() if p.is_dir()]
