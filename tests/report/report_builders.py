"""Builders of realistic ``ScoredStudy`` fixtures for the report tests.

Scoring is written elsewhere; the reports are built against these. ``small_study()`` is the default
study scored (three designs, one knocked out); ``tuned_study()`` is the same after tuning one
candidate, for comparisons; ``report_large.large_study()`` is the 12-candidate, 10-criterion
stress case with a candidate named ``<script>alert(1)</script>``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from report_parts import (
    MULTIPLES,
    SLO_P95,
    _assessed,
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

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "scorecard.json"
GOLDEN = HERE / "golden"
XSS_NAME = "<script>alert(1)</script>"


def updating_golden() -> bool:
    """``EVALKIT_UPDATE_GOLDEN=1`` regenerates the fixed fixture and the golden files deliberately."""
    return os.environ.get("EVALKIT_UPDATE_GOLDEN") == "1"


SMALL_WEIGHTS = {"integration": 0.30, "scalability": 0.25, "usability": 0.20, "vendor": 0.15, "tco": 0.10}


SMALL_VALUES: dict[str, dict[str, float | None]] = {
    "Conductor Engine": {"integration": 71.4, "scalability": 85.0, "usability": 68.8, "vendor": 81.3, "tco": 42.3},
    "Event Fabric": {"integration": 57.1, "scalability": 100.0, "usability": 43.8, "vendor": 81.3, "tco": 46.3},
    "Domain Mesh": {"integration": 42.9, "scalability": 20.0, "usability": 50.0, "vendor": None, "tco": 55.0},
}


def _small_criteria() -> list[dict[str, Any]]:
    return [
        _criterion(
            "integration",
            "Integration capabilities",
            "measured",
            30,
            100,
            metric="connector_coverage",
            unit="share",
            description="Share of the study's systems covered by pre-built connectors.",
        ),
        _criterion(
            "scalability",
            "Scalability and performance",
            "measured",
            25,
            100,
            metric="max_sustainable_multiple",
            unit="x peak",
            description="Highest multiple of today's peak meeting every SLO.",
        ),
        _criterion("usability", "Usability and maintainability", "assessed", 20, 100),
        _criterion("vendor", "Vendor stability and ecosystem", "assessed", 15, 100),
        _criterion("tco", "Total cost of ownership", "cost", 10, 100, direction="lower", unit="EUR"),
    ]


def _small_scores(name: str, raws: dict[str, tuple[float | None, str]]) -> list[dict]:
    sources = {
        "integration": "study",
        "scalability": "sim",
        "usability": "assessed",
        "vendor": "assessed",
        "tco": "cost",
    }
    return [
        _score(cid, raws[cid][0], raws[cid][1], SMALL_VALUES[name][cid], SMALL_WEIGHTS[cid], sources[cid])
        for cid in SMALL_WEIGHTS
    ]


def _conductor() -> dict[str, Any]:
    bottlenecks, utilisation = _utilisation("engine-workers", [0.31, 0.46, 0.62, 0.88, 0.99])
    return {
        "name": "Conductor Engine",
        "design": "centralized",
        "description": "A central BPMN-style workflow engine with one relational state store.",
        "scores": _small_scores(
            "Conductor Engine",
            {
                "integration": (0.714, "71%"),
                "scalability": (3.4, "3.4x"),
                "usability": (3.75, "3.75 / 5"),
                "vendor": (4.25, "4.25 / 5"),
                "tco": (1_310_000, "EUR 1.31M"),
            },
        ),
        "performance": [
            _performance(
                "sim",
                [1.1, 1.25, 1.5, 2.4, None],
                3.4,
                "superlinear",
                knee_multiple=3.0,
                degradation_note="p95 grows faster than 1/(1-ρ) past 3x; engine workers saturate.",
                usl={
                    "sigma": 0.04,
                    "kappa": 0.012,
                    "lambda": 10.1,
                    "peak_multiple": 5.8,
                    "r_squared": 0.991,
                    "retrograde": False,
                },
                bottlenecks=bottlenecks,
                utilization=utilisation,
            ),
            _performance("load", [1.2, 1.35, 1.7, 2.6, 5.8], 3.2, "superlinear", knee_multiple=3.0),
        ],
        "model_vs_measured": [
            {
                "multiple": m,
                "simulated_p95": s,
                "measured_p95": measured,
                "relative_error": None if s is None else round((s - measured) / measured, 4),
            }
            for m, s, measured in zip(MULTIPLES, [1.1, 1.25, 1.5, 2.4, None], [1.2, 1.35, 1.7, 2.6, 5.8], strict=True)
        ],
        "faults": _faults((312.0, 14.2, 0.0), (96.0, 17.5, 0.0)),
        "assessed": _assessed(
            [
                ("Platform team", 4, "Graphical models the business can read; mature tooling."),
                ("Operations", 3.5, "One engine to run, but upgrades need downtime."),
            ],
            [
                ("Procurement", 4.5, "Large vendor, long support windows."),
                ("Platform team", 4, "Big ecosystem of connectors and consultants."),
            ],
        ),
        "cost": _cost(450_000, 108_000, 4, 275_000, 297_000, 180_000),
        "integration": {
            "coverage": 0.714,
            "connectors": ["storefront", "payment-gateway", "notifications", "inventory", "carrier-api"],
            "custom": {"fraud-service": 160.0, "warehouse-wms": 160.0},
            "custom_hours": 320.0,
        },
    }


def _event_fabric() -> dict[str, Any]:
    bottlenecks, utilisation = _utilisation("broker-partitions", [0.12, 0.18, 0.24, 0.36, 0.48])
    return {
        "name": "Event Fabric",
        "design": "event-driven",
        "description": "Choreography over a partitioned event broker with per-step consumer groups.",
        "scores": _small_scores(
            "Event Fabric",
            {
                "integration": (0.571, "57%"),
                "scalability": (4.0, "≥ 4x"),
                "usability": (2.75, "2.75 / 5"),
                "vendor": (4.25, "4.25 / 5"),
                "tco": (1_150_000, "EUR 1.15M"),
            },
        ),
        "performance": [
            _performance(
                "sim",
                [0.9, 0.95, 1.0, 1.15, 1.35],
                4.0,
                "linear",
                never_broke=True,
                degradation_note="p95 rises gently; no knee up to 4x.",
                usl={
                    "sigma": 0.01,
                    "kappa": 0.0,
                    "lambda": 10.0,
                    "peak_multiple": None,
                    "r_squared": 0.998,
                    "retrograde": False,
                },
                bottlenecks=bottlenecks,
                utilization=utilisation,
            ),
        ],
        "faults": _faults((0.0, 2.1, None), (104.0, 12.4, None)),
        "assessed": _assessed(
            [
                ("Platform team", 2.5, "Flows are implicit in events; debugging needs tracing."),
                ("Operations", 3, "Broker is familiar; choreography is harder to change safely."),
            ],
            [
                ("Procurement", 4, "Open-source broker with commercial support."),
                ("Platform team", 4.5, "Very large ecosystem."),
            ],
        ),
        "cost": _cost(120_000, 96_000, 2, 440_000, 314_000, 180_000),
        "integration": {
            "coverage": 0.571,
            "connectors": ["storefront", "fraud-service", "payment-gateway", "notifications"],
            "custom": {"inventory": 180.0, "warehouse-wms": 180.0, "carrier-api": 180.0},
            "custom_hours": 540.0,
        },
    }


def _domain_mesh() -> dict[str, Any]:
    bottlenecks, utilisation = _utilisation("global-coordinator", [0.58, 0.87, 0.99, 1.0, 1.0])
    return {
        "name": "Domain Mesh",
        "design": "federated",
        "description": "One controller per business domain, a thin global coordinator for handoffs.",
        "knocked_out": True,
        "knockout_reasons": [
            "must sustain at least 3x today's peak within the SLO (seed guidance): 1.5x",
            "latency must not degrade exponentially with load: exponential",
        ],
        "scores": _small_scores(
            "Domain Mesh",
            {
                "integration": (0.429, "43%"),
                "scalability": (1.5, "1.5x"),
                "usability": (3.0, "3 / 5"),
                "vendor": (None, "missing"),
                "tco": (850_000, "EUR 850k"),
            },
        ),
        "performance": [
            _performance(
                "sim",
                [1.3, 2.9, 9.5, None, None],
                1.5,
                "exponential",
                knee_multiple=1.5,
                degradation_note="The global coordinator saturates past 1.5x; p95 explodes.",
                usl={
                    "sigma": 0.21,
                    "kappa": 0.09,
                    "lambda": 9.7,
                    "peak_multiple": 1.9,
                    "r_squared": 0.962,
                    "retrograde": True,
                },
                bottlenecks=bottlenecks,
                utilization=utilisation,
            ),
        ],
        "faults": _faults((140.0, 9.8, 0.0), (101.0, None, 0.0)),
        "assessed": _assessed(
            [
                ("Platform team", 3, "Each domain team owns its flows; cross-domain views are weak."),
                ("Operations", 3, "More moving parts to run and upgrade."),
            ],
            [],
        ),
        "cost": _cost(180_000, 84_000, 3, 200_000, 226_000, 160_000),
        "integration": {
            "coverage": 0.429,
            "connectors": ["storefront", "inventory", "warehouse-wms"],
            "custom": {},
            "custom_hours": 800.0,
        },
    }


def small_study() -> ScoredStudy:
    """The default study scored: Conductor Engine wins, Domain Mesh is knocked out."""
    candidates = _finish_candidates([_conductor(), _event_fabric(), _domain_mesh()], SMALL_WEIGHTS)
    eligible = {n: v for n, v in SMALL_VALUES.items() if n != "Domain Mesh"}
    winner = candidates[0]
    data = {
        "provenance": _provenance(
            "order-fulfillment-20260302-091405-3f1c9a",
            "order-fulfillment",
            "E-commerce order fulfilment at Black Friday peak",
            [c["name"] for c in candidates],
            ["Conductor Engine"],
        ),
        "slo": {"p95_cycle_time": SLO_P95, "p99_cycle_time": 6.0, "max_error_rate": 0.02},
        "currency": "EUR",
        "criteria": _small_criteria(),
        "candidates": candidates,
        "winner": winner["name"],
        "winner_score": winner["total"],
        "rationale": (
            "Conductor Engine leads on integration (5 of 7 systems covered by connectors) and usability, and "
            "sustains 3.4x peak in simulation (3.2x measured). Event Fabric scales furthest (at least 4x) but "
            "loses on usability and integration. Domain Mesh is knocked out: its coordinator saturates past 1.5x."
        ),
        "robustness": _robustness(eligible, SMALL_WEIGHTS, seed=7),
        "kpis": [
            {
                "name": "Order cycle time (mean)",
                "metric": "cycle_time_mean",
                "unit": "s",
                "today": 4.0,
                "target": 1.5,
                "at_multiple": 1.0,
                "predicted": {"Conductor Engine": 0.5, "Event Fabric": 0.41, "Domain Mesh": 0.59},
                "display_today": "4 s",
                "display_target": "1.5 s",
                "display_predicted": {"Conductor Engine": "500 ms", "Event Fabric": "410 ms", "Domain Mesh": "590 ms"},
            },
            {
                "name": "Failed orders",
                "metric": "error_rate",
                "unit": "fraction",
                "today": 0.03,
                "target": 0.01,
                "at_multiple": 1.0,
                "predicted": {"Conductor Engine": 0.004, "Event Fabric": 0.012, "Domain Mesh": None},
                "display_today": "3%",
                "display_target": "1%",
                "display_predicted": {"Conductor Engine": "0.4%", "Event Fabric": "1.2%", "Domain Mesh": "missing"},
            },
        ],
        "warnings": ["Event Fabric and Domain Mesh have no live endpoint: their performance is simulated only."],
        "assumptions": _assumptions("order-fulfillment"),
    }
    return ScoredStudy.model_validate(data)


def _assumptions(scenario: str) -> dict[str, Any]:
    """The Assumptions record of a bundled study, as scoring writes it."""
    from evalkit.scoring.assumptions import assumptions
    from evalkit.study import load_study_with_scorecard

    study, card = load_study_with_scorecard(HERE.parents[1] / "scenarios" / f"{scenario}.yaml")
    return assumptions(study, card, "/s").model_dump(mode="json")


def tuned_study() -> ScoredStudy:
    """The default study again after tuning Conductor Engine (more engine workers): it now holds 4x."""
    data = small_study().model_dump(mode="json", by_alias=True)
    conductor = next(c for c in data["candidates"] if c["name"] == "Conductor Engine")
    scalability = next(s for s in conductor["scores"] if s["criterion_id"] == "scalability")
    scalability.update(raw=4.0, display="≥ 4x", value=100.0, contribution=25.0)
    conductor["performance"] = [
        _performance("sim", [1.0, 1.1, 1.2, 1.5, 2.1], 4.0, "linear", never_broke=True),
        _performance("load", [1.1, 1.2, 1.35, 1.7, 2.4], 4.0, "linear", never_broke=True),
    ]
    conductor["total"] = conductor["total_partial"] = round(conductor["total"] + 25.0 - 21.25, 2)
    data["winner_score"] = conductor["total"]
    data["provenance"] |= {
        "run_id": "order-fulfillment-20260309-141000-8d2e41",
        "created": "2026-03-09T14:10:00+00:00",
        "study_sha256": "8d2e41" + "0" * 58,
    }
    data["rationale"] = "After tuning, Conductor Engine also sustains 4x peak and leads on every criterion but cost."
    return ScoredStudy.model_validate(data)


def large_study() -> ScoredStudy:
    """12 candidates × 10 criteria (see ``report_large``)."""
    from report_large import large_study as build

    return build()
