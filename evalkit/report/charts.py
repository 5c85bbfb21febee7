"""Chart builders: typed scorecard records in, inline SVG out.

Each builder takes records of the ``ScoredStudy`` (``evalkit.scorecard_data``: a candidate's
``PerformanceAnalysis``, a ``WeightCrossover``…), frozen and read by attribute, and returns
``Markup`` SVG from ``evalkit.report.svg``. The charts follow the report's
rules: the simulation is a line with its 95% confidence band, a measurement is a marker, the SLO
is a dashed red line, a saturated run is a cross at the top (it has no meaningful p95), and a
missing value leaves a gap, never a zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from evalkit.report.svg import CRITERION_COLOURS, colour, figure, plain, to_svg
from evalkit.units import format_duration

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from evalkit.report.view import MatrixRow
    from evalkit.scorecard_data import (
        CandidateResult,
        CostBreakdown,
        CriterionInfo,
        PerformanceAnalysis,
        ScoredStudy,
        WeightCrossover,
    )

__all__ = [
    "contribution_chart",
    "cost_chart",
    "crossover_chart",
    "latency_limits",
    "performance_chart",
    "throughput_chart",
    "draw_p95",
    "format_latency_axis",
]

SLO_COLOUR = "#C5221F"
#: Figure sizes in inches, chosen so 9pt text lands near 12px on a 1200px page (full width) or in a
#: third of it (panels): the SVGs scale to their container, fonts included.
FULL_WIDTH = 12.0
PANEL = (3.7, 2.7)


def latency_limits(analyses: Iterable[PerformanceAnalysis], slo: float | None) -> tuple[float, float, bool]:
    """Shared y-range for p95 charts, and whether it needs a log scale (curves that explode)."""
    values = [slo] if slo else []
    for analysis in analyses:
        for point in analysis.curve:
            values += [v for v in (point.p95, point.p95_low, point.p95_high) if v and v > 0]
    if not values:
        return 0.0, 1.0, False
    low, high = min(values), max(values)
    if high / low > 10:
        return low / 1.4, high * 1.6, True
    return 0.0, high * 1.25, False


def format_latency_axis(ax: Axes, log: bool) -> None:
    """Tick labels as durations (``500 ms``, ``2 s``), on a 1-2-5 log grid when the range is wide."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: format_duration(value) if value > 0 else "0"))


def _multiple_axis(ax: Axes, multiples: Sequence[float], rates: Mapping[float, str] | None = None) -> None:
    """Ticks at the multiples tested; each also names its arrival rate in the study's unit when known."""
    if multiples:
        ticks = sorted(set(multiples))
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{m:g}x\n{rates[m]}" if rates and m in rates else f"{m:g}x" for m in ticks])
        ax.set_xlim(min(multiples) - 0.25, max(multiples) + 0.25)
    ax.set_xlabel("load multiple of today's peak" + (" and the rate it means" if rates else ""))


def rates_of(data: ScoredStudy) -> dict[float, str]:
    """multiple -> its arrival rate in the study's unit (``2x`` -> ``4,000/h``), from the assumptions record."""
    found = data.assumptions
    return {float(m.multiple): m.display for m in found.multiples} if found else {}


