"""The 12-candidate, 10-criterion study: a readable matrix at scale, and a hostile candidate name."""

from __future__ import annotations

import numpy as np
from report_builders import XSS_NAME
from report_parts import (
    MULTIPLES,
    SLO_P95,
    _cost,
    _criterion,
    _faults,
    _finish_candidates,
    _performance,
    _provenance,
    _robustness,
    _score,
    _utilisation,
)

from evalkit.scorecard_data import ScoredStudy

LARGE_NAMES = [
    "Conductor Engine",
    "Event Fabric",
    "Domain Mesh",
    "Saga Orchestrator Enterprise Edition",
    "Flowable Cloud",
    XSS_NAME,
    "Temporal Cluster",
    "Camunda 8 SaaS",
    "Zeebe Self-Managed",
    "Kafka Streams Choreography",
    "Step Functions Express",
    "Netflix Conductor OSS",
]


LARGE_CRITERIA = [
    ("integration", "Integration capabilities", "measured", 18),
    ("scalability", "Scalability and performance", "measured", 16),
    ("latency", "p95 cycle time at 3x peak", "measured", 10),
    ("resilience", "Recovery from control-plane outage", "measured", 8),
    ("usability", "Usability and maintainability", "assessed", 12),
    ("vendor", "Vendor stability & ecosystem", "assessed", 9),
    ("security", "Security and compliance (SOC 2, ISO 27001)", "assessed", 8),
    ("observability", "Observability and tracing", "assessed", 7),
    ("skills", "Team skills & hiring market", "assessed", 5),
    ("tco", "Total cost of ownership", "cost", 7),
]


DESIGNS = ["centralized", "event-driven", "federated"]


def _large_candidate(index: int, name: str, rng: np.random.Generator, weights: dict[str, float]) -> dict:
    values = {cid: round(float(rng.uniform(25, 95)), 1) for cid, *_ in LARGE_CRITERIA}
    if index == 4:
        values["observability"] = None  # nobody assessed it: the total must say so
    msm = round(float(rng.uniform(1.2, 4.0)), 1)
    never = msm >= 3.9
    base = float(rng.uniform(0.6, 1.4))
    # p95 reaches the SLO exactly at the max sustainable multiple and saturates a little beyond it.
    p95s = [round(base + (SLO_P95 - base) * (m / msm) ** 3, 3) if m <= msm * 1.1 else None for m in MULTIPLES]
    cls = "linear" if never else ("exponential" if msm < 2 else "superlinear")
    scores = [
        _score(
            cid,
            None if values[cid] is None else values[cid] / 20,
            f"{values[cid] / 20:.2f} / 5" if values[cid] is not None else "missing",
            values[cid],
            weights[cid],
            "assessed" if kind == "assessed" else ("cost" if kind == "cost" else "sim"),
        )
        for cid, _, kind, _ in LARGE_CRITERIA
    ]
    bottlenecks, utilisation = _utilisation("engine-workers", [round(min(1.0, 0.8 * m / msm), 3) for m in MULTIPLES])
    candidate = {
        "name": name,
        "design": DESIGNS[index % 3],
        "scores": scores,
        "performance": [
            _performance("sim", p95s, msm, cls, never_broke=never, bottlenecks=bottlenecks, utilization=utilisation)
        ],
        "faults": _faults(
            (float(rng.integers(0, 400)), round(float(rng.uniform(2, 30)), 1), 0.0),
            (float(rng.integers(50, 150)), round(float(rng.uniform(5, 25)), 1), None),
        ),
        "cost": _cost(
            *(float(rng.integers(50, 500)) * 1000 for _ in range(2)),
            int(rng.integers(2, 9)),
            *(float(rng.integers(100, 400)) * 1000 for _ in range(3)),
        ),
    }
    if msm < 1.8:
        candidate["knocked_out"] = True
        candidate["knockout_reasons"] = [f"must sustain at least 3x today's peak within the SLO: {msm:g}x"]
    return candidate, values


def large_study() -> ScoredStudy:
    """12 candidates × 10 criteria, two or more knocked out, one named ``<script>alert(1)</script>``."""
    rng = np.random.default_rng(12)
    total = sum(w for *_, w in LARGE_CRITERIA)
    weights = {cid: w / total for cid, _, _, w in LARGE_CRITERIA}
    built = [_large_candidate(i, n, rng, weights) for i, n in enumerate(LARGE_NAMES)]
    candidates = _finish_candidates([c for c, _ in built], weights)
    eligible = {c["name"]: v for c, v in built if not c.get("knocked_out")}
    criteria = [
        _criterion(cid, label, kind, w, total, direction="lower" if kind == "cost" else "higher")
        for cid, label, kind, w in LARGE_CRITERIA
    ]
    winner = candidates[0]
    data = {
        "provenance": _provenance(
            "platform-shortlist-20260302-101500-9ab0c1",
            "platform-shortlist",
            "Twelve-platform shortlist",
            [c["name"] for c in candidates],
            [],
        ),
        "slo": {"p95_cycle_time": SLO_P95, "p99_cycle_time": None, "max_error_rate": 0.02},
        "criteria": criteria,
        "candidates": candidates,
        "winner": winner["name"],
        "winner_score": winner["total"],
        "robustness": _robustness(eligible, weights, seed=11),
    }
    return ScoredStudy.model_validate(data)
