"""Comparing two or more scored runs: before and after tuning, or one shortlist under two scenarios.

The first run is the reference; every delta is "this run minus the first". Totals are only
comparable when the runs were scored with the same criteria and weights. When they were not, the
comparison either refuses (``strict``) or recomputes every total on the criteria all runs share,
weighted by the first run's weights renormalised over them, and says so at the top of the report.
Value functions are fixed in the scorecard, so a criterion's 0-100 value means the same thing in
every run that uses the same scorecard; across scorecards the report warns that it may not.

Each run arrives as its typed ``ScoredStudy`` and is read by attribute; only the optional extra
per-run settings (the run's study copy and manifest, whatever their shape) are free mappings, since
all that is done with them is to flatten them and list the keys whose values differ.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.errors import InputError
from evalkit.report import charts
from evalkit.report.environment import html_environment
from evalkit.report.svg import CANDIDATE_COLOURS, colour
from evalkit.scorecard_data import CandidateResult, ScoredStudy

__all__ = ["COMPARISON_SECTIONS", "comparison_context", "flatten", "render_comparison"]

COMPARISON_SECTIONS = (
    ("winners", "Winners"),
    ("scores", "Scores and ranks"),
    ("curves", "Degradation curves"),
    ("assumptions", "Assumptions that differ"),
)


def render_comparison(
    runs: Sequence[tuple[str, ScoredStudy]],
    *,
    assumptions: Sequence[Mapping[str, Any]] | None = None,
    strict: bool = False,
) -> str:
    """HTML comparing scored runs, given as (label, scored study); ``assumptions`` are extra
    per-run settings (e.g. the run's study copy and manifest) whose differences are listed."""
    context = comparison_context(runs, assumptions=assumptions, strict=strict)
    return html_environment().get_template("comparison.html.j2").render(**context)


def comparison_context(
    runs: Sequence[tuple[str, ScoredStudy]],
    *,
    assumptions: Sequence[Mapping[str, Any]] | None = None,
    strict: bool = False,
) -> dict[str, Any]:
    """Everything the comparison template reads, from the scored runs (``data`` of each is its ``ScoredStudy``)."""
    if len(runs) < 2:
        raise InputError("compare needs at least two runs")
    if assumptions is not None and len(assumptions) != len(runs):
        raise ValueError("one assumptions mapping per run")
    labels = _unique_labels([label for label, _ in runs])
    datas = [data for _, data in runs]
    basis = _criteria_basis(labels, datas, strict)
    scores = [_scores(data, basis) for data in datas]
    return {
        "runs": [
            {"label": label, "data": data, "colour": colour(CANDIDATE_COLOURS, i)}
            for i, (label, data) in enumerate(zip(labels, datas, strict=True))
        ],
        "sections": COMPARISON_SECTIONS,
        "basis": basis,
        "winners": _winners(labels, scores),
        "table": _score_table(labels, scores),
        "curves": _curves(labels, datas),
        "differences": _differences(labels, datas, assumptions),
    }


def _unique_labels(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return unique


def _weights(data: ScoredStudy) -> dict[str, float]:
    return {c.id: c.normalised_weight for c in data.criteria}


def _criteria_basis(labels: list[str], datas: list[ScoredStudy], strict: bool) -> dict[str, Any]:
    """Whether totals compare as they are ("full") or only on shared criteria ("shared")."""
    weights = [_weights(d) for d in datas]
    names = {d.provenance.scorecard_name for d in datas}
    same = len(names) == 1 and all(
        w.keys() == weights[0].keys() and all(abs(w[c] - weights[0][c]) < 1e-9 for c in w) for w in weights
    )
    if same:
        return {"mode": "full", "criteria": list(weights[0]), "weights": weights[0], "dropped": {}, "name": names.pop()}
    shared = [c for c in weights[0] if all(c in w for w in weights)]
    described = "; ".join(
        f"{label}: {d.provenance.scorecard_name} ({', '.join(f'{c} {w:.0%}' for c, w in _weights(d).items())})"
        for label, d in zip(labels, datas, strict=True)
    )
    if not shared:
        raise InputError(f"the runs share no scoring criteria, so their scores cannot be compared ({described})")
    if strict:
        raise InputError(
            f"the runs were scored with different scorecards or weights ({described}); "
            f"drop --strict to compare them on the {len(shared)} criteria they share"
        )
    total = sum(weights[0][c] for c in shared)
    dropped = {label: [c for c in w if c not in shared] for label, w in zip(labels, weights, strict=True)}
    return {
        "mode": "shared",
        "criteria": shared,
        "weights": {c: weights[0][c] / total for c in shared},
        "dropped": {k: v for k, v in dropped.items() if v},
        "described": described,
    }


def _scores(data: ScoredStudy, basis: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per candidate: score on the comparison basis, rank among eligible candidates, knock-out."""
    result: dict[str, dict[str, Any]] = {}
    for candidate in data.candidates:
        score: float | None
        if basis["mode"] == "full":
            score = candidate.total
        else:
            values = {s.criterion_id: s.value for s in candidate.scores}
            parts = [values.get(c) for c in basis["criteria"]]
            known = [v for v in parts if v is not None]
            score = (
                None
                if len(known) != len(parts)
                else sum(v * basis["weights"][c] for v, c in zip(known, basis["criteria"], strict=True))
            )
        result[candidate.name] = {
            "score": score,
            "knocked_out": candidate.knocked_out,
            "design": candidate.design,
        }
    ordered = sorted(
        result.items(), key=lambda kv: (kv[1]["knocked_out"], kv[1]["score"] is None, -(kv[1]["score"] or 0))
    )
    for rank, (_, entry) in enumerate(ordered, start=1):
        entry["rank"] = rank
    return result


def _winners(labels: list[str], scores: list[dict[str, dict[str, Any]]]) -> dict[str, Any]:
    winners = []
    for label, run in zip(labels, scores, strict=True):
        eligible = [(n, e) for n, e in run.items() if not e["knocked_out"] and e["score"] is not None]
        best = min(eligible, key=lambda ne: ne[1]["rank"]) if eligible else None
        winners.append({"label": label, "name": best[0] if best else None, "score": best[1]["score"] if best else None})
    names = [w["name"] for w in winners]
    return {"per_run": winners, "changed": len(set(names)) > 1, "first": names[0]}


def _score_table(labels: list[str], scores: list[dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """One row per candidate in any run: its score and rank per run, and deltas against the first."""
    names = list(dict.fromkeys(n for run in scores for n in sorted(run, key=lambda n: run[n]["rank"])))
    rows = []
    for name in names:
        reference = scores[0].get(name)
        cells = []
        for run in scores:
            entry = run.get(name)
            delta = rank_delta = None
            if entry and reference:
                if entry["score"] is not None and reference["score"] is not None:
                    delta = entry["score"] - reference["score"]
                rank_delta = entry["rank"] - reference["rank"]
            cells.append({"entry": entry, "delta": delta, "rank_delta": rank_delta})
        rows.append({"name": name, "cells": cells})
    return rows


def _curves(labels: list[str], datas: list[ScoredStudy]) -> dict[str, Any]:
    """Overlaid p95 curves for each candidate that has performance results in at least two runs."""
    tints = [colour(CANDIDATE_COLOURS, i) for i in range(len(datas))]
    names = list(dict.fromkeys(c.name for d in datas for c in d.candidates if c.performance))
    analyses = [a for d in datas for c in d.candidates for a in c.performance]
    slos = [slo for d in datas if (slo := d.slo.get("p95_cycle_time"))]
    limits = charts.latency_limits(analyses, min(slos) if slos else None)
    panels, sustainable = [], []
    for index, name in enumerate(names):
        series, row = [], []
        for label, tint, data in zip(labels, tints, datas, strict=True):
            candidate: CandidateResult | None = next((c for c in data.candidates if c.name == name), None)
            found = candidate.performance if candidate else []
            series += [(label, tint, a) for a in found]
            row.append({a.source: a.max_sustainable_display for a in found} if candidate else None)
        sustainable.append({"name": name, "cells": row})
        if sum(1 for cell in row if cell) >= 2:
            panels.append((name, charts.overlay_chart(f"overlay-{index}", name, series, slos, limits)))
    return {"panels": panels, "sustainable": sustainable}


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """Nested settings as ``dotted.path -> text``; lists of named items are keyed by their name."""
    if isinstance(value, Mapping):
        flat: dict[str, str] = {}
        for key, item in value.items():
            flat |= flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return flat
    if isinstance(value, list | tuple) and value and all(isinstance(i, Mapping) for i in value):
        flat = {}
        for index, item in enumerate(value):
            name = item.get("name", item.get("id", index))
            flat |= flatten(item, f"{prefix}[{name}]")
        return flat
    return {prefix: json.dumps(value, ensure_ascii=False, sort_keys=True) if not isinstance(value, str) else value}


def _run_settings(data: ScoredStudy) -> dict[str, Any]:
    p = data.provenance
    return {
        "run": {
            "study_name": p.study_name,
            "study_sha256": p.study_sha256,
            "scorecard_name": p.scorecard_name,
            "seed": p.seed,
            "replications": p.replications,
            "multiples": p.multiples,
            "quick": p.quick,
        },
        "slo": data.slo,
        "weights": _weights(data),
        "currency": data.currency,
        "evalkit": p.evalkit_version,
    }


def _differences(
    labels: list[str], datas: list[ScoredStudy], assumptions: Sequence[Mapping[str, Any]] | None
) -> dict[str, Any]:
    """Settings whose values are not the same in every run, and how many are."""
    flats = []
    for index, data in enumerate(datas):
        flat = flatten(_run_settings(data))
        if assumptions is not None:
            flat |= flatten(assumptions[index])
        flats.append(flat)
    keys = list(dict.fromkeys(k for flat in flats for k in flat))
    rows = [{"key": k, "values": [f.get(k) for f in flats]} for k in keys if len({f.get(k) for f in flats}) > 1]
    return {"rows": rows, "same": len(keys) - len(rows), "from_study": assumptions is not None}
