"""The sweep: every candidate × scenario × load multiple × replication, as independent cells.

A ``SimCell`` is one unit of work: small, picklable, with a stable text ``key`` the run store
commits it under. ``plan_cells`` lists a study's cells (the fault-free ``baseline`` at every
multiple, and each fault scenario at its own ``multiples``); ``run_cell`` simulates one and
returns its rows of the results table, the same rows in any process, because its random streams
derive only from the study seed and the cell (``evalkit.sim.streams``). ``run_sweep`` runs cells
in this process or across processes (its own pool, or any ``concurrent.futures`` executor, such
as a Dask client's), reports each finished cell to ``on_cell`` in the calling process, and
returns one table sorted by its keys: identical for 1 and N workers.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from evalkit.errors import InputError
from evalkit.results import Observation, ResultTable, observations
from evalkit.sim.model import Model
from evalkit.sim.streams import cell_streams
from evalkit.study import Study

__all__ = ["BASELINE", "SimCell", "plan_cells", "run_cell", "run_sweep", "sweep_pool"]

BASELINE = "baseline"

CellCallback = Callable[["SimCell", list[Observation]], None]
ProgressCallback = Callable[[int, int], None]


def _number(value: float) -> str:
    """Shortest exact text of a multiple: 1.5 -> '1.5', 2.0 -> '2'."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class SimCell:
    """One simulated cell: a candidate in a scenario at a multiple, one replication (from 1)."""

    candidate: str
    scenario: str
    multiple: float
    replication: int

    @property
    def key(self) -> str:
        """Stable text id, e.g. ``sim|Conductor Engine|baseline|1.5|3``."""
        return f"sim|{self.candidate}|{self.scenario}|{_number(self.multiple)}|{self.replication}"


def plan_cells(
    study: Study,
    *,
    multiples: Sequence[float] | None = None,
    replications: int | None = None,
    candidates: Sequence[str] | None = None,
    include_faults: bool = True,
) -> list[SimCell]:
    """Every cell of a sweep: baseline at ``multiples`` (default the study's), faults at their own."""
    names = _candidates(study, candidates)
    count = study.traffic.replications if replications is None else replications
    if count < 1:
        raise InputError(f"replications must be at least 1, got {count}")
    baseline = _multiples(study.traffic.multiples if multiples is None else multiples)
    scenarios: list[tuple[str, Sequence[float]]] = [(BASELINE, baseline)]
    if include_faults:
        scenarios += [(fault.name, fault.multiples) for fault in study.faults]
    return [
        SimCell(name, scenario, float(multiple), replication)
        for name in names
        for scenario, scenario_multiples in scenarios
        for multiple in scenario_multiples
        for replication in range(1, count + 1)
    ]


def _candidates(study: Study, candidates: Sequence[str] | None) -> list[str]:
    known = [c.name for c in study.candidates]
    if candidates is None:
        return known
    unknown = [name for name in candidates if name not in known]
    if unknown:
        raise InputError(f"unknown candidate {unknown[0]!r}; the study has: {', '.join(known)}")
    return list(candidates)


def _multiples(multiples: Iterable[float]) -> list[float]:
    values = sorted({float(m) for m in multiples})
    if not values or values[0] <= 0:
        raise InputError("load multiples must be positive numbers, e.g. 1,2,4")
    return values


def run_cell(study: Study, cell: SimCell) -> list[Observation]:
    """Simulate one cell: its rows of the results table (pure: same study and cell, same rows)."""
    candidate = _find_candidate(study, cell.candidate)
    fault = None
    if cell.scenario != BASELINE:
        fault = next((f for f in study.faults if f.name == cell.scenario), None)
        if fault is None:
            known = ", ".join([BASELINE, *(f.name for f in study.faults)])
            raise InputError(f"unknown scenario {cell.scenario!r}; the study has: {known}")
    streams = cell_streams(study.seed, cell.scenario, cell.multiple, cell.replication)
    metrics = Model(study, candidate.name, cell.multiple, streams, fault).run()
    return observations(
        source="sim",
        candidate=candidate.name,
        design=candidate.design,
        scenario=cell.scenario,
        multiple=cell.multiple,
        replication=cell.replication,
        metrics=metrics,
    )


def _find_candidate(study: Study, name: str):
    try:
        return study.candidate(name)
    except KeyError:
        known = ", ".join(c.name for c in study.candidates)
        raise InputError(f"unknown candidate {name!r}; the study has: {known}") from None


def run_sweep(
    study: Study,
    cells: Sequence[SimCell],
    *,
    workers: int = 1,
    executor: concurrent.futures.Executor | None = None,
    on_cell: CellCallback | None = None,
    progress: ProgressCallback | None = None,
    collect: bool = True,
) -> ResultTable:
    """Simulate ``cells`` and return their rows as one table, whatever the number of workers.

    ``collect=False`` keeps no rows (an empty table is returned): a caller that stores each cell
    as it finishes (``on_cell``) then holds memory for the cells in flight only.
    """
    # Largest cells first, so a worker does not start the slowest cell last.
    ordered = sorted(cells, key=lambda c: (-c.multiple, c.key))
    rows: list[Observation] = []

    def finished(cell: SimCell, cell_rows: list[Observation]) -> None:
        if collect:
            rows.extend(cell_rows)
        if on_cell is not None:
            on_cell(cell, cell_rows)
        if progress is not None:
            progress(done[0], len(ordered))

    done = [0]
    if progress is not None:
        progress(0, len(ordered))
    if executor is not None:
        _run_on(executor, study, ordered, finished, done, window=_DISTRIBUTED_WINDOW)
    elif workers > 1 and len(ordered) > 1:
        with sweep_pool(min(workers, len(ordered))) as pool:
            _run_on(pool, study, ordered, finished, done, window=_WINDOW_PER_WORKER * workers)
    else:
        for cell in ordered:
            cell_rows = run_cell(study, cell)
            done[0] += 1
            finished(cell, cell_rows)
    return ResultTable.from_observations(rows)


#: Cells submitted ahead per worker: enough to keep every worker busy, few enough that a sweep
#: of a million cells holds a handful of futures (and their rows) at a time, not a million.
_WINDOW_PER_WORKER = 4
_DISTRIBUTED_WINDOW = 256


def _run_on(
    executor: concurrent.futures.Executor,
    study: Study,
    cells: Sequence[SimCell],
    finished: CellCallback,
    done: list[int],
    *,
    window: int,
) -> None:
    """Submit cells lazily, at most ``window`` in flight, and hand each one over as it finishes."""
    queue = iter(cells)
    pending: dict[concurrent.futures.Future[list[Observation]], SimCell] = {}

    def submit_next() -> None:
        cell = next(queue, None)
        if cell is not None:
            pending[executor.submit(run_cell, study, cell)] = cell

    for _ in range(max(1, window)):
        submit_next()
    try:
        while pending:
            ready, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in ready:
                cell = pending.pop(future)
                done[0] += 1
                finished(cell, future.result())
                submit_next()
    except BaseException:
        for future in pending:
            future.cancel()
        raise


def sweep_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    """A process pool for sweeps, started now.

    Forking is fastest, but forking a process that runs other threads (a progress display's
    refresher) can copy a held lock into the child; then the pool uses a fork server instead.
    """
    method = "fork" if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods() else None
    context = multiprocessing.get_context(method or "forkserver")
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context)
    pool.submit(int).result()  # the first task makes the pool fork every worker, here and now
    return pool
