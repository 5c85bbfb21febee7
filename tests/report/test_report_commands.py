"""``evalkit report`` and ``evalkit compare`` on real run directories (scored from the fixtures)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from report_builders import large_study, small_study, tuned_study

from evalkit.scorecard_data import ScoredStudy, write_scored_study
from evalkit.store import RunDirectory, create_run

ROOT = Path(__file__).resolve().parents[2]
STUDY = ROOT / "scenarios" / "order-fulfillment.yaml"


def evalkit(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalkit", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def scored_run(out: Path, scored: ScoredStudy, study: Path = STUDY) -> RunDirectory:
    run = create_run(out, study)
    write_scored_study(scored, run.scored_path)
    return run


def test_report_writes_html_and_markdown_and_prints_the_path(tmp_path: Path) -> None:
    run = scored_run(tmp_path, small_study())
    result = evalkit("report", run.path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(run.html_path)
    assert run.html_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "**Recommendation: Conductor Engine**" in run.markdown_path.read_text(encoding="utf-8")


def test_report_on_an_unscored_run_says_what_to_do(tmp_path: Path) -> None:
    run = create_run(tmp_path, STUDY)
    result = evalkit("report", run.path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "evalkit score" in result.stderr and "Traceback" not in result.stderr


def test_report_on_a_plain_folder_is_refused(tmp_path: Path) -> None:
    result = evalkit("report", tmp_path)
    assert result.returncode == 2 and "not a run directory" in result.stderr


def test_compare_lists_a_tuned_parameter(tmp_path: Path) -> None:
    before = scored_run(tmp_path / "a", small_study())
    tuned = tmp_path / "tuned.yaml"
    text = STUDY.read_text(encoding="utf-8").replace("engine_workers: 2", "engine_workers: 4", 1)
    tuned.write_text(
        text.replace(
            "scorecard: orchestration-platform", f"scorecard: {ROOT / 'scorecards' / 'orchestration-platform.yaml'}"
        ),
        encoding="utf-8",
    )
    after = scored_run(tmp_path / "b", tuned_study(), tuned)
    output = tmp_path / "comparison.html"
    result = evalkit("compare", before.path, after.path, "-o", output)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(output)
    html = output.read_text(encoding="utf-8")
    assert "study.candidates[Conductor Engine].parameters.engine_workers" in html
    assert "Each run is scored with its own scorecard, and all are the same" in html


def test_compare_strict_refuses_different_scorecards(tmp_path: Path) -> None:
    first = scored_run(tmp_path / "a", small_study())
    second = scored_run(tmp_path / "b", large_study())
    strict = evalkit("compare", first.path, second.path, "-o", tmp_path / "x.html", "--strict")
    assert strict.returncode == 2 and "drop --strict" in strict.stderr and "Traceback" not in strict.stderr
    assert not (tmp_path / "x.html").exists()
    relaxed = evalkit("compare", first.path, second.path, "-o", tmp_path / "y.html")
    assert relaxed.returncode == 0, relaxed.stderr
    assert "Compared on shared criteria only." in (tmp_path / "y.html").read_text(encoding="utf-8")


def test_compare_needs_two_runs(tmp_path: Path) -> None:
    only = scored_run(tmp_path, small_study())
    result = evalkit("compare", only.path, "-o", tmp_path / "x.html")
    assert result.returncode == 2 and "at least two runs" in result.stderr


def test_report_open_hands_the_file_url_to_the_browser(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import webbrowser

    from evalkit.cli import main

    run = scored_run(tmp_path, small_study())
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url))
    try:
        main(["report", str(run.path), "--open"])
    except SystemExit as done:
        assert done.code == 0
    assert opened == [run.html_path.resolve().as_uri()]
    assert capsys.readouterr().out.strip() == str(run.html_path)


def test_report_renders_a_real_scored_run(tmp_path: Path) -> None:
    """The contract end to end: the pipeline's own scorecard.json renders (no fixture involved)."""
    study = ROOT / "tests" / "fixtures" / "tiny.yaml"
    ran = evalkit("run", study, "--quick", "--no-load", "--workers", "1", "--out", tmp_path, "-q")
    assert ran.returncode == 0, ran.stderr
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    result = evalkit("report", run_dir)
    assert result.returncode == 0, result.stderr
    html = (run_dir / "scorecard.html").read_text(encoding="utf-8")
    assert 'id="recommendation"' in html and 'id="provenance"' in html
    assert html.count("<script") == 2  # the weights panel's data block and its hashed script, nothing else
    # The Assumptions section comes from the run's own study: the peak in its unit, and the process drawn.
    assert 'id="assumptions"' in html and "1x is today's peak" in html
    assert 'class="process-map"' in html or "needs Graphviz" in html


def test_compare_refuses_the_same_run_twice(tmp_path: Path) -> None:
    from evalkit.commands.compare import load_comparison
    from evalkit.errors import InputError

    with pytest.raises(InputError, match="more than once"):
        load_comparison([tmp_path, tmp_path / "."])
