"""The whole study in one call: validate, simulate, load-test, analyse, score, render.

Thin wiring, no computation of its own. Each stage's cells are committed to the run's ledger as
they finish (``evalkit.ledger``), so ``resume`` continues a killed run where it stopped and ends
with the same ``results.csv`` as an uninterrupted run. Stages the options leave out (``--no-load``,
``--only``) are listed as skipped in the outcome.

The reporter passed in receives progress; the pipeline never prints.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from evalkit.errors import InputError, RunInterruptedError, RunStoreError
from evalkit.ledger import CellLedger
from evalkit.manifest import JsonScalar, RunSettings
from evalkit.results import Observation, ResultTable, Source
from evalkit.store import RunDirectory, RunIndex, create_run, open_run
from evalkit.study import Study, load_study_with_scorecard, study_digest
from evalkit.study.effective import QUICK_EMULATION_SPEEDUP, QUICK_MIN_WALL_CYCLE, StudyOverrides

if TYPE_CHECKING:  # imported lazily at run time: the load path must not load before it is needed
    from evalkit.cellcache import CellCache
    from evalkit.load import LoadStage, ReferencePlatform
    from evalkit.scorecard_data import ScoredStudy
    from evalkit.sim import SimCell
    from evalkit.study.candidates import Candidate

__all__ = [
    "Reporter",
    "RunOptions",
    "RunOutcome",
    "describe_options",
    "quick_emulation_speedup",
    "quick_load_multiples",
    "run_study",
]


class Reporter(Protocol):
    """Where the pipeline's progress goes (a rich display, plain lines, or nothing)."""

    def stage(self, name: str, total: int | None = None) -> None: ...
    def advance(self, steps: int = 1, *, detail: str = "") -> None: ...
    def note(self, text: str) -> None: ...
    def substage(self, label: str, fraction: float) -> None: ...


class LoggingReporter:
    """Forwards to another reporter and keeps a timestamped log in the run's ``logs/run.log``."""

    def __init__(self, inner: Reporter, log_file: Path) -> None:
        self.inner = inner
        log_file.parent.mkdir(parents=True, exist_ok=True)
        self.stream = log_file.open("a", encoding="utf-8")
        self._stage: tuple[str, float] | None = None  # the stage under way and when it began

    def _stage_took(self) -> None:
        """One line per finished stage with its wall seconds (where a run's time goes)."""
        if self._stage is not None:
            name, began = self._stage
            self._log(f"stage {name} took {time.monotonic() - began:.1f} s")

    def _log(self, text: str) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        self.stream.write(f"{stamp}Z {text}\n")
        self.stream.flush()

    def warning(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: object = None,
        line: str | None = None,
    ) -> None:
        """A library's warning (numpy, matplotlib…): into run.log, not onto the user's terminal."""
        self._log(f"warning: {category.__name__}: {message} ({Path(filename).name}:{lineno})")

    def stage(self, name: str, total: int | None = None) -> None:
        self._stage_took()
        self._stage = (name, time.monotonic())
        self._log(f"stage {name}" + (f" ({total} cells)" if total else ""))
        self.inner.stage(name, total)

    def advance(self, steps: int = 1, *, detail: str = "") -> None:
        if detail:
            self._log(f"  done {detail}")
        self.inner.advance(steps, detail=detail)

    def note(self, text: str) -> None:
        self._log(text)
        self.inner.note(text)

    def substage(self, label: str, fraction: float) -> None:
        self.inner.substage(label, fraction)

    def close(self, outcome: str) -> None:
        self._stage_took()
        self._log(outcome)
        self.stream.close()


class SilentReporter:
    """A reporter that drops everything (for tests and library use)."""

    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, steps: int = 1, *, detail: str = "") -> None:
        pass

    def note(self, text: str) -> None:
        pass

    def substage(self, label: str, fraction: float) -> None:
        pass


@dataclass(frozen=True)
class RunOptions:
    """How ``evalkit run`` runs a study."""

    quick: bool = False
    load: bool = True
    only: Literal["sim", "load"] | None = None
    workers: int = 1
    out: Path = Path("runs")
    resume: str | None = None
    seed: int | None = None
    load_processes: int = 1
    load_workers: int = 0
    dask_scheduler: str | None = None
    yes_big: bool = False
    screen: bool = False  # solve every cell analytically; simulate only the close cells that decide a knock-out
    side_by_side_load: bool = False  # quick runs only, opt-in: reference platforms measured at once


