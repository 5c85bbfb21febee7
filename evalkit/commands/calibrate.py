"""``evalkit calibrate RUN_DIR --candidate NAME``: fit a candidate's design parameters to its load test.

Reads the run's measured stages of one candidate, fits the design parameters
(``evalkit.calibrate``), prints assumed against fitted with intervals, the fit quality, the
predicted saturation multiple and the hold-out check (or that the prediction is unverified),
and writes into ``RUN_DIR/calibration/``: ``<candidate>.json`` (the calibration record the
report can show) and ``<candidate>.study.yaml`` (the run's study with the fitted parameters and
their provenance), or the study to ``--out``. ``--into STUDY`` writes the fitted values into
another study instead of the run's (one already calibrated for another candidate, so several
candidates end up calibrated in one file). ``evalkit run`` on that study predicts every
multiple from the calibrated parameters.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import typer

from evalkit.errors import InputError, RunStoreError

__all__ = ["parse_fixed", "parse_multiples", "register"]


def parse_multiples(text: str | None) -> list[float] | None:
    """``1,1.5,2`` -> [1.0, 1.5, 2.0]; a bad list is a one-line input error."""
    if text is None:
        return None
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"--fit-multiples: expected numbers separated by commas, e.g. 1,1.5,2; got {text!r}") from None
    if not values or any(v <= 0 for v in values):
        raise InputError(f"--fit-multiples: expected positive numbers, e.g. 1,1.5,2; got {text!r}")
    return values


def parse_fixed(items: list[str]) -> dict[str, float]:
    """``engine_workers=3`` pairs -> {name: value}."""
    fixed = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            fixed[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise InputError(f"--fix: expected NAME=VALUE in seconds or a count, e.g. engine_workers=3; got {item!r}")
    return fixed


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "candidate"


def register(app: typer.Typer) -> None:
    @app.command(name="calibrate")
    def command(
        run_dir: Path = typer.Argument(..., help="A run directory with load-test results (runs/<run-id>)."),
        candidate: str = typer.Option(..., "--candidate", help="The candidate whose parameters to fit."),
        fit_multiples: str | None = typer.Option(
            None, "--fit-multiples", help="Measured multiples to fit, e.g. 1,1.5,2 (default: all but the top one)."
        ),
        fit: list[str] = typer.Option([], "--fit", help="A parameter to fit (repeatable; default: the design's)."),
        fix: list[str] = typer.Option(
            [], "--fix", help="Pin a parameter, NAME=VALUE (seconds or a count; repeatable)."
        ),
        out: Path | None = typer.Option(None, "--out", help="Write the calibrated study here."),
        into: Path | None = typer.Option(
            None,
            "--into",
            help="Write the fitted values into this study (e.g. one calibrated for another candidate) "
            "instead of the run's own.",
        ),
        bootstrap: int = typer.Option(15, "--bootstrap", min=0, help="Bootstrap replicates for the intervals."),
    ) -> None:
        """Fit a candidate's design parameters to its measured stages; predict beyond them."""
        import numpy as np

        from evalkit.calibrate import calibrate, calibrated_study_text, calibration_record, measured_stages
        from evalkit.store import open_run

        run = open_run(run_dir)
        study, _ = run.load()
        if candidate not in [c.name for c in study.candidates]:
            known = ", ".join(c.name for c in study.candidates)
            raise InputError(f"--candidate: unknown candidate {candidate!r}; the study has: {known}")
        stages = measured_stages(run.results(), candidate)
        calibration = calibrate(
            study,
            candidate,
            stages,
            fit_multiples=parse_multiples(fit_multiples),
            fit=fit or None,
            fixed=parse_fixed(fix),
            rng=np.random.default_rng(study.seed),
            bootstrap=bootstrap,
        )
        record = calibration_record(calibration, run.run_id)
        try:
            base = (into or run.study_path).read_text(encoding="utf-8")
        except OSError as error:
            raise InputError(f"--into: cannot read {into}: {error.strerror or error}") from None
        folder = run.path / "calibration"
        study_out = out or folder / f"{_slug(candidate)}.study.yaml"
        record_out = folder / f"{_slug(candidate)}.json"
        try:
            folder.mkdir(exist_ok=True)
            record_out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
            scorecard = os.path.relpath(run.scorecard_path.resolve(), study_out.resolve().parent)
            text = calibrated_study_text(base, calibration, run.run_id, scorecard=scorecard)
            study_out.write_text(text, encoding="utf-8")
        except OSError as error:
            raise RunStoreError(f"{folder}: cannot write the calibration: {error.strerror or error}") from None
        _print(record)
        print(f"wrote {record_out}")
        print(f"wrote {study_out}")


def _print(record: dict) -> None:
    print(f"{record['candidate']} ({record['design']}): {record['provenance']}")
    for p in record["parameters"]:
        low, high = p["interval_95"]
        pinned = " (fixed)" if p["fixed"] else ""
        print(
            f"  {p['name']:22s} assumed {p['assumed']:.4g}  fitted {p['fitted']:.4g}  95% [{low:.4g}, {high:.4g}]{pinned}"
        )
    saturation = record["saturation_multiple"]
    print(f"  predicted saturation at {saturation:.2f}x" if saturation is not None else "  never saturates")
    if record.get("capacity") is not None:
        print(f"  calibrated capacity {record['capacity']:.4g} workflows/s")
    holdout = record["holdout"]
    if isinstance(holdout, str):
        print(f"  prediction {holdout}")
        return
    for stage in holdout["stages"]:
        measured = "saturated" if stage["measured_saturated"] else f"p95 {stage['measured_p95']:.3g} s"
        predicted = "saturated" if stage["predicted_saturated"] else f"p95 {stage['predicted_p95']:.3g} s"
        error = f" (error {stage['p95_error']:+.0%})" if stage["p95_error"] is not None else ""
        print(f"  hold-out {stage['multiple']:g}x: measured {measured}, predicted {predicted}{error}")
    measured_at = holdout["measured_saturation_multiple"]
    print(
        "  saturation: measured "
        + (f"at {measured_at:g}x" if measured_at is not None else "never (up to the top multiple)")
        + (f", predicted at {saturation:.2f}x" if saturation is not None else ", predicted never")
        + ("" if holdout["saturation_within_one_step"] else " (NOT within one step)")
    )
