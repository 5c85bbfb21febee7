"""Run a load test: the stages of one candidate against its target, in generator processes.

``run_load_test`` is what the pipeline and ``evalkit loadtest`` call. It resolves the target (the
candidate's own, or its reference platform's URL), refuses an unreachable host within seconds,
writes the generator spec, starts ``processes`` generator processes (or a Locust master with
``load_workers`` local and ``expect_workers`` in all: ``evalkit.load.cluster``) and steps them
through the stages together. After each stage it merges the processes' records exactly, turns them into
result rows (``source="load"``, ``scenario="baseline"``, ``replication=0``), hands them to
``on_stage`` (the pipeline commits them to its ledger there), checks the SLO thresholds and, for
a reference platform, cancels what is still in flight so a saturated stage cannot spill into the
next one. A live target cannot be reset: the generators wait (up to the drain timeout again) for
what a stage gave up on to end there, and each stage records how many of the previous stage's
workflows were still running at its start (``carried_in``). Nothing here imports Locust or gevent.
"""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from evalkit.errors import InputError, LoadTestError
from evalkit.load.cluster import DEFAULT_PORT, LocustCluster
from evalkit.load.fleet import GeneratorFleet
from evalkit.load.measurement import generator_advice, stage_metrics
from evalkit.load.plan import FleetConfig, LoadPlan
from evalkit.load.provenance import TargetRecord, engine_version, write_target
from evalkit.load.recording import StageRecord, merge_records
from evalkit.load.resources import probe_for
from evalkit.load.spec import GeneratorSpec, StagePlan
from evalkit.load.stages import SCENARIO, LoadStage, StageTiming, stage_seed, stage_timing
from evalkit.load.targets import (
    ResolvedTarget,
    carries_workflow_type,
    check_reachable,
    check_target,
    connect_round_trip,
    resolve_target,
)
from evalkit.load.thresholds import all_passed, check_thresholds
from evalkit.results import Observation, ResultTable, observations
from evalkit.study import Slo, Study

__all__ = ["LATE_AFTER", "SAMPLE_INTERVAL", "run_load_test"]

#: A start sent more than this long after its intended time counts as late (wall-clock seconds).
LATE_AFTER = 0.010
#: How often the number of workflows in the system is sampled (wall-clock seconds).
SAMPLE_INTERVAL = 0.1
#: Slack on top of a stage's longest possible duration before a silent generator is an error.
_STAGE_SLACK = 30.0


def _plans(study: Study, stages: Sequence[LoadStage], resolved: ResolvedTarget) -> list[StagePlan]:
    scale = resolved.time_scale
    plans = []
    for index, stage in enumerate(stages):
        seed = stage_seed(study.seed, stage.multiple, 0)
        plans.append(
            StagePlan(
                index=index,
                label=stage.label,
                multiple=stage.multiple,
                rate=study.traffic.peak_rate * stage.multiple / scale,
                seed_entropy=int(seed.entropy),  # type: ignore[arg-type]
                seed_key=tuple(seed.spawn_key[:-1]),
            )
        )
    return plans


def _generator_count(processes: int, load_workers: int, expect_workers: int | None) -> int:
    """How many generators share each stage's rate: processes, or Locust workers in all."""
    if processes < 1:
        raise InputError(f"--load-processes must be at least 1, got {processes}")
    if load_workers < 0:
        raise InputError(f"--load-workers must be 0 or more, got {load_workers}")
    if not load_workers and not expect_workers:
        return processes
    if processes > 1:
        raise InputError("--load-processes and --load-workers cannot be combined; use --load-workers")
    total = load_workers if expect_workers is None else expect_workers
    if total < max(load_workers, 1):
        raise InputError(f"--expect-workers counts the local workers too: at least {max(load_workers, 1)}, got {total}")
    return total