def draw_p95(ax: Axes, analysis: PerformanceAnalysis, tint: str, label: str, *, style: str = "-") -> None:
    """One analysis on p95 axes: simulated mean + CI band as a line, measured points as diamonds."""
    import numpy as np
    from matplotlib import transforms

    curve = list(analysis.curve)
    # A saturated run's p95 only says how long the run lasted, so it is not joined to the curve;
    # a lower bound (timeouts censor the tail) is drawn as an up-arrow, never as a point.
    bounds = [(p.multiple, p.p95) for p in curve if p.validity == "lower bound" and p.p95 is not None]
    curve = [p for p in curve if p.validity == "conclusive" or p.p95 is None]
    xs = np.array([p.multiple for p in curve], dtype=float)
    ys = np.array([np.nan if p.p95 is None or p.saturated else p.p95 for p in curve], dtype=float)
    if bounds:
        ax.plot(*zip(*bounds, strict=True), "^", color=tint, markerfacecolor="none", markersize=6, linestyle="none")
    overrun = [(p.multiple, p.p95) for p in curve if p.saturated and p.p95 is not None]
    if overrun:
        ax.plot(
            *zip(*overrun, strict=True),
            "o" if analysis.source == "sim" else "D",
            markerfacecolor="none",
            color=tint,
            markersize=5,
            linestyle="none",
        )
    if analysis.source == "sim":
        ax.plot(xs, ys, style, color=tint, linewidth=1.8, marker="o", markersize=3.5, label=f"{label} simulated p95")
        low = np.array([np.nan if p.p95_low is None or p.saturated else p.p95_low for p in curve], float)
        high = np.array([np.nan if p.p95_high is None or p.saturated else p.p95_high for p in curve], float)
        if np.isfinite(low).any():
            ax.fill_between(xs, low, high, color=tint, alpha=0.18, linewidth=0, label=f"{label} 95% CI")
    else:
        kind = analysis.evidence or "load-test"
        ax.plot(xs, ys, "D", color=tint, markeredgecolor="#202124", markersize=5, label=f"{label} {kind} p95")
    saturated = [p.multiple for p in curve if p.saturated]
    if saturated:
        top = transforms.blended_transform_factory(ax.transData, ax.transAxes)
        marker = "x" if analysis.source == "sim" else "X"
        ax.plot(
            saturated,
            [0.95] * len(saturated),
            marker,
            color=tint,
            transform=top,
            markersize=7,
            linestyle="none",
            clip_on=False,
            label=f"{label} saturated ({analysis.source})",
        )


def _mark_sustainable(ax: Axes, analysis: PerformanceAnalysis, tint: str) -> None:
    from matplotlib import transforms

    msm = analysis.max_sustainable_multiple
    text = f"max {analysis.max_sustainable_display}"
    top = transforms.blended_transform_factory(ax.transData, ax.transAxes)
    if msm is None:
        ax.text(0.02, 0.04, f"{text}: never met the SLO", transform=ax.transAxes, color=tint, fontsize=8)
        return
    ax.axvline(msm, color=tint, linestyle=":", linewidth=1.3)
    ax.text(
        msm,
        0.86,
        f" {plain(text)} ({analysis.evidence or analysis.source})",
        transform=top,
        color=tint,
        fontsize=7.5,
        ha="right" if msm > 3 else "left",
    )


def performance_chart(
    key: str,
    name: str,
    analyses: Sequence[PerformanceAnalysis],
    tint: str,
    slo: float | None,
    limits: tuple[float, float, bool],
    rates: Mapping[float, str] | None = None,
) -> Markup:
    """p95 cycle time against load multiple for one candidate: sim band, measured points, SLO, max sustainable."""
    with figure(PANEL[0], PANEL[1] + 0.45) as fig:
        ax = fig.add_subplot()
        multiples: list[float] = []
        for analysis in analyses:
            draw_p95(ax, analysis, tint if analysis.source == "sim" else "#202124", "", style="-")
            multiples += [p.multiple for p in analysis.curve]
        if analyses:
            # The figure the matrix scored: performance lists the candidate's evidence source first.
            _mark_sustainable(ax, analyses[0], tint)
        if slo:
            ax.axhline(slo, color=SLO_COLOUR, linestyle="--", linewidth=1.1, label=f"SLO p95 {format_duration(slo)}")
        format_latency_axis(ax, limits[2])
        ax.set_ylim(limits[0], limits[1])
        _multiple_axis(ax, multiples, rates)
        ax.set_ylabel("p95 cycle time")
        if not any(a.source == "load" for a in analyses):
            ax.text(0.98, 0.04, "not load-tested", transform=ax.transAxes, ha="right", fontsize=7.5, color="#5F6368")
        # The same key on every panel keeps the panels' axes the same size, so they line up.
        fig.legend(
            handles=_performance_key(tint),
            loc="outside lower center",
            ncols=3,
            fontsize=7,
            handlelength=1.6,
            columnspacing=1.0,
        )
        return to_svg(fig, key=key, label=f"p95 cycle time against load multiple for {name}")


