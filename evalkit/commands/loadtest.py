"""``evalkit loadtest STUDY``: load-test the candidates at the study's multiples of peak.

Each candidate with a ``target`` is driven through the generic HTTP adapter; each one without is
driven on its reference platform, which this command starts and stops. Live progress shows per
stage; at the end a table per stage (offered and achieved rate, percentiles, errors, late and
dropped starts, backlog, SLO verdict) and the run directory are printed. Results go to a new run
under ``--out``, or into an existing run given with ``--run``.

``--load-workers N`` runs a Locust master plus N local workers instead of independent generator
processes; ``--expect-workers M`` (M > N) makes the master wait for M - N more that join from
other machines with ``evalkit load-worker --master HOST:PORT`` (see ``docs/scale-out.md``).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import TaskID
    from rich.table import Table

    from evalkit.load import FleetConfig, LoadStage
    from evalkit.results import ResultTable
    from evalkit.store import RunDirectory
    from evalkit.study import Study

__all__ = ["register", "stage_table"]


def _parse_multiples(text: str | None) -> list[float] | None:
    from evalkit.errors import InputError

    if text is None:
        return None
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"--multiples {text!r}: write numbers separated by commas, e.g. 1,2,4") from None


def _cell(value: float, kind: str) -> str:
    from evalkit.units import format_duration

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if kind == "duration":
        return format_duration(value)
    if kind == "ratio":
        return f"{value:.1%}"
    if kind == "rate":
        return f"{value:.3g}/s"
    return f"{value:.0f}"


_COLUMNS = (
    ("offered", "offered_rate", "rate"),
    ("achieved", "achieved_rate", "rate"),
    ("completed", "completed_rate", "rate"),
    ("p50", "cycle_time_p50", "duration"),
    ("p95", "cycle_time_p95", "duration"),
    ("p99", "cycle_time_p99", "duration"),
    ("errors", "error_rate", "ratio"),
    ("timeouts", "timeouts", "count"),
    ("late", "late_starts", "count"),
    ("dropped", "dropped_starts", "count"),
    ("backlog/s", "backlog_growth", "rate"),
)


_SHORT = {"cycle_time_p95": "p95", "cycle_time_p99": "p99", "error_rate": "errors", "saturated": "backlog"}


def stage_table(table: ResultTable, study: Study) -> Table:
    """A rich table: one row per candidate and stage, with the SLO verdict."""
    from rich.table import Table

    from evalkit.load import check_thresholds
    from evalkit.load.failures import describe_errors
    from evalkit.results import WHOLE

    out = Table(title="load test: one row per stage (workflow metrics, not HTTP statistics)")
    for header in ("candidate", "multiple", *(c[0] for c in _COLUMNS), "saturated", "SLO", "error classes"):
        out.add_column(header, justify="left" if header == "candidate" else "right")
    frame = table.frame
    whole = frame["workflow_type"] == WHOLE
    for (candidate, multiple), rows in frame[whole].groupby(["candidate", "multiple"], sort=False):
        metrics = dict(zip(rows["metric"], rows["value"], strict=True))
        checks = check_thresholds(metrics, study.slo)
        failed = [_SHORT.get(c.metric, c.metric) for c in checks if not c.passed]
        verdict = "FAIL " + ",".join(failed) if failed else "pass"
        cells = [_cell(metrics.get(metric, math.nan), kind) for _, metric, kind in _COLUMNS]
        saturated = "yes" if metrics.get("saturated", 0) >= 1 else "no"
        out.add_row(str(candidate), f"{multiple:g}x", *cells, saturated, verdict, describe_errors(metrics))
        # A mix: each type's own figures under the whole, judged against that type's own SLO.
        mine = frame[~whole & (frame["candidate"] == candidate) & (frame["multiple"] == multiple)]
        for workflow_type, typed in mine.groupby("workflow_type", sort=True):
            figures = dict(zip(typed["metric"], typed["value"], strict=True))
            keyed = {f"{metric}@{workflow_type}": value for metric, value in figures.items()}
            own = {str(workflow_type): study.workflow_slo(str(workflow_type))}
            failed = [
                _SHORT.get(c.metric.partition("@")[0], c.metric)
                for c in check_thresholds({**metrics, **keyed}, study.slo, own)
                if "@" in c.metric and not c.passed
            ]
            cells = [_cell(figures.get(metric, math.nan), kind) for _, metric, kind in _COLUMNS]
            out.add_row(f"  {workflow_type}", "", *cells, "", "FAIL " + ",".join(failed) if failed else "pass", "")
    return out


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)


def register(app: typer.Typer) -> None:
    @app.command()
    def loadtest(
        study_path: Path = typer.Argument(..., metavar="STUDY", help="Study file."),
        candidate: list[str] | None = typer.Option(None, "--candidate", "-c", help="Only this candidate (repeatable)."),
        stage_seconds: float | None = typer.Option(
            None, "--stage-seconds", help="Measurement window of each stage (default: the study's load.stage_duration)."
        ),
        multiples: str | None = typer.Option(
            None, "--multiples", help="Load multiples, e.g. 1,2,4 (default: the study's)."
        ),
        out: Path = typer.Option(Path("runs"), "--out", help="Folder that holds run directories."),
        run_dir: Path | None = typer.Option(None, "--run", help="Write into this existing run directory instead."),
        load_processes: int = typer.Option(1, "--load-processes", min=1, help="Load-generator processes."),
        load_workers: int = typer.Option(
            0, "--load-workers", min=0, help="Run a Locust master plus this many local Locust workers."
        ),
        expect_workers: int | None = typer.Option(
            None, "--expect-workers", min=1, help="Workers the master waits for, local ones included."
        ),
        master_bind: str = typer.Option(
            "127.0.0.1", "--master-bind", help="Interface the Locust master listens on (0.0.0.0 for remote workers)."
        ),
        master_port: int | None = typer.Option(
            None, "--master-port", help="Locust master port (default: any free one; 5557 with remote workers)."
        ),
        join_timeout: float = typer.Option(60.0, "--join-timeout", help="Seconds the master waits for its workers."),
        poll: bool = typer.Option(False, "--poll", help="Reference platforms: poll for completion instead of waiting."),
        allow_env: list[str] | None = typer.Option(
            None, "--allow-env", help="Let targets read this environment variable (besides EVALKIT_SECRET_*)."
        ),
        allow_host: list[str] | None = typer.Option(
            None, "--allow-host", help="Allow this link-local or metadata target host (repeatable)."
        ),
    ) -> None:
        """Load-test candidates with an open stream of workflow starts at multiples of peak."""
        from evalkit.load.targets import allow

        allow(allow_env or (), allow_host or ())  # before anything reads a target (children inherit it)
        from rich.console import Console

        from evalkit.load import FleetConfig, plan_stages
        from evalkit.manifest import JsonScalar, RunSettings
        from evalkit.store import create_run, open_run

        if run_dir is not None:
            run = open_run(run_dir)
        else:
            options: dict[str, JsonScalar | list[float]] = {
                "load_processes": load_processes,
                "load_workers": load_workers,
            }
            run = create_run(out, study_path, command="loadtest", settings=RunSettings(only="load"), options=options)
        study, _ = run.load()
        stages = plan_stages(study, candidates=candidate or None, multiples=_parse_multiples(multiples))
        console = Console()
        fleet = FleetConfig(
            processes=load_processes,
            load_workers=load_workers,
            expect_workers=expect_workers,
            master_bind=master_bind,
            master_port=master_port,
            join_timeout=join_timeout,
        )
        table = _run_all(run, study, stages, stage_seconds, fleet, not poll, console)
        run.save_results(table, source="load")
        # Wide enough for every column even when output is not a terminal (CI logs, files).
        Console(width=max(console.width, 190)).print(stage_table(table, study))
        console.print(f"run: {run.path}")
        console.print(f"Locust's own reports: {run.locust_dir}")


def _run_all(
    run: RunDirectory,
    study: Study,
    stages: list[LoadStage],
    stage_seconds: float | None,
    fleet: FleetConfig,
    synchronous: bool,
    console: Console,
) -> ResultTable:
    """Every candidate's stages, each candidate on its target or its reference platform."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from evalkit.load import LoadPlan, ReferencePlatform, run_load_test
    from evalkit.results import ResultTable

    table = ResultTable.empty()
    columns = (TextColumn("{task.description:<28}"), BarColumn(), TextColumn("{task.percentage:>4.0f}%"))
    with Progress(*columns, TimeRemainingColumn(), console=console, transient=False) as progress:
        tasks: dict[str, TaskID] = {}

        def report(label: str, fraction: float) -> None:
            if label not in tasks:
                tasks[label] = progress.add_task(label, total=1.0)
            progress.update(tasks[label], completed=min(max(fraction, 0.0), 1.0))

        for candidate in study.candidates:
            todo = [s for s in stages if s.candidate == candidate.name]
            if not todo:
                continue
            plan = LoadPlan(
                study=study,
                candidate=candidate.name,
                stages=todo,
                out_dir=run.locust_dir / _safe(candidate.name),
                stage_seconds=stage_seconds,
                synchronous=synchronous,
            )
            if candidate.target is not None:
                part = run_load_test(plan, fleet, progress=report, on_note=progress.console.print)
            else:
                with ReferencePlatform(run.study_path, candidate.name) as platform:
                    part = run_load_test(
                        replace(plan, base_url=platform.base_url),
                        fleet,
                        progress=report,
                        on_note=progress.console.print,
                    )
            table = table.concat(part) if len(table) else part
    return table
