"""The assumptions a scorecard rests on, as plain data: what was modelled, in the study's own words.

A reader who is asked to accept "Conductor Engine sustains 3x" must first see what 3x *is*
(3 × today's peak, in the study's own unit: 6,000 claims/h), which process was modelled, which
systems with which capacities and service times, which staff, which design parameters (each
marked *assumed*, *assumed (default)*, *calibrated* or *from the kit*), the SLOs and the
scorecard's weights and anchors. ``assumptions(study, scorecard, rate_unit)`` gathers that from
the run's effective study; ``scorecard.json`` carries it and the report's Assumptions section
shows it. Nothing here computes a result.
"""

from __future__ import annotations

import math
from typing import Any

from evalkit.scorecard_data import (
    AssumedCandidate,
    AssumedCriterion,
    AssumedKnockOut,
    AssumedParameter,
    AssumedStaff,
    AssumedStep,
    AssumedSystem,
    Assumptions,
    RateAtMultiple,
)
from evalkit.study import Scorecard, Study
from evalkit.units import format_duration, format_rate_in

__all__ = ["assumptions", "describe_distribution", "value_function_anchors"]


def assumptions(study: Study, scorecard: Scorecard, rate_unit: str = "/s") -> Assumptions:
    """Everything the study and scorecard assume, for the report's Assumptions section."""
    traffic, load = study.traffic, study.load
    return Assumptions(
        description=study.description,
        rate_unit=rate_unit,
        peak=_at(study, 1.0, rate_unit),
        multiples=[_at(study, m, rate_unit) for m in traffic.multiples],
        arrivals=traffic.arrivals,
        profile=traffic.profile.kind,
        horizon=traffic.horizon,
        warmup=traffic.warmup,
        replications=traffic.replications,
        load_stage=(
            f"warm-up {format_duration(load.stage_warmup)}, window {format_duration(load.stage_duration)}, "
            f"drain {format_duration(load.drain_timeout)}"
            + (f", time scale {load.time_scale:g} real s per study s" if load.time_scale != 1 else "")
        ),
        workflow_types=[f"{p.name} ({p.share:.0%})" for p in study.workload.processes if study.workload.mixed],
        steps=_steps(study),
        systems=[_system(s) for s in study.workload.systems],
        staff=[AssumedStaff(name=pool.name, capacity=pool.capacity) for pool in study.workload.staff],
        candidates=[_candidate(c) for c in study.candidates],
        slo=_slo(study),
        criteria=[_criterion(scorecard, c) for c in scorecard.criteria],
        knockouts=[
            AssumedKnockOut(
                id=k.id,
                rule=f"{k.metric} {k.op} {k.threshold:g}" + (f" at {k.at_multiple:g}x" if k.at_multiple else ""),
                reason=k.reason,
            )
            for k in scorecard.knockouts
        ],
        weights_total=float(sum(c.weight for c in scorecard.criteria)),
    )


def _at(study: Study, multiple: float, unit: str) -> RateAtMultiple:
    rate = study.traffic.peak_rate * multiple
    return RateAtMultiple(multiple=multiple, rate=rate, display=format_rate_in(rate, unit))


def describe_distribution(dist: Any) -> str:
    """``lognormal, mean 120 ms, cv 1`` or ``constant 30 ms``."""
    kind = getattr(dist, "dist", type(dist).__name__)
    mean = format_duration(float(dist.mean))
    if kind == "constant":
        return f"constant {mean}"
    cv = math.sqrt(max(float(dist.cv2), 0.0))
    return f"{kind}, mean {mean}" + ("" if kind == "exponential" else f", cv {cv:.2g}")


def _system(system: Any) -> AssumedSystem:
    return AssumedSystem(
        name=system.name,
        domain=system.domain,
        capacity=system.capacity,
        service_time=describe_distribution(system.service_time),
        mean_service_time=float(system.service_time.mean),
        outages=len(system.outages),
    )


def _steps(study: Study) -> list[AssumedStep]:
    steps = []
    for process in study.workload.processes:
        events = {event.name: event for event in process.events}
        for step in process.steps:
            steps.append(_step(study, step, events, process.name if study.workload.mixed else ""))
    return steps


def _step(study: Study, step: Any, events: dict[str, Any], workflow_type: str) -> AssumedStep:
    notes = []
    if step.system is not None:
        kind, performer = "system", step.system
        dist = step.service_time or study.system(step.system).service_time
        mean: float | None = float(dist.mean)
    elif step.staff is not None:
        kind, performer, mean = "human", step.staff, float(step.service_time.mean)
    elif step.wait is not None:
        kind, performer = "wait", step.wait
        mean = float(events[step.wait].delay.mean) if step.wait in events else None
    else:
        kind, performer, mean = "gateway", "", None
    if step.exception is not None:
        notes.append(f"exception {step.exception.probability:.1%}: {step.exception.handling}")
    if step.decision is not None:
        branches = ", ".join(f"{b.to} {b.probability:.0%}" for b in step.decision.branches)
        notes.append(f"{step.decision.kind} decision: {branches}")
    if step.rework is not None:
        notes.append(f"rework to {step.rework.to} {step.rework.probability:.0%} (at most {step.rework.max}×)")
    return AssumedStep(
        id=step.id,
        workflow_type=workflow_type,
        kind=kind,  # type: ignore[arg-type]
        performer=performer,
        mean_time=mean,
        after=list(step.after),
        notes=notes,
    )


def _calibrated(candidate: Any) -> bool:
    return bool(getattr(candidate, "calibration", None)) or "calibrated from run" in candidate.description