def _announce(progress: Callable[[str, float], None] | None, remote: int) -> Callable[[str], None] | None:
    """Say where remote workers should connect, as a progress line (the master waits for them)."""
    if progress is None or remote <= 0:
        return None
    return lambda address: progress(f"waiting for {remote} load-worker(s) on {address}", 0.0)


def _check_request_caps(study: Study, plans: Sequence[StagePlan], timing: StageTiming) -> None:
    peak_share = study.traffic.profile.max_share
    for plan in plans:
        expected = plan.rate * peak_share * timing.arrivals_end
        if expected > study.load.max_requests:
            raise InputError(
                f"the {plan.label} stage would start about {expected:,.0f} workflows, more than "
                f"load.max_requests ({study.load.max_requests:,}); shorten the stage or raise the cap"
            )


def _spec(
    study: Study,
    resolved: ResolvedTarget,
    timing: StageTiming,
    plans: list[StagePlan],
    out_dir: Path,
    processes: int,
    record_samples: bool,
) -> GeneratorSpec:
    profile = study.traffic.profile
    return GeneratorSpec(
        target=resolved.target.model_dump(mode="json"),
        time_scale=resolved.time_scale,
        reference=resolved.reference,
        arrivals=study.traffic.arrivals,
        profile=None if profile.kind == "flat" else profile.model_dump(mode="json"),
        warmup=timing.warmup,
        window=timing.window,
        drain=timing.drain,
        late_after=LATE_AFTER,
        max_in_flight=max(1, math.ceil(study.load.max_in_flight / processes)),
        max_requests=max(1, math.ceil(study.load.max_requests / processes)),
        sample_interval=SAMPLE_INTERVAL,
        workers=processes,
        out_dir=str(out_dir),
        stages=tuple(plans),
        record_samples=record_samples,
        workflow_types=_typed_mix(study, resolved),
        spill_timeout=timing.drain,  # the study's own bound on waiting for work to finish
    )


def _type_slos(study: Study) -> dict[str, Slo] | None:
    """A mix's per-type SLOs, for the stage checks (``None`` for one process)."""
    if not study.workload.mixed:
        return None
    return {process.name: study.workflow_slo(process.name) for process in study.workload.processes}


def _typed_mix(study: Study, resolved: ResolvedTarget) -> tuple[tuple[str, float], ...]:
    """A mix's (type, share) pairs when the start call can carry the type: the reference platform
    always, a live target whose start path or body has ``{{type}}``; else none (judged on the whole)."""
    if not study.workload.mixed or not (resolved.reference or carries_workflow_type(resolved.target)):
        return ()
    return tuple((process.name, float(process.share or 0.0)) for process in study.workload.processes)


def _platform_time_scale(base_url: str) -> float | None:
    """The time scale a reference platform says it runs at (``None`` if it does not say)."""
    try:
        with urllib.request.urlopen(f"{base_url}/health", timeout=5) as response:
            scale = json.loads(response.read()).get("time_scale")
    except (urllib.error.URLError, OSError, ValueError, AttributeError):
        return None
    return float(scale) if isinstance(scale, int | float) and scale > 0 else None


def _reset_reference(base_url: str) -> None:
    """Cancel what a reference platform still has in flight, so stages do not overlap."""
    request = urllib.request.Request(f"{base_url}/reset", method="POST", data=b"")
    try:
        with urllib.request.urlopen(request, timeout=30):
            return
    except (urllib.error.URLError, OSError) as error:
        raise LoadTestError(f"the reference platform at {base_url} stopped answering: {error}") from None


