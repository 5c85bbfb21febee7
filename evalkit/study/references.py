"""Cross-reference checks a schema cannot express: names that must exist, a DAG with no cycles.

Each check yields ``(field path, message)`` pairs with paths in the loader's tuple form, so the
loader can attach the file and line. Run after the schema has validated, on a ``Study`` and its
``Scorecard``.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterator, Sequence

from evalkit.metrics import split_workflow_type
from evalkit.study.process_checks import check_process_graph, step_locations
from evalkit.study.scorecard import Criterion, KnockOut, Scorecard
from evalkit.study.study import Study

__all__ = ["Problem", "check_study", "check_study_against_scorecard", "fault_components"]

Problem = tuple[tuple[str | int, ...], str]


def _unknown(kind: str, name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    allowed = ", ".join(known) if len(known) <= 12 else ", ".join(known[:12]) + ", …"
    return f"unknown {kind} {name!r}{hint}; known: {allowed or 'none'}"


def _duplicates(names: Sequence[str]) -> set[str]:
    return {name for name, count in Counter(names).items() if count > 1}


def fault_components(study: Study) -> tuple[str, ...]:
    """Every component name a fault may target in this study: the components of every design's spec."""
    # Imported here: evalkit.design builds on evalkit.study, which imports this module.
    from evalkit.design import fault_components as design_components

    return design_components(study)


def _check_names(study: Study) -> Iterator[Problem]:
    groups: list[tuple[tuple[str | int, ...], str, list[str]]] = [
        (("workload", "systems"), "name", [s.name for s in study.workload.systems]),
        (("workload", "staff"), "name", [p.name for p in study.workload.staff]),
        (("candidates",), "name", [c.name for c in study.candidates]),
        (("faults",), "name", [f.name for f in study.faults]),
    ]
    for path, key, names in groups:
        for duplicate in sorted(_duplicates(names)):
            index = len(names) - 1 - names[::-1].index(duplicate)
            yield (*path, index, key), f"{duplicate!r} appears more than once; names must be unique"
    # Step ids are unique across every workflow type of a mix too.
    locations = list(step_locations(study))
    step_ids = [step.id for _, _, step in locations]
    for duplicate in sorted(_duplicates(step_ids)):
        path = locations[len(step_ids) - 1 - step_ids[::-1].index(duplicate)][0]
        yield (*path, "id"), f"{duplicate!r} appears more than once; names must be unique"


def _check_steps(study: Study) -> Iterator[Problem]:
    systems = [s.name for s in study.workload.systems]
    pools = [p.name for p in study.workload.staff]
    step_ids = [s.id for s in study.workload.steps]
    for at, _, step in step_locations(study):
        if step.system is not None and step.system not in systems:
            yield (*at, "system"), _unknown("system", step.system, systems)
        if step.staff is not None and step.staff not in pools:
            yield (*at, "staff"), _unknown("staff pool", step.staff, pools)
        pool = getattr(step.exception, "pool", None)
        if pool is not None and pool not in pools:
            yield (*at, "exception", "pool"), _unknown("staff pool", pool, pools)
        for position, dependency in enumerate(step.after):
            if dependency == step.id:
                yield (*at, "after", position), f"step {step.id!r} cannot come after itself"
            elif dependency not in step_ids:
                yield (*at, "after", position), _unknown("step", dependency, step_ids)
    cycles = list(_check_cycles(study))
    yield from cycles
    if not cycles:  # the graph checks walk the DAG
        yield from check_process_graph(study)


