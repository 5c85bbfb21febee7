"""The scorecard's calibration section: fitted against assumed, measured against fitted, the hold-out.

``evalkit calibrate RUN --candidate NAME`` leaves a calibration record in ``RUN/calibration/``
(``evalkit.calibrate.record``). The report of a run shows every record that concerns it:

* the calibrations **made from** this run's load test (records in its own ``calibration/``);
* the calibration **behind** a calibrated candidate of this run (the study says so in the
  candidate's ``calibration:`` field; the record is in that run's folder, a sibling of this one).
  This run's simulated figures of that candidate are then *calibrated predictions*.

For each: the fitted parameters beside the assumed ones, with their 95% intervals; every measured
stage beside the calibrated model at the same offered rate (p95 and throughput: the measured and
fitted curves); and the hold-out check: predicted against measured p95 and saturation multiple at
the measured multiples above the fitted ones. Without such multiples the section says plainly
that the prediction is unverified. ``read_calibrations`` reads the records; ``calibration_view``
turns them into the plain rows the template lays out; ``calibration_of_run`` does both for a run.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evalkit.study import Study

__all__ = ["UNVERIFIED", "calibration_of_run", "calibration_view", "read_calibrations"]

#: What the section says when no measured multiple above the fitted ones checked the prediction.
UNVERIFIED = "The prediction is unverified: the run has no measured multiple above the fitted ones to check it against."

Record = Mapping[str, Any]


def _slug(name: str) -> str:
    # The file name ``evalkit calibrate`` gives a candidate's record (evalkit.commands.calibrate).
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "candidate"


def _read(path: Path) -> dict[str, Any] | None:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # a missing or half-written record: the section says the record was not found
    return found if isinstance(found, dict) and "candidate" in found else None


def read_calibrations(run_path: Path, study: Study | None) -> list[dict[str, Any]]:
    """The calibration records that concern the run at ``run_path``, each with how it relates to it.

    Each item is ``{"relation": "made from this run" | "behind this run", "record": dict | None,
    "candidate": name, "claimed": the study's calibration field as a dict or None}``.
    """
    found: list[dict[str, Any]] = []
    for path in sorted((run_path / "calibration").glob("*.json")):
        record = _read(path)
        if record is not None:
            found.append({"relation": "made from this run", "record": record, "candidate": record["candidate"]})
    for candidate in study.candidates if study is not None else ():
        claimed = candidate.calibration
        if claimed is None:
            continue
        source = run_path.parent / claimed.run_id / "calibration" / f"{_slug(candidate.name)}.json"
        record = _read(source) if claimed.run_id != run_path.name else None
        found.append(
            {
                "relation": "behind this run",
                "record": record,
                "candidate": candidate.name,
                "claimed": claimed.model_dump(mode="json"),
            }
        )
    return found


def calibration_of_run(run_path: Path, study_path: Path) -> list[dict[str, Any]]:
    """The section's rows for the run at ``run_path`` (its study read from ``study_path``, if it loads)."""
    from evalkit.errors import EvalkitError
    from evalkit.study import load_study

    try:
        study: Study | None = load_study(study_path)
    except (EvalkitError, OSError):
        study = None  # the run's own calibration records can still be shown
    return calibration_view(read_calibrations(run_path, study))


def calibration_view(calibrations: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The section's plain rows, one block per calibration (see the module docstring)."""
    return [_block(item) for item in calibrations]


def _block(item: Mapping[str, Any]) -> dict[str, Any]:
    record = item.get("record")
    claimed = item.get("claimed") or {}
    block: dict[str, Any] = {
        "candidate": item["candidate"],
        "relation": item["relation"],
        "run_id": record["run_id"] if record else claimed.get("run_id"),
        "found": record is not None,
        "lead": _lead(item, record, claimed),
    }
    if record is None:
        verified = bool(claimed.get("verified"))
        block.update(
            provenance=claimed.get("fit", ""),
            parameters=[],
            curves=[],
            holdout={"verified": verified, "sentence": None if verified else UNVERIFIED, "rows": []},
        )
        return block
    block.update(
        design=record["design"],
        provenance=record["provenance"],
        fit_multiples=", ".join(f"{m:g}x" for m in record["fit_multiples"]),
        rms=(record.get("fit") or {}).get("rms_relative_error"),
        parameters=[_parameter_row(p) for p in record["parameters"]],
        curves=[_curve_row(s) for s in record.get("stages", [])],
        capacity=record.get("capacity"),
        saturation_multiple=_rounded(record.get("saturation_multiple")),
        holdout=_holdout(record),
    )
    return block


def _lead(item: Mapping[str, Any], record: Record | None, claimed: Mapping[str, Any]) -> str:
    name = item["candidate"]
    if item["relation"] == "made from this run":
        return f"{name}'s design parameters fitted to this run's load test (evalkit calibrate)."
    run_id = record["run_id"] if record else claimed.get("run_id", "?")
    text = (
        f"{name}'s figures in this run are calibrated predictions: the model ran with parameters fitted "
        f"to the load test of run {run_id}."
    )
    if record is None:
        text += " That run's calibration record was not found beside this run, so only its summary is shown."
    return text


def _value(value: float | None, kind: str) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    if kind == "count":
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return f"{value * 1e3:.3g} ms"


def _parameter_row(parameter: Record) -> dict[str, Any]:
    kind = parameter["kind"]
    low, high = parameter["interval_95"]
    assumed, fitted = parameter["assumed"], parameter["fitted"]
    change = f"{(fitted - assumed) / assumed:+.0%}".replace("-", "−") if assumed else "—"
    return {
        "name": parameter["name"],
        "meaning": parameter["meaning"],
        "assumed": _value(assumed, kind) if parameter["name"] != "overhead" else "not in the study",
        "fitted": _value(fitted, kind),
        "interval": "fixed" if parameter["fixed"] else f"{_value(low, kind)} – {_value(high, kind)}",
        "change": change,
        "fixed": bool(parameter["fixed"]),
    }


def _curve_row(stage: Record) -> dict[str, Any]:
    return {
        "multiple": stage["multiple"],
        "role": stage["role"],
        "offered_rate": stage["offered_rate"],
        "measured_p95": None if stage["measured_saturated"] else stage["measured_p95"],
        "fitted_p95": None if stage["predicted_saturated"] else stage["predicted_p95"],
        "measured_throughput": stage["measured_throughput"],
        "fitted_throughput": stage["predicted_throughput"],
        "measured_saturated": stage["measured_saturated"],
        "predicted_saturated": stage["predicted_saturated"],
    }


def _holdout(record: Record) -> dict[str, Any]:
    holdout = record["holdout"]
    if isinstance(holdout, str):
        return {"verified": False, "sentence": UNVERIFIED, "rows": []}
    rows = [
        {
            "multiple": h["multiple"],
            "measured_p95": None if h["measured_saturated"] else h["measured_p95"],
            "predicted_p95": None if h["predicted_saturated"] else h["predicted_p95"],
            "error": h["p95_error"],
            "measured_saturated": h["measured_saturated"],
            "predicted_saturated": h["predicted_saturated"],
            "agree": h["measured_saturated"] == h["predicted_saturated"],
        }
        for h in holdout["stages"]
    ]
    errors = [abs(r["error"]) for r in rows if r["error"] is not None]
    measured = holdout["measured_saturation_multiple"]
    top = max((s["multiple"] for s in record.get("stages", [])), default=None)
    return {
        "verified": True,
        "sentence": None,
        "rows": rows,
        "worst_p95_error": max(errors) if errors else None,
        "predicted_saturation": _rounded(holdout["predicted_saturation_multiple"]),
        "measured_saturation": measured,
        "measured_saturation_text": f"at {measured:g}x"
        if measured is not None
        else "not saturated" + (f" up to {top:g}x" if top is not None else ""),
        "within_one_step": holdout["saturation_within_one_step"],
    }


def _rounded(multiple: float | None) -> float | None:
    # A predicted multiple is a model's figure: two decimals, not the solver's six.
    return None if multiple is None or not math.isfinite(multiple) else round(float(multiple), 2)