def _performance_key(tint: str) -> list[Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    return [
        Line2D([], [], color=tint, marker="o", markersize=3.5, linewidth=1.8, label="simulated p95"),
        Patch(color=tint, alpha=0.18, label="95% CI"),
        Line2D([], [], color="#202124", marker="D", markersize=4.5, linestyle="none", label="load-test p95"),
        Line2D([], [], color=SLO_COLOUR, linestyle="--", linewidth=1.1, label="SLO"),
        Line2D([], [], color=tint, linestyle=":", linewidth=1.3, label="max sustainable"),
        Line2D([], [], color=tint, marker="x", markersize=6, linestyle="none", label="saturated"),
    ]


def throughput_chart(candidates: Sequence[CandidateResult], colours: Mapping[str, str]) -> Markup | None:
    """Completed against offered rate for every candidate, with the ideal y = x line."""
    series = [(c, a) for c in candidates for a in c.performance if any(p.offered_rate for p in a.curve)]
    if not series:
        return None
    with figure(FULL_WIDTH, 3.6) as fig:
        ax = fig.add_subplot()
        top = 0.0
        for candidate, analysis in series:
            xs = [p.offered_rate for p in analysis.curve if p.offered_rate is not None]
            ys = [
                math.nan if p.completed_rate is None else p.completed_rate
                for p in analysis.curve
                if p.offered_rate is not None
            ]
            top = max(top, *xs)
            style = "-o" if analysis.source == "sim" else "D"
            ax.plot(
                xs,
                ys,
                style,
                color=colours[candidate.name],
                markersize=4,
                linewidth=1.5,
                markeredgecolor="#202124" if analysis.source == "load" else colours[candidate.name],
            )
        ax.plot([0, top], [0, top], color="#9AA0A6", linestyle="--", linewidth=1, label="completed = offered")
        ax.set_xlabel("offered rate (workflows started per second)")
        ax.set_ylabel("completed per second")
        ax.legend(loc="upper left")
        return to_svg(fig, key="throughput", label="Throughput against offered load for every candidate")


def contribution_chart(criteria: Sequence[CriterionInfo], rows: Sequence[MatrixRow]) -> Markup:
    """Weighted contributions as one stacked horizontal bar per candidate, best at the top."""
    with figure(FULL_WIDTH, 1.4 + 0.36 * len(rows)) as fig:
        ax = fig.add_subplot()
        ax.set_axisbelow(True)
        names = [row.name for row in rows]
        positions = list(range(len(rows)))[::-1]
        for index, criterion in enumerate(criteria):
            lefts, widths = [], []
            for row in rows:
                cell = row.cells[index]
                lefts.append(sum(c.contribution or 0.0 for c in row.cells[:index]))
                widths.append(cell.contribution or 0.0)
            ax.barh(
                positions,
                widths,
                left=lefts,
                height=0.66,
                color=colour(CRITERION_COLOURS, index),
                edgecolor="white",
                linewidth=0.6,
                label=plain(criterion.label),
            )
        for position, row in zip(positions, rows, strict=True):
            total = row.total
            text = f"{total:.1f}" if total is not None else f"{row.total_partial:.1f}+ (incomplete)"
            if row.knocked_out:
                text += "  knocked out"
            ax.text(
                row.total_partial + 0.8,
                position,
                text,
                va="center",
                fontsize=8,
                color="#80868B" if row.knocked_out else "#202124",
            )
        ax.set_yticks(positions)
        ax.set_yticklabels([_short(plain(name), 34) for name in names])
        ax.set_xlim(0, 112)
        ax.set_xlabel("weighted score (points of 100)")
        ax.grid(axis="y", visible=False)
        fig.legend(loc="outside upper center", ncols=min(5, len(criteria)), fontsize=8)
        return to_svg(
            fig, key="contributions", label="Weighted contribution of each criterion to each candidate's score"
        )


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def crossover_chart(
    key: str,
    crossover: WeightCrossover,
    label: str,
    current: float | None,
    critical: float | None,
    colours: Mapping[str, str],
    winner: str | None = None,
) -> Markup:
    """Every candidate's total as one criterion's weight sweeps 0..1; current and critical weights marked.

    ``current`` and ``critical`` are the criterion's normalised weight now and where the winner
    changes (its ``CriticalWeight`` record; None where there is none); the winner's line is thicker.
    """
    with figure(*PANEL) as fig:
        ax = fig.add_subplot()
        for name, totals in crossover.totals.items():
            leader = name == winner
            ax.plot(
                crossover.weights,
                totals,
                color=colours.get(name, "#5F6368"),
                linewidth=2.8 if leader else 1.3,
                zorder=3 if leader else 2,
            )
        if current is not None:
            ax.axvline(current, color="#202124", linestyle=":", linewidth=1.2)
            ax.text(current, 0.02, f" now {current * 100:.0f}%", transform=_blend(ax), fontsize=7.5)
        if critical is not None:
            ax.axvline(critical, color=SLO_COLOUR, linestyle="--", linewidth=1.1)
            ax.text(
                critical,
                0.92,
                f" flips at {critical * 100:.0f}%",
                transform=_blend(ax),
                fontsize=7.5,
                color=SLO_COLOUR,
                ha="right" if critical > 0.7 else "left",
            )
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(_percent_formatter())
        ax.set_xlabel(f"weight of {_short(plain(label), 40)}")
        ax.set_ylabel("total score")
        return to_svg(fig, key=key, label=f"Total scores as the weight of {label} changes")


def _blend(ax: Axes) -> Any:
    from matplotlib import transforms

    return transforms.blended_transform_factory(ax.transData, ax.transAxes)


def _percent_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _: f"{value * 100:.0f}%")


