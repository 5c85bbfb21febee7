"""Cross-reference checks of the process graph: decisions, rework loops, waits, the mix of types.

The schema checks each field alone; these checks need the whole graph. A decision's branches
must lead to steps that come after it (and every step after it must be a branch), its ``join``
must be reachable from every branch; a rework loop must go back to an earlier step along a chain
(no fork out of or into it, no decision inside it); a wait must name one of its process's
events; the types of a mix need a share above 0, shares that sum to 1, and SLOs that name known
types. Each check yields ``(field path, message)`` in the loader's tuple form.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence

from evalkit.study.study import Study
from evalkit.study.workload import END, SUM_TOLERANCE, Process, Step

__all__ = ["Location", "step_locations", "process_path", "check_process_graph", "descendants", "loop_body"]

Problem = tuple[tuple[str | int, ...], str]
#: A step and where it sits: its field path prefix and its workflow type.
Location = tuple[tuple[str | int, ...], Process, Step]


def _unknown(kind: str, name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    allowed = ", ".join(known) if len(known) <= 12 else ", ".join(known[:12]) + ", …"
    return f"unknown {kind} {name!r}{hint}; known: {allowed or 'none'}"


def process_path(study: Study, type_index: int) -> tuple[str | int, ...]:
    """The field path of a workflow type: ``workload.process`` or ``workload.process[i]``."""
    return ("workload", "process", type_index) if study.workload.mixed else ("workload", "process")


def step_locations(study: Study) -> Iterator[Location]:
    """Every step with its field path (``workload.process[.i].steps[j]``) and its workflow type."""
    for type_index, process in enumerate(study.workload.processes):
        base = process_path(study, type_index)
        for index, step in enumerate(process.steps):
            yield (*base, "steps", index), process, step


def successors_of(process: Process) -> dict[str, list[str]]:
    """Each step's id -> the ids of the steps that list it in ``after``."""
    following: dict[str, list[str]] = {step.id: [] for step in process.steps}
    for step in process.steps:
        for before in step.after:
            if before in following:
                following[before].append(step.id)
    return following


def descendants(process: Process, start: str) -> set[str]:
    """Steps reachable from ``start`` along ``after`` edges (``start`` excluded)."""
    following = successors_of(process)
    seen: set[str] = set()
    frontier = list(following.get(start, ()))
    while frontier:
        step_id = frontier.pop()
        if step_id not in seen:
            seen.add(step_id)
            frontier.extend(following.get(step_id, ()))
    return seen


def loop_body(process: Process, step: Step) -> list[str] | None:
    """The chain of step ids from ``step.rework.to`` to ``step`` (None if ``to`` is not earlier)."""
    assert step.rework is not None
    target = step.rework.to
    reach = descendants(process, target)
    steps = {s.id: s for s in process.steps}
    chain = [step.id]
    while chain[-1] != target and len(chain) <= len(steps):
        options = [d for d in steps[chain[-1]].after if d == target or d in reach]
        if not options:
            return None
        chain.append(options[0])
    return chain[::-1] if chain[-1] == target else None


def check_process_graph(study: Study) -> Iterator[Problem]:
    """Every problem with decisions, loops, waits and the mix, in file order."""
    yield from _check_mix(study)
    for path, process, step in step_locations(study):
        yield from _check_cross_type(path, process, step)
        if step.decision is not None:
            yield from _check_decision(path, process, step)
        if step.rework is not None:
            yield from _check_rework(path, process, step)
        if step.wait is not None and step.wait not in [e.name for e in process.events]:
            yield (*path, "wait"), _unknown("event", step.wait, [e.name for e in process.events])


def _check_cross_type(path: tuple[str | int, ...], process: Process, step: Step) -> Iterator[Problem]:
    own = {s.id for s in process.steps}
    for position, before in enumerate(step.after):
        if before not in own and before != step.id:
            yield (
                (*path, "after", position),
                (f"step {step.id!r} comes after {before!r}, which is not a step of workflow type {process.name!r}"),
            )