@dataclass
class RunOutcome:
    """What a run produced, for the CLI's summary."""

    run: RunDirectory
    skipped: list[str] = field(default_factory=list)
    scorecard_html: Path | None = None
    scored: ScoredStudy | None = None
    seconds: float = 0.0


def quick_load_multiples(study: Study) -> list[float]:
    """A quick run load-tests the lowest, the highest and the multiple nearest 2x; it simulates all."""
    multiples = sorted(study.traffic.multiples)
    middle = min(multiples, key=lambda m: abs(m - 2.0))
    return sorted({multiples[0], middle, multiples[-1]})


def _quick_note(study: Study, options: RunOptions) -> str:
    replications = f"quick run: {study.traffic.replications} replications per simulated cell"
    if not options.load or options.only == "sim":
        return replications + "; rerun without --quick for the study's full precision"
    measured = ", ".join(f"{m:g}x" for m in quick_load_multiples(study))
    together = sum(1 for candidate in study.candidates if _side_by_side(options, candidate))
    side_by_side = f", the {together} reference platforms side by side" if together > 1 else ""
    speedup = max((_emulation_speedup(options, study, c) for c in study.candidates), default=1.0)
    faster = (
        f"; reference platforms played {speedup:.3g}x faster than the study's clock "
        f"({study.load.stage_duration / speedup:.3g} s of wall clock per stage window), so the emulation's "
        f"own overhead per workflow (HTTP, scheduling: about 1-2 ms of wall clock) counts {speedup:.3g}x "
        "in their cycle times"
        if speedup != 1.0
        else ""
    )
    return (
        f"{replications}, load stages of {study.load.stage_duration:g} s at {measured} only{side_by_side}{faster}; "
        "rerun without --quick for the study's full precision"
    )


def _prepare(study_path: Path, options: RunOptions) -> tuple[RunDirectory, RunOptions]:
    """A new run with its effective study written once, or the run to resume with its settings."""
    if options.resume is None:
        settings = RunSettings(
            quick=options.quick, load=options.load, only=options.only, seed=options.seed, screen=options.screen
        )
        run = create_run(
            options.out,
            study_path,
            overrides=StudyOverrides(seed=options.seed, quick=options.quick),
            settings=settings,
            options=_machine_options(options),
        )
        return run, options
    run = open_run(options.out / options.resume if not Path(options.resume).is_dir() else Path(options.resume))
    manifest = run.manifest()
    if study_digest(study_path) != manifest.study_sha256:
        raise RunStoreError(
            f"{study_path} has changed since run {run.run_id} started (SHA-256 differs); "
            "start a new run instead of resuming this one"
        )
    # What shaped the numbers is the run's own (its effective study and settings); only how the
    # machine does the work may differ on resume.
    recorded = manifest.settings
    return run, replace(
        options,
        quick=recorded.quick,
        load=recorded.load,
        only=recorded.only,
        seed=recorded.seed,
        screen=recorded.screen,
    )


def _refuse_oversized(study: Study, options: RunOptions) -> None:
    """Refuse, before anything starts, a study over ``evalkit.estimate.LIMITS`` (unless --yes-big)."""
    from evalkit.estimate import estimate_run

    if options.only == "load" or options.yes_big:
        return
    size = estimate_run(study)
    why = size.too_big(options.workers)
    if why is not None:
        raise InputError(
            f"{study.name}: {why} ({size.describe(options.workers)}); lower traffic.replications or "
            "traffic.multiples, or pass --yes-big to run it anyway"
        )


def _machine_options(options: RunOptions) -> dict[str, JsonScalar | list[float]]:
    """How this machine runs the work, for the record (it does not change the numbers)."""
    return {
        "workers": options.workers,
        "load_processes": options.load_processes,
        "load_workers": options.load_workers,
        "dask_scheduler": options.dask_scheduler,
        "side_by_side_load": options.side_by_side_load,
    }


def describe_options(options: RunOptions) -> str:
    """A readable line: ``quick, seed 7, simulation and load test, 2 simulation workers``."""
    parts = ["quick" if options.quick else "full precision"]
    if options.screen:
        parts.append("screened (analytic first)")
    if options.seed is not None:
        parts.append(f"seed {options.seed}")
    if options.only == "sim" or not options.load:
        parts.append("simulation only")
    elif options.only == "load":
        parts.append("load test only")
    else:
        parts.append("simulation and load test")
    parts.append(f"{options.workers} simulation worker{'s' if options.workers != 1 else ''}")
    if options.load_workers:
        parts.append(f"{options.load_workers} Locust workers")
    elif options.load_processes > 1:
        parts.append(f"{options.load_processes} load processes")
    if options.dask_scheduler:
        parts.append(f"Dask at {options.dask_scheduler}")
    return ", ".join(parts)


