"""What-ifs: a run re-scored under edited assumptions, written beside it, never over it.

``evalkit score RUN --study EDITED.yaml --scorecard S --as NAME`` writes ``RUN/what-if/NAME/``:
the edited study and scorecard, ``scorecard.json`` (its provenance names the parent run and the
diff of assumptions), ``scorecard.html``/``.md`` and ``what-if.json``. The run's own scorecard
is untouched.

The simulated and measured rows are **re-used** when the edit does not touch what produced them:
an edit of the SLOs, KPIs, costing, the candidates' assessments, integration, cost inputs or
descriptions, the study's title or description, or the scorecard re-judges the same results. An
edit of the workload, traffic, faults, load settings, seed or a candidate's design, parameters or
target would need new results: it is refused in one line that says what changed and what to run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from evalkit.errors import InputError
from evalkit.files import write_atomically

__all__ = ["RESULT_NEUTRAL", "assumption_diff", "check_reusable", "score_what_if", "what_if_name"]

#: Study paths whose edit leaves the results valid (the rest produced them).
RESULT_NEUTRAL = (
    "title",
    "description",
    "scorecard",
    "slo",
    "baseline",
    "costing",
    "candidates[*].description",
    "candidates[*].assessments",
    "candidates[*].integration",
    "candidates[*].cost",
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,60}$")


def what_if_name(name: str) -> str:
    if not _NAME.match(name):
        raise InputError(f"--as {name!r}: a what-if name is lower-case letters, digits, '-' and '_' (at most 61)")
    return name


def _flatten(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list) and path == "candidates":
        for item in value:
            name = item.get("name", "?") if isinstance(item, dict) else "?"
            yield from _flatten(item, f"candidates[{name}]")
    else:
        yield path, value


def assumption_diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """``path: old -> new`` for every study value that differs, in the edited file's order."""
    old, new = dict(_flatten(before)), dict(_flatten(after))
    lines = []
    for path in [*new, *(p for p in old if p not in new)]:
        if old.get(path, "<absent>") != new.get(path, "<absent>"):
            lines.append(f"{path}: {_short(old.get(path, '<absent>'))} -> {_short(new.get(path, '<absent>'))}")
    return lines


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:59] + "…"


def _neutral(path: str) -> bool:
    generic = re.sub(r"^candidates\[[^\]]*\]", "candidates[*]", path)
    return any(generic == p or generic.startswith(p + ".") for p in RESULT_NEUTRAL)


def check_reusable(diff: list[str], study_file: Path) -> None:
    """Refuse, in one line, an edit that touches what produced the results."""
    touched = [line.partition(":")[0] for line in diff if not _neutral(line.partition(":")[0])]
    if touched:
        more = f" and {len(touched) - 3} more" if len(touched) > 3 else ""
        raise InputError(
            f"{study_file}: the what-if changes {', '.join(touched[:3])}{more}, which produced the run's "
            f"results; run the edited study instead (evalkit run {study_file})"
        )


def _read(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def score_what_if(run: Any, study_file: Path, scorecard_file: Path | None, name: str) -> Any:
    """Score the run's rows under the edited study (and scorecard) into ``RUN/what-if/NAME``."""
    from evalkit.analysis import analyse
    from evalkit.report.render import render_reports
    from evalkit.scorecard_data import write_scored_study
    from evalkit.scoring.assumptions import assumptions, surprises
    from evalkit.scoring.core import score
    from evalkit.scoring.run import _rate_unit, provenance_of, unconfirmed
    from evalkit.study import load_study_with_scorecard

    name = what_if_name(name)
    diff = assumption_diff(_read(run.study_path), _read(study_file))
    check_reusable(diff, study_file)
    card_file = scorecard_file or _resolved_scorecard(study_file, run)
    study, card = load_study_with_scorecard(study_file, scorecard_path=card_file)
    folder = run.path / "what-if" / name
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / "study.yaml", study_file.read_text(encoding="utf-8"))
    write_atomically(folder / "scorecard.yaml", Path(card_file).read_text(encoding="utf-8"))
    manifest = run.manifest()
    table = run.results()
    provenance = provenance_of(run, manifest, study, card, table, Path(card_file))
    notes = [
        f"what-if {name!r} of run {manifest.run_id}: the run's results re-scored under edited assumptions",
        *(f"changed {line}" for line in diff),
    ]
    provenance = provenance.model_copy(
        update={
            "run_id": f"{manifest.run_id}/what-if/{name}",
            "study_file": str(study_file),
            "notes": [*provenance.notes, *notes],
        }
    )
    analysis = analyse(study, table)
    scored = score(study, card, analysis, provenance=provenance, scorecard_file=str(card_file))
    scored = scored.model_copy(
        update={
            "assumptions": assumptions(study, card, _rate_unit(study_file)),
            "warnings": [*scored.warnings, *unconfirmed(analysis), *surprises(card, scored.candidates)],
        }
    )
    write_scored_study(scored, folder / "scorecard.json")
    # The process and the candidates' calibration cannot differ from the run's (such edits are refused
    # above), and the run's copy of the study always loads: draw the map and read calibrations from it.
    html, markdown = render_reports(scored, run.study_path, run.path)
    write_atomically(folder / "scorecard.html", html)
    write_atomically(folder / "scorecard.md", markdown)
    record = {"parent_run": manifest.run_id, "name": name, "study_file": str(study_file), "changed": diff}
    write_atomically(folder / "what-if.json", json.dumps(record, indent=2) + "\n")
    return scored, folder


def _resolved_scorecard(study_file: Path, run: Any) -> Path:
    """The edited study's own scorecard when it resolves, else the run's copy (a run's study names that)."""
    from evalkit.study.loader import read_study_data, resolve_scorecard, validate_study_data

    data, lines = read_study_data(study_file)
    found = resolve_scorecard(validate_study_data(data, lines, study_file), study_file)
    return found if found.is_file() else run.scorecard_path