def _check_decision(path: tuple[str | int, ...], process: Process, step: Step) -> Iterator[Problem]:
    assert step.decision is not None
    following = successors_of(process).get(step.id, [])
    ids = [s.id for s in process.steps]
    targets: list[str] = []
    for position, branch in enumerate(step.decision.branches):
        at = (*path, "decision", "branches", position, "to")
        if branch.to == END:
            continue
        if branch.to in targets:
            yield at, f"decision of step {step.id!r} has two branches to {branch.to!r}; merge them"
        elif branch.to not in ids:
            yield at, _unknown("step", branch.to, [*ids, END])
        elif branch.to not in following:
            yield at, f"branch to {branch.to!r} must come after {step.id!r}: add {step.id!r} to its after"
        targets.append(branch.to)
    for other in following:
        if other not in targets:
            yield (
                (*path, "decision", "branches"),
                (
                    f"step {other!r} comes after decision step {step.id!r} but is none of its branches; "
                    f"add a branch to it (or make it come after a branch step)"
                ),
            )
    yield from _check_join(path, process, step)


def _check_join(path: tuple[str | int, ...], process: Process, step: Step) -> Iterator[Problem]:
    assert step.decision is not None
    join = step.decision.join
    if join is None or join == END:
        return
    ids = [s.id for s in process.steps]
    if join not in ids:
        yield (*path, "decision", "join"), _unknown("step", join, [*ids, END])
        return
    for branch in step.decision.branches:
        if branch.to == END or (branch.to != join and join not in descendants(process, branch.to)):
            yield (
                (*path, "decision", "join"),
                (f"the branch to {branch.to!r} never reaches the join {join!r}; join it there or set join: end"),
            )
            return


def _check_rework(path: tuple[str | int, ...], process: Process, step: Step) -> Iterator[Problem]:
    assert step.rework is not None
    at = (*path, "rework", "to")
    target = step.rework.to
    ids = [s.id for s in process.steps]
    if target not in ids:
        yield at, _unknown("step", target, ids)
        return
    if target != step.id and step.id not in descendants(process, target):
        yield (
            at,
            (
                f"rework from {step.id!r} goes to {target!r}, which is not an earlier step of it; "
                f"a loop goes back to a step {step.id!r} comes after"
            ),
        )
        return
    body = loop_body(process, step) or []
    steps = {s.id: s for s in process.steps}
    following = successors_of(process)
    for position, step_id in enumerate(body):
        inside = steps[step_id]
        if step_id != body[0] and len(inside.after) != 1:
            yield at, f"the loop from {step.id!r} back to {target!r} joins at {step_id!r}; a loop body must be a chain"
            return
        if step_id != step.id and following[step_id] != [body[position + 1]]:
            yield at, f"the loop from {step.id!r} back to {target!r} forks at {step_id!r}; a loop body must be a chain"
            return
        if step_id != step.id and (inside.decision is not None or inside.rework is not None):
            yield at, f"the loop from {step.id!r} back to {target!r} contains {step_id!r}, a decision or another loop"
            return


def _check_mix(study: Study) -> Iterator[Problem]:
    workload = study.workload
    names = [p.name for p in workload.processes]
    if workload.mixed:
        total = 0.0
        for type_index, process in enumerate(workload.processes):
            at = (*process_path(study, type_index), "share")
            if process.share is None:
                yield at, f"workflow type {process.name!r} needs a share of the traffic (the shares sum to 1)"
            elif process.share <= 0:
                yield at, f"workflow type {process.name!r} has a share of 0; give it traffic or remove it"
            total += process.share or 0.0
        if all(p.share for p in workload.processes) and abs(total - 1) > SUM_TOLERANCE:
            gap = f"{1 - total:.4g} short" if total < 1 else f"{total - 1:.4g} over"
            yield ("workload", "process"), f"workflow type shares sum to {total:.6g}, not 1 ({gap})"
        seen: set[str] = set()
        for type_index, name in enumerate(names):
            if name in seen:
                yield (*process_path(study, type_index), "name"), f"workflow type {name!r} appears more than once"
            seen.add(name)
    elif workload.processes[0].slo is not None:
        yield ("workload", "process", "slo"), "a single process uses the study's slo; per-type slo is for a mix"
    for name in study.slo.types:
        if not workload.mixed or name not in names:
            known = names if workload.mixed else []
            yield (
                ("slo", "types", name),
                _unknown("workflow type", name, known)
                + ("" if workload.mixed else " (per-type SLOs need process as a list of types)"),
            )
