"""What a calibration leaves behind: a JSON record for the report, and a calibrated study copy.

The **record** holds, for one candidate: the run and multiples it was fitted to, each parameter
assumed against fitted with its interval, the fit's residuals and RMS relative error, the
predictions at every multiple, the predicted saturation multiple and capacity, every measured
stage beside the calibrated model at its offered rate (p95 and throughput: the measured and
fitted curves), and the hold-out check (or the plain statement that the prediction is
unverified). The **calibrated study** is the run's own
study with the candidate's fitted parameters written in, and a description and header that say
where they came from, so ``evalkit run`` on it predicts from measured, not assumed, parameters.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from evalkit.calibrate.fit import Calibration
from evalkit.calibrate.parameters import OVERHEAD

__all__ = ["calibrated_study_text", "calibration_record", "provenance"]

UNVERIFIED = "unverified: the run has no measured multiple above the fitted ones to check the prediction against"


def _number(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def provenance(calibration: Calibration, run_id: str) -> str:
    """One line: the run, the multiples, the fit quality."""
    multiples = ", ".join(f"{m:g}x" for m in calibration.fit_multiples)
    return (
        f"calibrated from run {run_id} at {multiples} "
        f"(RMS relative error {calibration.rms_relative_error:.1%}; {_verdict(calibration)})"
    )


def _verdict(calibration: Calibration) -> str:
    if not calibration.verified:
        return "prediction unverified"
    errors = [abs(h.p95_error) for h in calibration.holdout if math.isfinite(h.p95_error)]
    parts = []
    if errors:
        parts.append(f"hold-out p95 error {max(errors):.0%}")
    if calibration.saturation_within_one_step is not None:
        parts.append(
            "saturation " + ("within" if calibration.saturation_within_one_step else "NOT within") + " one step"
        )
    return "hold-out: " + ", ".join(parts) if parts else "hold-out checked"


def calibration_record(calibration: Calibration, run_id: str) -> dict[str, Any]:
    """The calibration as plain JSON-able data."""
    holdout: dict[str, Any] | str
    if calibration.verified:
        holdout = {
            "stages": [
                {
                    "multiple": h.multiple,
                    "measured_p95": _number(h.measured_p95),
                    "predicted_p95": _number(h.predicted_p95),
                    "p95_error": _number(h.p95_error),
                    "measured_saturated": h.measured_saturated,
                    "predicted_saturated": h.predicted_saturated,
                }
                for h in calibration.holdout
            ],
            "predicted_saturation_multiple": _number(calibration.saturation_multiple),
            "measured_saturation_multiple": calibration.measured_saturation_multiple,
            "saturation_within_one_step": calibration.saturation_within_one_step,
        }
    else:
        holdout = UNVERIFIED
    return {
        "run_id": run_id,
        "candidate": calibration.candidate,
        "design": calibration.design,
        "fit_multiples": list(calibration.fit_multiples),
        "provenance": provenance(calibration, run_id),
        "parameters": [
            {
                "name": e.name,
                "kind": e.kind,
                "meaning": e.meaning,
                "unit": "count" if e.kind == "count" else "s",
                "assumed": e.assumed,
                "fitted": e.fitted,
                "interval_95": [e.low, e.high],
                "fixed": e.fixed,
            }
            for e in calibration.estimates
        ],
        "fit": {
            "rms_relative_error": _number(calibration.rms_relative_error),
            "residuals": [
                {
                    "multiple": r.multiple,
                    "metric": r.metric,
                    "measured": _number(r.measured),
                    "fitted": _number(r.fitted),
                    "relative": _number(r.relative),
                }
                for r in calibration.residuals
            ],
        },
        "predictions": [
            {k: (_number(v) if isinstance(v, float) else v) for k, v in p.items()} for p in calibration.predictions
        ],
        "saturation_multiple": _number(calibration.saturation_multiple),
        "capacity": _number(calibration.capacity),
        "stages": [
            {
                "multiple": f.multiple,
                "role": f.role,
                "offered_rate": _number(f.offered_rate),
                "measured_p95": _number(f.measured_p95),
                "predicted_p95": _number(f.predicted_p95),
                "measured_throughput": _number(f.measured_throughput),
                "predicted_throughput": _number(f.predicted_throughput),
                "measured_saturated": f.measured_saturated,
                "predicted_saturated": f.predicted_saturated,
            }
            for f in calibration.stages
        ],
        "holdout": holdout,
    }


def calibrated_study_text(
    study_text: str, calibration: Calibration, run_id: str, *, scorecard: str | None = None
) -> str:
    """The study file with the candidate's fitted parameters and their provenance written in.

    ``scorecard`` replaces the study's scorecard reference (a copy written elsewhere than the
    study must still find the run's scorecard).
    """
    data = yaml.safe_load(study_text)
    if scorecard is not None:
        data["scorecard"] = scorecard
    line = provenance(calibration, run_id)
    for candidate in data.get("candidates", []):
        if candidate.get("name") != calibration.candidate:
            continue
        parameters = candidate.setdefault("parameters", {})
        for estimate in calibration.estimates:
            if estimate.name == OVERHEAD:
                continue
            # A study file's durations carry their unit (evalkit.units): a fitted time is seconds.
            parameters[estimate.name] = (
                round(estimate.fitted) if estimate.kind == "count" else f"{estimate.fitted:.6g} s"
            )
        description = str(candidate.get("description", "")).strip()
        candidate["description"] = f"{description} [{line}]".strip()
        # What makes the evidence record say "calibrated" for this candidate's simulated figures.
        candidate["calibration"] = {
            "run_id": run_id,
            "multiples": [float(m) for m in calibration.fit_multiples],
            "fitted": [e.name for e in calibration.estimates if e.name != OVERHEAD and not e.fixed],
            "fit": line,
            "verified": bool(calibration.verified),
        }
    header = [
        f"# Calibrated study: {calibration.candidate}'s parameters {line}.",
        "# Written by `evalkit calibrate`; the calibration record beside this file has the intervals and residuals.",
    ]
    overhead = calibration.values.get(OVERHEAD, 0.0)
    if overhead > 0:
        header.append(
            f"# A black-box overhead of {overhead * 1e3:.3g} ms per workflow was also fitted; studies cannot carry it yet."
        )
    return "\n".join(header) + "\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
