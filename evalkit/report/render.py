"""Rendering a scored study: the HTML scorecard, its Markdown summary, and writing both to a run.

``render_scorecard`` takes the typed ``ScoredStudy`` (``write_reports`` reads it from
``scorecard.json`` once, validated by its model), builds the charts and the view
(``evalkit.report.view``) from its records, and hands the result to ``scorecard.html.j2``, which
reads the same records by attribute. The output depends only
on the scored study: no clock, no environment, no network. The same input gives the same bytes,
which the golden test holds it to.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.files import write_atomically
from evalkit.report import charts, polling, process_types, view, weights
from evalkit.report.environment import html_environment, markdown_environment
from evalkit.scorecard_data import ScoredStudy, read_scored_study

if TYPE_CHECKING:
    from evalkit.report.process_map import ProcessMap
    from evalkit.store import RunDirectory

__all__ = ["SECTIONS", "render_scorecard", "render_markdown", "render_reports", "write_reports"]

#: The scorecard's sections, in reading order: (anchor id, heading).
SECTIONS = (
    ("recommendation", "Recommendation"),
    ("assumptions", "Assumptions"),
    ("knockouts", "Knock-outs"),
    ("matrix", "Weighted matrix"),
    ("performance", "Performance"),
    ("kpis", "KPIs against today's baseline"),
    ("faults", "Faults"),
    ("robustness", "Robustness"),
    ("assessments", "Assessments"),
    ("cost", "Cost breakdown"),
    ("provenance", "Provenance"),
    ("glossary", "Glossary"),
)


def render_scorecard(
    scored: ScoredStudy, process_map: ProcessMap | None = None, calibration: list[dict[str, Any]] | None = None
) -> str:
    """The self-contained HTML scorecard for one scored study (with the study's process map, if drawn)."""
    template = html_environment().get_template("scorecard.html.j2")
    script = weights.weights_script()
    return template.render(
        **scorecard_context(scored, process_map=process_map),
        weights_data=weights.weights_data(scored),
        weights_script=script,
        script_csp=weights.script_hash(script),
        calibration=calibration or [],  # evalkit.report.calibration: the section's rows
    )


def render_markdown(scored: ScoredStudy, calibration: list[dict[str, Any]] | None = None) -> str:
    """A Markdown summary (recommendation, ranking, knock-outs, calibration, provenance) for a PR or wiki."""
    template = markdown_environment().get_template("scorecard.md.j2")
    return template.render(**scorecard_context(scored, with_charts=False), calibration=calibration or [])


def scorecard_context(
    data: ScoredStudy, *, with_charts: bool = True, process_map: ProcessMap | None = None
) -> dict[str, Any]:
    """Everything the scorecard templates read: the scored study itself (``data``) and its view."""
    colours = view.candidate_colours(data.candidates)
    rows = view.matrix_rows(data)
    context: dict[str, Any] = {
        "data": data,
        "sections": SECTIONS,
        "numbers": {id_: index for index, (id_, _) in enumerate(SECTIONS, start=1)},
        "process_map": process_map,
        "process_map_legend": _process_map_legend(),
        "colours": colours,
        "labels": view.criterion_labels(data),
        "recommendation": view.recommendation(data),
        "rows": rows,
        "kpis": view.kpi_rows(data),
        "non_discriminating": view.non_discriminating(data),
        "bottlenecks": view.bottleneck_table(data),
        "process_types": process_types.type_slo_rows(data),  # a mix: every type's SLO and verdicts
        "type_knockouts": process_types.type_knockouts(data),
        "poll_bias": polling.poll_bias(data.provenance.targets),  # a polled end is seen up to one interval late
        "assessed": _assessed_sections(data),
        "robust_rule": view.ROBUST,
        "fragile_rule": view.FRAGILE,
        "heat": view.heat,
        "utilisation_heat": view.utilisation_heat,
        "charts": _charts(data, rows, colours) if with_charts else {},
    }
    return context


def _charts(data: ScoredStudy, rows: list[view.MatrixRow], colours: dict[str, str]) -> dict[str, Any]:
    slo = data.slo.get("p95_cycle_time")
    analyses = [a for c in data.candidates for a in c.performance]
    limits = charts.latency_limits(analyses, slo)
    performance = {
        c.name: charts.performance_chart(
            f"p95-{i}", c.name, c.performance, colours[c.name], slo, limits, charts.rates_of(data)
        )
        for i, c in enumerate(data.candidates)
        if c.performance
    }
    # The weight marked now: the critical-weight record's where there is one, else the criterion's share.
    current: dict[str, tuple[float | None, float | None]] = {c.id: (c.normalised_weight, None) for c in data.criteria}
    current |= {w.criterion_id: (w.current_weight, w.critical_weight) for w in data.robustness.critical_weights}
    labels = view.criterion_labels(data)
    crossovers = [
        (
            labels.get(x.criterion_id, x.criterion_id),
            charts.crossover_chart(
                f"cross-{i}",
                x,
                labels.get(x.criterion_id, x.criterion_id),
                *current.get(x.criterion_id, (None, None)),
                colours,
                data.winner,
            ),
        )
        for i, x in enumerate(data.robustness.crossovers)
    ]
    return {
        "contributions": charts.contribution_chart(data.criteria, rows) if data.criteria else None,
        "performance": performance,
        "throughput": charts.throughput_chart(data.candidates, colours),
        "crossovers": crossovers,
        "cost": charts.cost_chart(data.candidates, data.currency),
    }


def _assessed_sections(data: ScoredStudy) -> list[dict[str, Any]]:
    """Per assessed criterion, each candidate's assessments (None where nobody assessed it)."""
    sections = []
    for criterion in data.criteria:
        if criterion.kind != "assessed":
            continue
        entries = []
        for candidate in data.candidates:
            found = next((a for a in candidate.assessed if a.criterion_id == criterion.id), None)
            entries.append({"name": candidate.name, "assessed": found})
        sections.append({"criterion": criterion, "entries": entries})
    return sections


def _process_map_legend() -> str:
    from evalkit.report.process_map import LEGEND

    return LEGEND


def _process_map(study_path: Path, scored: ScoredStudy) -> ProcessMap | None:
    """The study's process drawn, each step filled by the winner's utilisation at its sustainable multiple."""
    from evalkit.errors import EvalkitError
    from evalkit.report.process_map import build_process_map
    from evalkit.study import load_study

    try:
        study = load_study(study_path)
    except (EvalkitError, OSError):
        return None  # the table of steps in the Assumptions section still says what was modelled
    return build_process_map(study, view.busiest_utilisation(scored))


def render_reports(scored: ScoredStudy, study_path: Path, run_path: Path) -> tuple[str, str]:
    """The HTML and Markdown scorecards of a scored study whose study file and run directory are known
    (the process map is drawn from the study; calibrations are read beside the run and named by the study)."""
    from evalkit.report.calibration import calibration_of_run

    calibration = calibration_of_run(run_path, study_path)
    return render_scorecard(scored, _process_map(study_path, scored), calibration), render_markdown(scored, calibration)


def write_reports(run: RunDirectory) -> Path:
    """Render ``scorecard.html`` and ``scorecard.md`` into the run directory; return the HTML path."""
    html, markdown = render_reports(read_scored_study(run.scored_path), run.study_path, run.path)
    for path, text in ((run.html_path, html), (run.markdown_path, markdown)):
        write_atomically(path, text)
    return run.html_path