def _simulate(study: Study, run: RunDirectory, ledger: CellLedger, options: RunOptions, reporter: Reporter) -> None:
    from evalkit.cellcache import CellCache, cell_fingerprint
    from evalkit.sim import plan_cells

    cells = plan_cells(study)
    if options.screen:
        cells = _screened(study, run, cells, reporter)
    done = ledger.done("sim")
    todo = [cell for cell in cells if cell.key not in done]
    reporter.stage("simulate", total=len(cells))
    if len(cells) - len(todo):
        reporter.advance(len(cells) - len(todo), detail="already done")
    with CellCache(run.path.parent / "cell-cache.sqlite") as cache:
        fingerprints = {cell.key: cell_fingerprint(study, cell) for cell in todo}
        reused = 0
        for cell in todo:
            rows = cache.get(fingerprints[cell.key])
            if rows is not None:
                ledger.commit(cell.key, "sim", rows)
                reused += 1
        if reused:
            reporter.advance(reused, detail=f"{reused} unchanged cells re-used from earlier runs")
        fresh = [cell for cell in todo if cell.key not in ledger.done("sim")] if reused else todo
        run.update_manifest(cells_reused=run.manifest().cells_reused + reused, cells_simulated=len(fresh))
        _simulate_fresh(study, fresh, ledger, cache, fingerprints, options, reporter)


def _simulate_fresh(
    study: Study,
    todo: list[SimCell],
    ledger: CellLedger,
    cache: CellCache,
    fingerprints: dict[str, str],
    options: RunOptions,
    reporter: Reporter,
) -> None:
    from evalkit.sim import run_sweep

    def committed(cell: SimCell, rows: list[Observation]) -> None:
        ledger.commit(cell.key, "sim", rows)
        cache.put(fingerprints[cell.key], rows)
        reporter.advance(1, detail=f"{cell.candidate} {cell.scenario} {cell.multiple:g}x #{cell.replication}")

    if todo and options.dask_scheduler:
        from evalkit.distributed import dask_executor

        with dask_executor(options.dask_scheduler) as executor:
            run_sweep(study, todo, executor=executor, on_cell=committed, collect=False)
    elif todo:
        run_sweep(study, todo, workers=options.workers, on_cell=committed, collect=False)


def _screened(study: Study, run: RunDirectory, cells: list[SimCell], reporter: Reporter) -> list[SimCell]:
    """``--screen``: the fault cells and only the baseline cells the screen keeps (``evalkit.analytic.screen``)."""
    from evalkit.analytic import analytic_unsupported
    from evalkit.analytic.screen import plan_screen
    from evalkit.manifest import ScreenCounts

    why = analytic_unsupported(study)
    if why is not None:
        reporter.note(f"--screen: every cell simulated: the analytic model does not cover this study ({why})")
        return cells
    plan = plan_screen(study, run.load()[1].knockouts)
    keep = {(name, round(multiple, 9)) for name, multiple in plan.keep}
    kept = [c for c in cells if c.scenario != "baseline" or (c.candidate, round(c.multiple, 9)) in keep]
    counts = ScreenCounts(
        baseline_cells=plan.baseline_cells,
        simulated_cells=plan.simulated_cells,
        screened_out_cells=plan.screened_out_cells,
        close_pairs=plan.close,
        decisive_multiples=list(plan.decisive),
    )
    note = (
        f"screened run: {counts.simulated_cells:,} of {counts.baseline_cells:,} baseline cells simulated (close to "
        f"a knock-out at {', '.join(f'{m:g}x' for m in plan.decisive) or 'no multiple'}); "
        f"{counts.screened_out_cells:,} screened out, their figures are analytic"
    )
    notes = run.manifest().notes
    run.update_manifest(screen=counts, notes=notes if note in notes else [*notes, note])
    reporter.note(note)
    return kept


def _solve_analytically(study: Study, ledger: CellLedger, reporter: Reporter) -> None:
    """The analytic model's rows beside the simulation's (milliseconds; a third source to compare)."""
    from evalkit.analytic import analytic_rows, analytic_unsupported

    why = analytic_unsupported(study)
    if why is not None:
        reporter.note(f"analytic model not used: {why}")
        return
    done = ledger.done("analytic")
    by_cell: dict[str, list[Observation]] = {}
    for row in analytic_rows(study):
        key = f"analytic|{row.candidate}|{row.scenario}|{row.multiple!r}|{row.replication}"
        by_cell.setdefault(key, []).append(row)
    for key, rows in by_cell.items():
        if key not in done:
            ledger.commit(key, "analytic", rows)


