"""Scoring a run directory: read its results, study and manifest; write ``scorecard.json``.

This is the one place scoring touches the disk. ``score_run`` re-reads everything from the run's
own copies (``study.yaml``, ``scorecard.yaml``, ``results.csv``, ``manifest.json``), so a run can be
re-scored long after the original files changed; ``scorecard`` may name another scorecard file to
judge the same results by a different yardstick (the provenance then says so).
"""

from __future__ import annotations

from pathlib import Path

from evalkit.analysis import Analysis, analyse
from evalkit.errors import RunStoreError
from evalkit.load.provenance import read_targets
from evalkit.manifest import RunManifest
from evalkit.results import ResultTable
from evalkit.scorecard_data import Provenance, ScoredStudy, TargetProvenance, write_scored_study
from evalkit.scoring.assumptions import assumptions, surprises
from evalkit.store import RunDirectory
from evalkit.study import Scorecard, Study, load_study_with_scorecard
from evalkit.units import rate_unit

__all__ = ["provenance_of", "score_run"]


def _sources(table: ResultTable, source: str) -> list[str]:
    frame = table.frame
    return sorted(set(frame.loc[frame["source"] == source, "candidate"]))


def provenance_of(
    run: RunDirectory,
    manifest: RunManifest,
    study: Study,
    scorecard: Scorecard,
    table: ResultTable,
    scorecard_file: Path,
) -> Provenance:
    """Where the numbers came from, from the run's manifest and results."""
    versions = dict(manifest.versions)
    frame = table.frame
    sim = frame[frame["source"] == "sim"]
    notes = list(manifest.notes)
    if scorecard_file != run.scorecard_path:
        notes.append(f"scored with {scorecard_file} instead of the run's own scorecard.yaml")
    return Provenance(
        run_id=manifest.run_id,
        created=manifest.created,
        study_name=study.name,
        study_title=study.title,
        study_file=manifest.study_file,
        study_sha256=manifest.study_sha256,
        scorecard_name=scorecard.name,
        scorecard_file=str(scorecard_file if scorecard_file != run.scorecard_path else manifest.scorecard_file),
        seed=study.seed,
        evalkit_version=str(versions.pop("evalkit", _evalkit_version())),
        library_versions={str(k): str(v) for k, v in versions.items()},
        quick=manifest.settings.quick,
        simulated=_sources(table, "sim"),
        measured=[name for name in _sources(table, "load") if _has_target(study, name)],
        emulated=[name for name in _sources(table, "load") if not _has_target(study, name)],
        replications=int(sim["replication"].nunique()) if len(sim) else None,
        multiples=sorted({float(m) for m in frame["multiple"]}),
        notes=notes,
        targets=[TargetProvenance.model_validate(t) for t in read_targets(run.locust_dir)],
    )


def _has_target(study: Study, name: str) -> bool:
    return any(c.name == name and c.target is not None for c in study.candidates)


def unconfirmed(analysis: Analysis) -> list[str]:
    """Warnings for measured verdicts on one window per multiple that the simulation overruled."""
    from evalkit.analysis.core import UNCONFIRMED_VERDICTS

    found = []
    for name in analysis.candidates:
        for metric in UNCONFIRMED_VERDICTS:
            value = analysis.metric(name, metric)
            if value.note.startswith("unconfirmed"):
                found.append(f"{name}: {metric}: {value.note}; replicate the load stages to confirm it")
    return found


def _rate_unit(study_path: Path) -> str:
    """The unit the study wrote its peak in (``/h`` for ``2000/h``), read from the run's study file."""
    import yaml

    try:
        data = yaml.safe_load(study_path.read_text(encoding="utf-8"))
        return rate_unit(data["traffic"]["peak_rate"])
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return "/s"


def _evalkit_version() -> str:
    from evalkit import __version__

    return __version__


def score_run(run: RunDirectory, *, scorecard: str | Path | None = None) -> ScoredStudy:
    """Analyse and score a run's results and write ``scorecard.json`` into it."""
    manifest = run.manifest()
    scorecard_file = Path(scorecard) if scorecard is not None else run.scorecard_path
    # The run's effective study already carries any --seed override, so SMAA follows it.
    study, card = load_study_with_scorecard(run.study_path, scorecard_path=scorecard_file)
    table = run.results()
    if not len(table):
        raise RunStoreError(f"{run.path}: no results to score yet (results.csv is missing or empty)")
    from evalkit.scoring.core import score

    analysis = analyse(study, table)
    scored = score(
        study,
        card,
        analysis,
        provenance=provenance_of(run, manifest, study, card, table, scorecard_file),
        scorecard_file=str(scorecard_file),
    )
    scored = scored.model_copy(
        update={
            "assumptions": assumptions(study, card, _rate_unit(run.study_path)),
            "warnings": [*scored.warnings, *unconfirmed(analysis), *surprises(card, scored.candidates)],
        }
    )
    write_scored_study(scored, run.scored_path)
    return scored