def _candidate(candidate: Any) -> AssumedCandidate:
    parameters = candidate.parameters
    explicit = parameters.model_fields_set
    # A parameter the study sets is assumed, unless a calibration fitted it or a platform kit's
    # verified block wrote it; one it leaves out is evalkit's default, assumed too.
    kit = candidate.target.kit if candidate.target is not None else None
    origin_set = "calibrated" if _calibrated(candidate) else "from the kit" if kit else "assumed"
    found = []
    for name, info in type(parameters).model_fields.items():
        value = getattr(parameters, name)
        if isinstance(value, dict) and not value:
            continue
        found.append(
            AssumedParameter(
                name=name,
                value=_parameter_value(name, value, info.description or ""),
                origin=origin_set if name in explicit else "assumed (default)",  # type: ignore[arg-type]
                description=info.description or "",
            )
        )
    target = candidate.target
    return AssumedCandidate(
        name=candidate.name,
        design=candidate.design,
        description=candidate.description,
        target=None if target is None else str(target.base_url) + (f" (kit {target.kit})" if target.kit else ""),
        parameters=found,
    )


def _parameter_value(name: str, value: Any, description: str) -> str:
    if isinstance(value, bool | str):
        return str(value)
    if isinstance(value, float) and ("(s" in description or name.endswith(("_time", "_latency", "overhead"))):
        return format_duration(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return str(value)


def _plain(value: Any) -> str:
    if hasattr(value, "model_dump"):
        return ", ".join(f"{k} {v:g}" for k, v in value.model_dump(exclude_none=True).items())
    return str(value)


def _slo(study: Study) -> list[str]:
    slo = study.slo
    lines = [f"p95 cycle time ≤ {format_duration(slo.p95_cycle_time)}"]
    if slo.p99_cycle_time is not None:
        lines.append(f"p99 cycle time ≤ {format_duration(slo.p99_cycle_time)}")
    lines.append(f"errors ≤ {slo.max_error_rate:.2%}".replace(".00%", "%"))
    for process in study.workload.processes if study.workload.mixed else ():
        own = study.workflow_slo(process.name)
        if own != slo:
            lines.append(f"{process.name}: p95 ≤ {format_duration(own.p95_cycle_time)}")
    return lines


def value_function_anchors(criterion: Any) -> str:
    """The anchors people need: which raw value scores 100 and which 0 (or the assessed scale)."""
    if criterion.kind == "assessed":
        return f"assessed on {criterion.scale.min:g}–{criterion.scale.max:g}"
    function = criterion.value_function
    if function is None:
        return ""
    return ", ".join(f"{_raw(criterion, x)} → {y:g}" for x, y in function.points)


def _raw(criterion: Any, x: float) -> str:
    metric = criterion.metric or ""
    if metric in ("max_sustainable_multiple", "usl_peak_multiple"):
        return f"{x:g}x"
    if metric.startswith(("cycle_time", "recovery")):
        return format_duration(x)
    if metric in ("connector_coverage", "error_rate") or metric.endswith("_ratio"):
        return f"{x:.0%}"
    if criterion.kind == "cost":
        return f"{x:,.0f}"
    return f"{x:g}"


def _criterion(scorecard: Scorecard, criterion: Any) -> AssumedCriterion:
    shares = scorecard.normalised_weights
    return AssumedCriterion(
        id=criterion.id,
        label=criterion.label,
        weight=criterion.weight,
        normalised_weight=shares[criterion.id],
        anchors=value_function_anchors(criterion),
    )


def surprises(scorecard: Scorecard, candidates: Any) -> list[str]:
    """Warnings about the scorecard itself: weights that do not add up to 100, raw values outside the anchors.

    A value beyond a value function's anchors is clipped to 0 or 100, so the candidates there are
    not told apart; when every candidate sits at or beyond the same end, the anchors (not the
    candidates) may be what decides that criterion.
    """
    warnings = []
    total = sum(c.weight for c in scorecard.criteria)
    if abs(total - 100) > 1e-6:
        shares = ", ".join(
            f"{c.label} {share:.1%}" for c, share in zip(scorecard.criteria, _shares(scorecard), strict=True)
        )
        warnings.append(f"the scorecard's weights add up to {total:g}, not 100; they were normalised to: {shares}")
    for criterion in scorecard.criteria:
        function = criterion.value_function
        if function is None:
            continue
        low, high = function.points[0][0], function.points[-1][0]
        raws = [
            (candidate.name, score.raw, score.display)
            for candidate in candidates
            for score in candidate.scores
            if score.criterion_id == criterion.id and score.raw is not None and math.isfinite(score.raw)
        ]
        outside = [f"{name} {display}" for name, raw, display in raws if raw < low or raw > high]
        anchors = f"{_raw(criterion, low)}–{_raw(criterion, high)}"
        if outside:
            warnings.append(
                f"{criterion.label}: {', '.join(outside)} outside the value function's anchors ({anchors}); "
                "clipped to 0 or 100, so they are not told apart there: check the anchors"
            )
        elif len(raws) >= 2 and (all(raw <= low for _, raw, _ in raws) or all(raw >= high for _, raw, _ in raws)):
            warnings.append(
                f"{criterion.label}: every candidate is at the edge of the value function's anchors ({anchors}); "
                "the anchors, not the candidates, may decide this criterion"
            )
    return warnings


def _shares(scorecard: Scorecard) -> list[float]:
    shares = scorecard.normalised_weights
    return [shares[c.id] for c in scorecard.criteria]
