"""Pieces of realistic ``ScoredStudy`` fixtures, computed the way scoring would compute them.

Totals, crossovers, critical weights and SMAA come from the criterion values, so the numbers in a
fixture agree with each other. ``report_builders`` and ``report_large`` assemble whole studies.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MULTIPLES = [1.0, 1.5, 2.0, 3.0, 4.0]
SLO_P95 = 3.0


def _criterion(cid: str, label: str, kind: str, weight: float, total: float, **extra: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "label": label,
        "kind": kind,
        "weight": weight,
        "normalised_weight": weight / total,
        "direction": extra.pop("direction", "higher"),
        **extra,
    }


def _totals(values: dict[str, dict[str, float | None]], weights: dict[str, float]) -> dict[str, float]:
    """Weighted total per candidate, counting missing values as absent (scoring reports None)."""
    return {name: sum(weights[c] * (v or 0.0) for c, v in row.items()) for name, row in values.items()}


def _rescaled(weights: dict[str, float], criterion: str, weight: float) -> dict[str, float]:
    """One criterion at ``weight``, the others rescaled to keep their proportions."""
    rest = 1.0 - weights[criterion]
    return {c: weight if c == criterion else w * (1.0 - weight) / rest for c, w in weights.items()}


def _robustness(values: dict[str, dict[str, float | None]], weights: dict[str, float], seed: int) -> dict[str, Any]:
    eligible = list(values)
    grid = [round(x, 2) for x in np.linspace(0.0, 1.0, 21)]
    crossovers = []
    critical = []
    base = _totals(values, weights)
    winner = max(base, key=base.__getitem__)
    for criterion, weight in weights.items():
        totals = {n: [] for n in eligible}
        for w in grid:
            for name, total in _totals(values, _rescaled(weights, criterion, w)).items():
                totals[name].append(round(total, 2))
        crossovers.append({"criterion_id": criterion, "weights": grid, "totals": totals})
        critical.append(_critical(values, weights, criterion, weight, winner))
    flips = [c for c in critical if c["change"] is not None]
    smallest = min(flips, key=lambda c: abs(c["change"])) if flips else None
    return {
        "critical_weights": critical,
        "crossovers": crossovers,
        "smaa": _smaa(values, weights, seed),
        "smallest_flip": smallest,
    }


def _critical(
    values: dict[str, dict[str, float | None]], weights: dict[str, float], criterion: str, weight: float, winner: str
) -> dict[str, Any]:
    steps = np.linspace(0.0, 1.0, 1001)
    best: tuple[float, float, str] | None = None
    for w in steps:
        totals = _totals(values, _rescaled(weights, criterion, float(w)))
        leader = max(totals, key=totals.__getitem__)
        if leader != winner and (best is None or abs(w - weight) < abs(best[0] - weight)):
            best = (float(w), float(w) - weight, leader)
    if best is None:
        return {"criterion_id": criterion, "current_weight": weight, "critical_weight": None, "change": None}
    return {
        "criterion_id": criterion,
        "current_weight": round(weight, 4),
        "critical_weight": round(best[0], 4),
        "change": round(best[1], 4),
        "new_winner": best[2],
    }


def _smaa(values: dict[str, dict[str, float | None]], weights: dict[str, float], seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    names = list(values)
    criteria = list(weights)
    samples = 2000
    drawn = rng.dirichlet([w * 20 for w in weights.values()], size=samples)
    matrix = np.array([[values[n][c] or 0.0 for c in criteria] for n in names])
    scores = drawn @ matrix.T
    ranks = (-scores).argsort(axis=1).argsort(axis=1)
    acceptability = {
        n: [round(float((ranks[:, i] == r).mean()), 4) for r in range(len(names))] for i, n in enumerate(names)
    }
    central = {}
    for i, name in enumerate(names):
        best = drawn[ranks[:, i] == 0]
        mean = best.mean(axis=0) if len(best) else np.full(len(criteria), np.nan)
        central[name] = {c: round(float(m), 4) for c, m in zip(criteria, mean, strict=True) if np.isfinite(m)}
    return {
        "samples": samples,
        "seed": seed,
        "rank_acceptability": acceptability,
        "p_best": {n: acceptability[n][0] for n in names},
        "central_weights": central,
        "weight_band": 0.2,
    }


def _curve(p95s: list[float | None], *, rate: float = 10.0, ci: float = 0.08, measured: bool = False) -> list[dict]:
    points = []
    for multiple, p95 in zip(MULTIPLES, p95s, strict=True):
        saturated = p95 is None
        point: dict[str, Any] = {
            "multiple": multiple,
            "offered_rate": rate * multiple,
            "completed_rate": round(rate * multiple * (0.7 if saturated else 0.998), 3),
            "saturated": saturated,
            "meets_slo": False if saturated else p95 <= SLO_P95,
            "error_rate": 0.004 if not saturated else 0.06,
            "backlog_growth": 3.1 * multiple if saturated else 0.0,
        }
        if p95 is not None:
            point |= {"p95": p95, "p99": round(p95 * 1.6, 3), "mean": round(p95 * 0.45, 3)}
            if not measured:
                point |= {"p95_low": round(p95 * (1 - ci), 3), "p95_high": round(p95 * (1 + ci), 3)}
        points.append(point)
    return points


def _performance(source: str, p95s: list[float | None], msm: float | None, cls: str, **extra: Any) -> dict[str, Any]:
    display = "≥ 4x" if extra.get("never_broke") else ("< 1x" if msm is None else f"{msm:g}x")
    return {
        "source": source,
        "max_sustainable_multiple": msm,
        "max_sustainable_display": display,
        "degradation_class": cls,
        "curve": _curve(p95s, measured=source == "load"),
        **extra,
    }


def _utilisation(resource: str, levels: list[float]) -> tuple[list[dict], dict[str, dict[str, float]]]:
    bottlenecks = [
        {"multiple": m, "resource": resource, "utilization": u} for m, u in zip(MULTIPLES, levels, strict=True)
    ]
    table = {
        resource: {f"{m:g}": u for m, u in zip(MULTIPLES, levels, strict=True)},
        "payment-gateway": {f"{m:g}": round(0.05 * m, 3) for m in MULTIPLES},
    }
    return bottlenecks, table


def _score(
    cid: str, raw: float | None, display: str, value: float | None, weight: float, source: str, unit: str = ""
) -> dict:
    return {
        "criterion_id": cid,
        "raw": raw,
        "unit": unit,
        "display": display if raw is not None else "missing",
        "value": value,
        "contribution": None if value is None else round(value * weight, 3),
        "source": source,
        "missing": value is None,
    }


def _assessed(usability: list[tuple[str, float, str]], vendor: list[tuple[str, float, str]]) -> list[dict]:
    out = []
    for cid, rows in (("usability", usability), ("vendor", vendor)):
        scores = [s for _, s, _ in rows]
        out.append(
            {
                "criterion_id": cid,
                "assessments": [{"assessor": a, "score": s, "rationale": r} for a, s, r in rows],
                "aggregate": float(np.mean(scores)) if scores else None,
                "spread": float(max(scores) - min(scores)) if scores else None,
                "std": round(float(np.std(scores, ddof=1)), 3) if len(scores) > 1 else None,
            }
        )
    return out


def _cost(licence: float, infra: float, nodes: int, impl: float, integ: float, ops: float) -> dict[str, Any]:
    return {
        "currency": "EUR",
        "horizon_years": 3,
        "licence": licence,
        "infrastructure": infra,
        "nodes": nodes,
        "implementation": impl,
        "integration": integ,
        "operations": ops,
        "total": licence + infra + impl + integ + ops,
        "integration_share": round(integ / (impl + integ), 4),
    }


def _faults(control: tuple, payment: tuple) -> list[dict]:
    return [
        {
            "scenario": "control-plane-outage",
            "component": "control-plane",
            "multiple": 1.0,
            "stalled_workflows": control[0],
            "recovery_time": control[1],
            "lost": control[2],
        },
        {
            "scenario": "payment-gateway-outage",
            "component": "system:payment-gateway",
            "multiple": 1.0,
            "stalled_workflows": payment[0],
            "recovery_time": payment[1],
            "lost": payment[2],
        },
    ]


def _finish_candidates(candidates: list[dict], weights: dict[str, float]) -> list[dict]:
    """Totals and ranks as scoring would set them: knocked-out candidates rank last."""
    for candidate in candidates:
        contributions = [s["contribution"] for s in candidate["scores"]]
        candidate["total_partial"] = round(sum(c for c in contributions if c is not None), 2)
        candidate["total"] = None if None in contributions else candidate["total_partial"]
    ordered = sorted(candidates, key=lambda c: (c.get("knocked_out", False), -c["total_partial"]))
    for rank, candidate in enumerate(ordered, start=1):
        candidate["rank"] = rank
    return ordered


def _provenance(run_id: str, name: str, title: str, simulated: list[str], measured: list[str]) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "created": "2026-03-02T09:14:05+00:00",
        "study_name": name,
        "study_title": title,
        "study_file": f"scenarios/{name}.yaml",
        "study_sha256": "3f1c9a0d5be27e4f8a61c0b2d9e7f4a15c3b8e2d6a9f0c1b7e4d2a8c5f6b3e9a",
        "scorecard_name": "orchestration-platform",
        "scorecard_file": "scorecards/orchestration-platform.yaml",
        "seed": 20261123,
        "evalkit_version": "0.1.0",
        "library_versions": {"simpy": "4.1.1", "locust": "2.31.8", "numpy": "2.1.3", "matplotlib": "3.9.2"},
        "simulated": simulated,
        "measured": measured,
        "replications": 5,
        "multiples": MULTIPLES,
    }