def _load_test(study: Study, run: RunDirectory, ledger: CellLedger, options: RunOptions, reporter: Reporter) -> None:
    from evalkit.load import plan_stages
    from evalkit.load.side_by_side import Post, run_side_by_side

    stages = plan_stages(study, multiples=quick_load_multiples(study) if options.quick else None)
    done = ledger.done("load")
    reporter.stage("load test", total=len(stages))
    if len(stages) - sum(1 for s in stages if s.key not in done):
        reporter.advance(sum(1 for s in stages if s.key in done), detail="already done")

    def committed(stage: LoadStage, rows: list[Observation]) -> None:
        ledger.commit(stage.key, "load", rows)
        reporter.advance(1, detail=f"{stage.candidate} {stage.multiple:g}x")

    todo = {c.name: [s for s in stages if s.candidate == c.name and s.key not in done] for c in study.candidates}
    together = [c for c in study.candidates if todo[c.name] and _side_by_side(options, c)]
    if len(together) > 1:

        def member(candidate: Candidate) -> Callable[[Post, Callable[[], None]], None]:
            def body(post: Post, arrive: Callable[[], None]) -> None:
                def stage_done(stage: LoadStage, rows: list[Observation]) -> None:
                    post(committed, stage, rows)
                    arrive()  # lockstep: no candidate starts its next stage before all finish this one

                # Every platform is up before any generator starts, so no start-up overlaps a window.
                _load_candidate(
                    study, run, candidate, todo[candidate.name], options, stage_done, reporter, post, arrive
                )

            return body

        run_side_by_side([member(candidate) for candidate in together])
    for candidate in study.candidates:
        if todo[candidate.name] and not (len(together) > 1 and candidate in together):
            _load_candidate(study, run, candidate, todo[candidate.name], options, committed, reporter)


def _side_by_side(options: RunOptions, candidate: Candidate) -> bool:
    """``--quick --side-by-side-load`` load-tests reference platforms at once (``evalkit.load.side_by_side``).

    Opt-in, because on a busy 2-core machine the emulations slow each other down: in four runs
    each, Event Fabric's 4x stage lost 7-10 workflows past the drain side by side against 4-6 one
    after another. Never a full run, a live target (its engine may need the machine) or a fleet of
    several processes or Locust workers (they would compete for the cores and the master's port).
    """
    return (
        options.quick
        and options.side_by_side_load
        and candidate.target is None
        and options.load_processes == 1
        and not options.load_workers
    )


def _load_candidate(
    study: Study,
    run: RunDirectory,
    candidate: Candidate,
    todo: list[LoadStage],
    options: RunOptions,
    on_stage: Callable[[LoadStage, list[Observation]], None],
    reporter: Reporter,
    post: Callable[..., None] | None = None,
    ready: Callable[[], None] | None = None,
) -> None:
    """One candidate's stages; side by side, ``post`` hands the reporter's calls to the run's thread
    and ``ready`` waits, once the platform is up, for the other candidates' platforms."""
    from evalkit.load import FleetConfig, LoadPlan, ReferencePlatform, run_load_test

    def progress(label: str, fraction: float) -> None:
        if post is None:
            reporter.substage(label, fraction)
        else:
            post(reporter.substage, label, fraction)

    def note(text: str) -> None:
        if post is None:
            reporter.note(text)
        else:
            post(reporter.note, text)

    speedup = _emulation_speedup(options, study, candidate)
    with _platform_for(run, candidate, ReferencePlatform, study.load.time_scale / speedup) as base_url:
        if ready is not None:
            ready()
        plan = LoadPlan(
            study=study,
            candidate=candidate.name,
            stages=todo,
            out_dir=run.locust_dir / _safe(candidate.name),
            base_url=base_url,
            stage_seconds=study.load.stage_duration,
            speedup=speedup,
        )
        fleet = FleetConfig(processes=options.load_processes, load_workers=options.load_workers)
        run_load_test(plan, fleet, on_stage=on_stage, progress=progress, on_note=note)


def quick_emulation_speedup(study: Study) -> float:
    """How much faster a quick run plays the study's reference platforms: up to
    ``QUICK_EMULATION_SPEEDUP``, as far as the typical cycle time keeps ``QUICK_MIN_WALL_CYCLE`` of
    wall clock (both explained in ``evalkit.study.effective``); 1 when it is already shorter."""
    from evalkit.analysis.validity import typical_cycle_time

    wall = typical_cycle_time(study) * study.load.time_scale
    return max(1.0, min(QUICK_EMULATION_SPEEDUP, wall / QUICK_MIN_WALL_CYCLE))


