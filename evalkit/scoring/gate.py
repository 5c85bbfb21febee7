"""A gate for pipelines: conditions on a scored run that make ``evalkit run --fail-on`` exit non-zero.

In the manner of k6's thresholds, a platform team can put a capacity check in CI:

* ``knockout``: fails when any candidate is knocked out;
* ``no-winner``: fails when there is no winner (every candidate knocked out or incomplete);
* ``slo-breach-at=MULT``: fails when any candidate cannot sustain ``MULT`` × today's peak within
  the SLO, judged on its evidence source (the figure the matrix scored).

A check with no data **fails**: a run without a scorecard, a candidate without results, an
inconclusive source, or a multiple above the largest one tested. A green gate must mean the
condition was checked and holds, never that nothing was there to check. A failed gate exits with
``GATE_EXIT_CODE`` (3), distinct from input errors (2), evalkit's faults (1) and Ctrl-C (130).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from evalkit.errors import InputError
from evalkit.scorecard_data import ScoredStudy

__all__ = ["GATE_EXIT_CODE", "Gate", "GateResult", "parse_gate", "check_gate"]

GATE_EXIT_CODE = 3
_FORMS = "knockout, no-winner, slo-breach-at=MULT (e.g. slo-breach-at=3)"


@dataclass(frozen=True)
class Gate:
    """One ``--fail-on`` condition."""

    kind: Literal["knockout", "no-winner", "slo-breach-at"]
    multiple: float | None = None

    def __str__(self) -> str:
        return f"slo-breach-at={self.multiple:g}" if self.kind == "slo-breach-at" else self.kind


@dataclass(frozen=True)
class GateResult:
    gate: Gate
    failed: bool
    message: str


def parse_gate(text: str) -> Gate:
    """``knockout``, ``no-winner`` or ``slo-breach-at=3``; anything else is one clear error."""
    value = text.strip()
    if value in ("knockout", "no-winner"):
        return Gate(value)  # type: ignore[arg-type]
    name, sep, number = value.partition("=")
    if name == "slo-breach-at" and sep:
        try:
            multiple = float(number.strip().rstrip("xX"))
        except ValueError:
            multiple = math.nan
        if math.isfinite(multiple) and multiple > 0:
            return Gate("slo-breach-at", multiple)
        raise InputError(f"--fail-on {text!r}: the multiple must be a positive number, e.g. slo-breach-at=3")
    raise InputError(f"--fail-on {text!r}: allowed: {_FORMS}")


def check_gate(scored: ScoredStudy | None, gate: Gate) -> GateResult:
    """Does the condition hold (``failed``)? No data fails too, and the message says so."""
    if scored is None or not scored.candidates:
        return GateResult(gate, True, f"{gate}: no data (the run has no scorecard): a check with no data fails")
    if gate.kind == "knockout":
        knocked = [c.name for c in scored.candidates if c.knocked_out]
        if knocked:
            return GateResult(gate, True, f"knockout: knocked out: {', '.join(knocked)}")
        return GateResult(gate, False, "knockout: no candidate knocked out")
    if gate.kind == "no-winner":
        if scored.winner is None:
            return GateResult(
                gate, True, "no-winner: no candidate can be recommended (each is knocked out or has a missing value)"
            )
        return GateResult(gate, False, f"no-winner: the winner is {scored.winner}")
    return _slo_breach(scored, gate)


def _slo_breach(scored: ScoredStudy, gate: Gate) -> GateResult:
    multiple = float(gate.multiple or 0)
    problems = []
    for candidate in scored.candidates:
        evidence = candidate.performance[0] if candidate.performance else None
        if evidence is None or evidence.max_sustainable_display == "inconclusive":
            problems.append(f"{candidate.name}: no data")
            continue
        tested = [p.multiple for p in evidence.curve]
        if not tested or multiple > max(tested) + 1e-9:
            problems.append(f"{candidate.name}: no data at {multiple:g}x (tested up to {max(tested, default=0):g}x)")
            continue
        sustained = evidence.max_sustainable_multiple
        if sustained is None or sustained + 1e-9 < multiple:
            problems.append(f"{candidate.name}: sustains {evidence.max_sustainable_display}, breaches at {multiple:g}x")
    if problems:
        return GateResult(gate, True, f"{gate}: " + "; ".join(problems))
    return GateResult(gate, False, f"{gate}: every candidate sustains {multiple:g}x within the SLO")