def _check_cycles(study: Study) -> Iterator[Problem]:
    steps = {s.id: s for s in study.workload.steps}
    after = {i: [d for d in s.after if d in steps and d != i] for i, s in steps.items()}
    # Kahn's algorithm: whatever cannot be ordered lies on or behind a cycle.
    remaining = dict(after)
    progress = True
    while progress:
        progress = False
        for step_id, dependencies in list(remaining.items()):
            if not any(d in remaining for d in dependencies):
                del remaining[step_id]
                progress = True
    if not remaining:
        return
    # Walk dependencies inside the remainder until a step repeats: that walk's tail is a cycle.
    walk = [next(iter(remaining))]
    while True:
        following = next(d for d in remaining[walk[-1]] if d in remaining)
        if following in walk:
            cycle = [*walk[walk.index(following) :], following]
            break
        walk.append(following)
    at = next(path for path, _, step in step_locations(study) if step.id == cycle[0])
    yield (*at, "after"), "steps form a cycle: " + " -> ".join(cycle)


def _check_candidates(study: Study) -> Iterator[Problem]:
    systems = [s.name for s in study.workload.systems]
    domains = list(study.domains)
    step_ids = [s.id for s in study.workload.steps]
    for index, candidate in enumerate(study.candidates):
        base: tuple[str | int, ...] = ("candidates", index)
        for position, connector in enumerate(candidate.integration.connectors):
            if connector not in systems:
                yield (*base, "integration", "connectors", position), _unknown("system", connector, systems)
        for system in candidate.integration.custom_hours:
            if system not in systems:
                yield (*base, "integration", "custom_hours", system), _unknown("system", system, systems)
        parameters = candidate.parameters
        for domain in getattr(parameters, "domains", {}):
            if domain not in domains:
                yield (*base, "parameters", "domains", domain), _unknown("domain", domain, domains)
        for step_id in getattr(parameters, "step_concurrency", {}):
            if step_id not in step_ids:
                yield (*base, "parameters", "step_concurrency", step_id), _unknown("step", step_id, step_ids)


def _check_faults(study: Study) -> Iterator[Problem]:
    components = fault_components(study)
    for index, fault in enumerate(study.faults):
        if fault.component not in components:
            yield ("faults", index, "component"), _unknown("component", fault.component, components)
        if fault.at >= study.traffic.horizon:
            yield ("faults", index, "at"), f"starts at {fault.at:g} s, after the horizon ({study.traffic.horizon:g} s)"


def check_study(study: Study) -> list[Problem]:
    """Every cross-reference problem in a study, in file order."""
    return [*_check_names(study), *_check_steps(study), *_check_candidates(study), *_check_faults(study)]


def check_study_against_scorecard(study: Study, scorecard: Scorecard) -> list[Problem]:
    """Assessments must name assessed criteria and stay on their scale; fault scenarios must exist."""
    problems: list[Problem] = []
    assessed = [c.id for c in scorecard.criteria if c.kind == "assessed"]
    for index, candidate in enumerate(study.candidates):
        for criterion_id, assessments in candidate.assessments.items():
            path: tuple[str | int, ...] = ("candidates", index, "assessments", criterion_id)
            if criterion_id not in assessed:
                problems.append((path, _unknown("assessed criterion", criterion_id, assessed)))
                continue
            scale = scorecard.criterion(criterion_id).scale
            for position, assessment in enumerate(assessments):
                if not scale.min <= assessment.score <= scale.max:
                    problems.append(
                        (
                            (*path, position, "score"),
                            f"score {assessment.score:g} is off the scale {scale.min:g}..{scale.max:g}",
                        )
                    )
    types = [p.name for p in study.workload.processes] if study.workload.mixed else []
    rules: list[Criterion | KnockOut] = [*scorecard.criteria, *scorecard.knockouts]
    for rule in rules:
        workflow_type = split_workflow_type(rule.metric or "")[1]  # the scorecard's ``metric@type``
        if workflow_type != "all" and workflow_type not in types:
            problems.append(
                (
                    ("scorecard",),
                    f"criterion/knock-out {rule.id!r} names {_unknown('workflow type', workflow_type, types)}",
                )
            )
    faults = [f.name for f in study.faults]
    for rule in rules:
        if rule.scenario is not None and rule.scenario not in faults:
            problems.append(
                (
                    ("scorecard",),
                    f"criterion/knock-out {rule.id!r} names {_unknown('fault scenario', rule.scenario, faults)}",
                )
            )
    return problems