def _emulation_speedup(options: RunOptions, study: Study, candidate: Candidate) -> float:
    """A quick run plays a reference platform faster (``quick_emulation_speedup``); a live target never."""
    return quick_emulation_speedup(study) if options.quick and candidate.target is None else 1.0


@contextmanager
def _platform_for(
    run: RunDirectory, candidate: Candidate, platform: type[ReferencePlatform], time_scale: float
) -> Iterator[str | None]:
    """The candidate's own target, or its reference platform started on a free loopback port."""
    if candidate.target is not None:
        yield None
        return
    with platform(run.study_path, candidate.name, time_scale=time_scale) as reference:
        yield reference.base_url


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)


def _write_results(run: RunDirectory, ledger: CellLedger) -> ResultTable:
    table = ledger.table()
    sources: tuple[Source, ...] = ("sim", "load", "analytic")
    for source in sources:
        part = ResultTable(table.frame[table.frame["source"] == source])
        if len(part):
            run.save_results(part, source=source)
    return table


def run_study(study_path: str | Path, options: RunOptions, reporter: Reporter | None = None) -> RunOutcome:
    """Run a study end to end (or resume one); return where everything went."""
    reporter = reporter or SilentReporter()
    started = time.monotonic()
    study_path = Path(study_path)
    reporter.stage("validate")
    study, _ = load_study_with_scorecard(study_path)
    if options.resume is None:
        _refuse_oversized(study, options)
    run, options = _prepare(study_path, options)
    with run.writing():
        return _run_locked(run, study_path, options, reporter, started)


def _run_locked(
    run: RunDirectory, study_path: Path, options: RunOptions, reporter: Reporter, started: float
) -> RunOutcome:
    study, _ = run.load()  # the effective study: every stage and child process reads this file
    if options.quick:
        run.update_manifest(notes=[_quick_note(study, options)])
    outcome = RunOutcome(run=run)
    index = RunIndex(run.path.parent)
    index.record(run, status="running")
    logged = LoggingReporter(reporter, run.logs_dir / "run.log")
    logged.note(f"{'resumed' if options.resume else 'started'} run {run.run_id}: {describe_options(options)}")
    try:
        with warnings.catch_warnings(), CellLedger(run.path / "cells.sqlite") as ledger:
            warnings.simplefilter("default")
            warnings.showwarning = logged.warning
            _run_stages(study, run, ledger, options, logged, outcome)
    except KeyboardInterrupt:
        index.record(run, status="interrupted")
        logged.close("interrupted (Ctrl-C); finished cells are kept")
        raise RunInterruptedError(
            f"interrupted; finished cells are kept in {run.path}. Resume with: "
            f"evalkit run {study_path} --out {run.path.parent} --resume {run.run_id}"
        ) from None
    except BaseException as error:
        index.record(run, status="failed")
        logged.close(f"failed: {type(error).__name__}: {error}")
        raise
    outcome.seconds = time.monotonic() - started
    index.record(run, status="complete", winner=getattr(outcome.scored, "winner", None))
    index.close()
    logged.close(f"complete in {outcome.seconds:.1f} s; skipped: {outcome.skipped or 'nothing'}")
    return outcome


def _run_stages(
    study: Study, run: RunDirectory, ledger: CellLedger, options: RunOptions, reporter: Reporter, outcome: RunOutcome
) -> None:
    if options.only in (None, "sim"):
        _simulate(study, run, ledger, options, reporter)
        _solve_analytically(study, ledger, reporter)
    else:
        outcome.skipped.append("simulation (--only load)")
    if options.only in (None, "load") and options.load:
        _load_test(study, run, ledger, options, reporter)
    else:
        outcome.skipped.append("load test (" + ("--no-load" if not options.load else "--only sim") + ")")
    table = _write_results(run, ledger)
    reporter.note(f"{len(table)} result rows in {run.results_path}")
    if not len(table):
        outcome.skipped.append("analysis, scoring and report (no results)")
        return
    _score_and_render(run, reporter, outcome)


def _score_and_render(run: RunDirectory, reporter: Reporter, outcome: RunOutcome) -> None:
    from evalkit.report import write_reports
    from evalkit.scoring import score_run

    reporter.stage("analyse and score")
    outcome.scored = score_run(run)
    reporter.stage("render")
    outcome.scorecard_html = write_reports(run)
