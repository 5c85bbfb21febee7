"""Which evidence a candidate's figures rest on, decided once, with the reason and its strength.

A candidate may have baseline results from several sources in the results table: the simulation
(``sim``), a load test (``load``) and the analytic model (``analytic``). Which one a figure is read
from is decided here, once per candidate, and every reader follows the decision: the scoring
matrix and knock-outs, the rationale, the charts and the cost model. The decision is recorded in
``scorecard.json`` as each figure's evidence.

What a load test *is* depends on what it ran against, and the words say so:

* ``measured``: a live target named in the study (a real engine): evidence of the product itself;
* ``emulated``: evalkit's reference platform, which executes the *assumed* design with the study's
  own parameters; it checks the simulation's arithmetic, it does not measure any product;
* ``simulated``: the discrete-event model with the study's (assumed) design parameters;
* ``calibrated``: the same model with parameters fitted to a measurement (``evalkit calibrate``);
* ``analytic``: the closed-form queueing network.

The rule (also in ``docs/models.md``), strongest first:

1. a **measurement of a live target** that covers every multiple of the study: it is the only
   evidence about the product rather than about the assumptions;
2. the **simulation** (calibrated or assumed): replications with confidence intervals at every
   multiple. An emulation never outranks it, because it runs the same assumptions with fewer and
   shorter windows; it is shown beside it as a check of the model;
3. a load test that is all there is (``--only load``), then the analytic model.

A source that lacks a metric hands over to the next one for that metric only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from evalkit.analysis.curves import Curve
from evalkit.study import Study
from evalkit.study.candidates import Candidate

__all__ = ["EvidenceChoice", "EvidenceKind", "choose_evidence", "evidence_kind", "evidence_strength"]

EvidenceKind = Literal["measured", "emulated", "simulated", "calibrated", "analytic"]


@dataclass(frozen=True)
class EvidenceChoice:
    """The results-table sources to read, strongest first, and why that order."""

    order: tuple[str, ...]
    reason: str

    @property
    def primary(self) -> str | None:
        return self.order[0] if self.order else None


def evidence_kind(study: Study, candidate: str, source: str) -> EvidenceKind:
    """What a results-table source means for this candidate, in the words a report uses."""
    if source == "load":
        found = _candidate(study, candidate)
        return "measured" if found is not None and found.target is not None else "emulated"
    if source == "analytic":
        return "analytic"
    return "calibrated" if _is_calibrated(study, candidate) else "simulated"


def _candidate(study: Study, name: str) -> Candidate | None:
    return next((c for c in study.candidates if c.name == name), None)


def _is_calibrated(study: Study, candidate: str) -> bool:
    # A calibrated study's candidate says where its parameters came from (``evalkit calibrate``).
    return bool(getattr(_candidate(study, candidate), "calibration", None))


def _covers(curve: Curve, multiples: Sequence[float]) -> bool:
    tested = {round(float(m), 9) for m in curve.multiples}
    return all(round(float(m), 9) in tested for m in multiples)


def choose_evidence(study: Study, candidate: str, curves: Mapping[str, Curve]) -> EvidenceChoice:
    """Order a candidate's baseline sources by the strength of their evidence (module docstring)."""
    multiples = study.traffic.multiples
    load, sim = curves.get("load"), curves.get("sim")
    rest = tuple(s for s in ("analytic",) if s in curves)
    if load is not None and evidence_kind(study, candidate, "load") == "measured" and _covers(load, multiples):
        order = ("load", *(s for s in ("sim",) if sim is not None), *rest)
        return EvidenceChoice(order, "measured on the live target at every multiple of the study")
    if sim is not None:
        order = ("sim", *(s for s in ("load",) if load is not None), *rest)
        return EvidenceChoice(order, _calibrated(study, candidate) + _why_simulation(study, candidate, load, sim))
    if load is not None:
        kind = evidence_kind(study, candidate, "load")
        return EvidenceChoice(("load", *rest), f"{kind} load test only; no simulation was run")
    return EvidenceChoice(rest, "the analytic model only" if rest else "no results")


def _calibrated(study: Study, candidate: str) -> str:
    """``calibrated prediction (…); `` for a calibrated candidate's simulation, else nothing."""
    found = _candidate(study, candidate)
    calibration = found.calibration if found is not None else None
    if calibration is None:
        return ""
    fitted = ", ".join(f"{m:g}x" for m in calibration.multiples)
    check = (
        "checked against a held-out measurement"
        if calibration.verified
        else "unverified: no measured multiple above the fitted ones"
    )
    return f"calibrated prediction (parameters fitted to run {calibration.run_id} at {fitted}; {check}); "


def _why_simulation(study: Study, candidate: str, load: Curve | None, sim: Curve) -> str:
    simulated = evidence_strength(study, sim)
    if load is None:
        return f"simulation: {simulated}; no load test"
    tested = ", ".join(f"{m:g}x" for m in load.multiples)
    measured = evidence_strength(study, load)
    if evidence_kind(study, candidate, "load") == "emulated":
        return (
            f"simulation ({simulated}) over the reference platform ({measured}): the emulation runs the same "
            "assumed design and parameters with fewer, shorter windows, so it is shown as a check of the model"
        )
    return f"simulation ({simulated}); the live measurement covers only {tested} of the study's multiples"


def evidence_strength(study: Study, curve: Curve) -> str:
    """How much a curve rests on: replications and window per multiple, and the fewest completions."""
    replications = curve.replications
    if curve.source == "load":
        window = study.load.stage_duration
        what = f"{replications} window{'s' if replications != 1 else ''} of {window:g} s per multiple"
    elif curve.source == "sim":
        window = study.traffic.horizon - study.traffic.warmup
        what = f"{replications} replication{'s' if replications != 1 else ''} of {window:g} s per multiple"
    else:
        return "closed-form queueing formulas"
    completed = [c.mean("completed") for c in curve.cells]
    finite = [c for c in completed if math.isfinite(c)]
    if finite:
        what += f", at least {min(finite):,.0f} completions per {'window' if curve.source == 'load' else 'replication'}"
    return what