def run_load_test(
    plan: LoadPlan,
    fleet: FleetConfig | None = None,
    *,
    on_stage: Callable[[LoadStage, list[Observation]], None] | None = None,
    progress: Callable[[str, float], None] | None = None,
    on_note: Callable[[str], None] | None = None,
) -> ResultTable:
    """Load-test one candidate through the plan's stages on the fleet; return every stage's rows.

    ``on_stage`` receives each finished stage's rows (the pipeline commits them to its ledger);
    ``progress`` receives ``(label, fraction)`` while a stage runs; ``on_note`` receives lines the
    user should read (a generator-limited stage and how to fix it), else they go to ``progress``.
    """
    fleet = fleet or FleetConfig()
    study, candidate, stages = plan.study, plan.candidate, plan.stages
    generators = _generator_count(fleet.processes, fleet.load_workers, fleet.expect_workers)
    if candidate not in [c.name for c in study.candidates]:
        raise InputError(
            f"unknown candidate {candidate!r}; the study has: {', '.join(c.name for c in study.candidates)}"
        )
    strays = [s for s in stages if s.candidate != candidate]
    if strays:
        raise InputError(f"stage {strays[0].key!r} is not for candidate {candidate!r}")
    if not stages:
        return ResultTable.empty()
    time_scale = plan.time_scale
    if plan.base_url is not None and time_scale is None and study.candidate(candidate).target is None:
        time_scale = _platform_time_scale(plan.base_url)
    resolved = resolve_target(study, candidate, plan.base_url, time_scale=time_scale, synchronous=plan.synchronous)
    if plan.speedup != 1.0 and not resolved.reference:
        raise ValueError(f"{candidate}: only a reference platform can be played faster (speedup {plan.speedup:g})")
    check_target(resolved.target)  # variables, hosts: refused before anything is sent (evalkit.load.targets)
    check_reachable(resolved.target.base_url)
    resolution = connect_round_trip(resolved.target.base_url) / resolved.time_scale  # in study seconds
    timing = stage_timing(study, plan.stage_seconds).faster(plan.speedup)
    plans = _plans(study, stages, resolved)
    _check_request_caps(study, plans, timing)
    out_dir = plan.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    spec_path = out_dir / "generator.json"
    _spec(study, resolved, timing, plans, out_dir, generators, plan.record_samples).write(spec_path)
    design = study.candidate(candidate).design
    rows: list[Observation] = []
    engine = probe_for(resolved.target.kit)
    write_target(out_dir, _target_record(candidate, resolved, plan.speedup))  # URL, engine version, poll, clock
    carried = 0  # workflows of the previous stage still running on the target as this one starts
    with _start_fleet(fleet, spec_path, out_dir, generators, progress) as running:
        for stage_plan, stage in zip(plans, stages, strict=True):
            if resolved.reference and stage_plan.index > 0:
                _reset_reference(resolved.target.base_url)  # cancels them: nothing is carried
            engine.start()  # a local kit's CPU and memory over the stage (evalkit.load.resources)
            record = _run_stage(running, stage_plan, stage, timing, progress)
            metrics = stage_metrics(record, time_scale=resolved.time_scale)
            metrics["client_resolution"] = resolution
            metrics.update(_spill_metrics(resolved, record, carried, last=stage_plan.index == len(plans) - 1))
            carried = record.counts["spilled"]
            metrics.update(engine.stop(record.counts["completed"] + record.counts["failed"]))
            stage_rows = observations(
                source="load",
                candidate=candidate,
                design=design,
                scenario=SCENARIO,
                multiple=stage.multiple,
                replication=0,
                metrics=metrics,
            )
            checks = check_thresholds(metrics, study.slo, _type_slos(study))
            _log_stage(out_dir, stage, record, metrics, [c.describe() for c in checks])
            advice = generator_advice(f"{candidate} {stage.label}", metrics)
            if advice is not None and on_note is not None:
                on_note(advice)  # the stage measured the generator: say how to give it room
            elif advice is not None and progress is not None:
                progress(advice, 1.0)
            rows.extend(stage_rows)
            if on_stage is not None:
                on_stage(stage, stage_rows)
            if study.load.abort_on_breach and not all_passed(checks):
                if progress is not None:
                    progress(f"{candidate} {stage.label}: SLO breached; later stages skipped", 1.0)
                break
    return ResultTable.from_observations(rows)