COST_PARTS = ("licence", "infrastructure", "implementation", "integration", "operations")


def _cost_parts(cost: CostBreakdown) -> tuple[float, ...]:
    """The components of ``COST_PARTS``, in its order."""
    return (cost.licence, cost.infrastructure, cost.implementation, cost.integration, cost.operations)


def cost_chart(candidates: Sequence[CandidateResult], currency: str) -> Markup | None:
    """Total cost of ownership per candidate, stacked by component."""
    costed = [(c.name, _cost_parts(c.cost)) for c in candidates if c.cost is not None]
    if not costed:
        return None
    with figure(FULL_WIDTH, 1.4 + 0.36 * len(costed)) as fig:
        ax = fig.add_subplot()
        ax.set_axisbelow(True)
        positions = list(range(len(costed)))[::-1]
        lefts = [0.0] * len(costed)
        for index, part in enumerate(COST_PARTS):
            widths = [parts[index] / 1000 for _, parts in costed]
            ax.barh(
                positions,
                widths,
                left=lefts,
                height=0.62,
                color=colour(CRITERION_COLOURS, index + 5),
                edgecolor="white",
                linewidth=0.6,
                label=part,
            )
            lefts = [left + width for left, width in zip(lefts, widths, strict=True)]
        ax.set_yticks(positions)
        ax.set_yticklabels([_short(plain(name), 34) for name, _ in costed])
        ax.set_xlabel(f"thousand {plain(currency)} over the costing horizon")
        ax.grid(axis="y", visible=False)
        fig.legend(loc="outside upper center", ncols=len(COST_PARTS), fontsize=8)
        return to_svg(fig, key="cost", label="Cost of ownership per candidate, by component")


def overlay_chart(
    key: str,
    name: str,
    series: Sequence[tuple[str, str, PerformanceAnalysis]],
    slos: Sequence[float],
    limits: tuple[float, float, bool],
) -> Markup:
    """One candidate's p95 curves from several runs on one set of axes: (run label, colour, analysis)."""
    with figure(PANEL[0], PANEL[1] + 0.6) as fig:
        ax = fig.add_subplot()
        multiples: list[float] = []
        for label, tint, analysis in series:
            draw_p95(ax, analysis, tint, plain(label), style="-" if analysis.source == "sim" else "D")
            multiples += [p.multiple for p in analysis.curve]
        for slo in sorted(set(slos)):
            ax.axhline(slo, color=SLO_COLOUR, linestyle="--", linewidth=1.1, label=f"SLO {format_duration(slo)}")
        format_latency_axis(ax, limits[2])
        ax.set_ylim(limits[0], limits[1])
        _multiple_axis(ax, multiples)
        ax.set_ylabel("p95 cycle time")
        handles, labels = ax.get_legend_handles_labels()
        keep = [(h, lab) for h, lab in zip(handles, labels, strict=True) if "CI" not in lab]
        fig.legend(
            [h for h, _ in keep], [_short(lab, 30) for _, lab in keep], loc="outside lower center", ncols=2, fontsize=7
        )
        return to_svg(fig, key=key, label=f"p95 cycle time of {name} in each compared run")