def _target_record(candidate: str, resolved: ResolvedTarget, speedup: float) -> TargetRecord:
    """What the provenance says of this target (evalkit.load.provenance)."""
    version, source = (None, None) if resolved.reference else engine_version(resolved.target.kit)
    completion = resolved.target.completion
    return TargetRecord(
        candidate=candidate,
        base_url=resolved.target.base_url,
        kind="emulated" if resolved.reference else "measured",
        kit=resolved.target.kit,
        engine_version=version,
        version_source=source,
        poll_interval=completion.poll_interval / resolved.time_scale if completion.mode == "poll" else None,
        time_scale=resolved.time_scale if resolved.reference else None,
        speedup=speedup if resolved.reference else None,
    )


def _spill_metrics(resolved: ResolvedTarget, record: StageRecord, carried: int, *, last: bool) -> dict[str, float]:
    """What ran across stage boundaries, and the poll interval that bounds when an end is seen.

    ``carried_in``: the previous stage's workflows still running on the target when this stage
    began; ``spilled``: this stage's own, after the wait between stages (not waited for after
    the last stage). ``poll_interval`` (study seconds; the generator sleeps it in real seconds, so
    a platform played faster sees it stretched): a polled completion is seen up to one interval
    late, so every measured cycle time may be late by up to that much.
    """
    metrics: dict[str, float] = {"carried_in": float(carried)}
    if not resolved.reference and not last:
        metrics["spilled"] = float(record.counts["spilled"])
    if resolved.target.completion.mode == "poll":
        metrics["poll_interval"] = resolved.target.completion.poll_interval / resolved.time_scale
    return metrics


def _start_fleet(
    fleet: FleetConfig,
    spec_path: Path,
    out_dir: Path,
    generators: int,
    progress: Callable[[str, float], None] | None,
) -> GeneratorFleet:
    """Independent generator processes, or a Locust master with its workers (not yet started)."""
    if not (fleet.load_workers or fleet.expect_workers):
        return GeneratorFleet(spec_path, fleet.processes, out_dir / "logs")
    remote = generators - fleet.load_workers
    port = fleet.master_port if fleet.master_port is not None else (DEFAULT_PORT if remote > 0 else 0)
    return LocustCluster(
        spec_path,
        out_dir / "logs",
        local_workers=fleet.load_workers,
        bind=fleet.master_bind,
        port=port,
        join_timeout=fleet.join_timeout,
        on_listening=_announce(progress, remote),
    )


def _run_stage(
    fleet: GeneratorFleet,
    plan: StagePlan,
    stage: LoadStage,
    timing: StageTiming,
    progress: Callable[[str, float], None] | None,
) -> StageRecord:
    label = f"{stage.candidate} {stage.label}"
    report = (lambda fraction: progress(label, fraction)) if progress is not None else None
    fleet.go()
    deadline = time.monotonic() + timing.longest + _STAGE_SLACK
    parts = fleet.collect(plan.index, deadline, report)
    return merge_records([StageRecord.from_json(part["record"]) for part in parts])


def _log_stage(
    out_dir: Path, stage: LoadStage, record: StageRecord, metrics: dict[str, float], checks: list[str]
) -> None:
    """Append the stage's counts, metrics and checks to ``stages.jsonl`` (for people and tools)."""
    entry = {
        "key": stage.key,
        "generators": record.generators,
        "candidate": stage.candidate,
        "multiple": stage.multiple,
        "counts": record.counts,
        "metrics": {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in metrics.items()},
        "thresholds": checks,
        "cycle_histogram": record.cycle.encode().decode("ascii"),
        "start_latency_histogram": record.start_latency.encode().decode("ascii"),
        **({"cycle_samples": record.samples} if record.samples is not None else {}),
    }
    with (out_dir / "stages.jsonl").open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(entry) + "\n")
