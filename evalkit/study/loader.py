"""Loading study and scorecard files into validated models, with errors a person can act on.

The boundary of evalkit: after ``load_study`` returns, nothing checks the study again. Every
problem becomes a ``StudyError`` that names the file, the line, the field path
(``candidates[1].design``), what was wrong and what is allowed, with "did you mean" for a
misspelt key. ``study_digest`` is the hash runs use to notice that a study changed.
"""

from __future__ import annotations

import difflib
import hashlib
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, Tag, ValidationError
from pydantic_core import ErrorDetails

from evalkit.errors import StudyError, shorten
from evalkit.study.placeholders import find_placeholders
from evalkit.study.references import Problem, check_study, check_study_against_scorecard
from evalkit.study.scorecard import Scorecard
from evalkit.study.study import Study
from evalkit.study.yamlfile import LineMap, read_yaml
from evalkit.units import UNITS_REQUIRED

__all__ = [
    "load_study",
    "load_scorecard",
    "read_study_data",
    "validate_study_data",
    "load_study_with_scorecard",
    "resolve_scorecard",
    "study_digest",
    "bundled_path",
    "format_field",
]

ModelT = TypeVar("ModelT", bound=BaseModel)


def bundled_path(kind: str, name: str = "") -> Path:
    """A bundled ``scenarios`` or ``scorecards`` folder (or a file in it), installed or in the repo."""
    package = Path(__file__).resolve().parents[1]
    for folder in (package / "bundled" / kind, package.parent / kind):
        if folder.is_dir():
            return folder / name if name else folder
    return package.parent / kind / name


def format_field(path: typing.Sequence[str | int]) -> str:
    """``("candidates", 1, "design")`` -> ``candidates[1].design``."""
    text = ""
    for part in path:
        if isinstance(part, str) and len(part) > 40:  # a pasted paragraph as a key stays readable
            part = part[:39] + "…"
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _annotation_at(model: Any, path: typing.Sequence[str | int]) -> tuple[list[str | int], Any]:
    """Walk a model's annotations along a pydantic error location.

    Returns the location without discriminator tags (pydantic inserts the tag of a tagged union,
    e.g. ``candidates.1.centralized.parameters``) and the annotation reached at its end.
    """
    clean: list[str | int] = []
    current: Any = model
    for part in path:
        current = _unwrap(current)
        if _is_union(current):
            members = {_tag_of(m): m for m in typing.get_args(current)}
            if part in members:
                current = members[part]
                continue
        clean.append(part)
        current = _child(current, part)
    return clean, _unwrap(current)


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if _is_union(annotation):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
    return annotation


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _tag_of(member: Any) -> Any:
    # A callable discriminator tags its members with pydantic's Tag (``process``: one or mix).
    tags = [m.tag for m in getattr(member, "__metadata__", ()) if isinstance(m, Tag)]
    if tags:
        return tags[0]
    member = _unwrap(member)
    if isinstance(member, type) and issubclass(member, BaseModel):
        for field in member.model_fields.values():
            args = typing.get_args(field.annotation)
            if typing.get_origin(field.annotation) is typing.Literal and len(args) == 1:
                return args[0]
    return None


def _child(annotation: Any, part: str | int) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return field.annotation if field else None
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (tuple, list) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def _fields_of(annotation: Any) -> list[str]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    if _is_union(annotation):
        return sorted({f for m in typing.get_args(annotation) for f in _fields_of(_unwrap(m))})
    return []


def _message(error: ErrorDetails, model: type[BaseModel]) -> tuple[list[str | int], str]:
    path, _annotation = _annotation_at(model, error["loc"])
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "extra_forbidden":
        key = str(path[-1])
        _, parent = _annotation_at(model, error["loc"][:-1])
        allowed = _fields_of(parent)
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return path, f"unknown key {shorten(key)}; {hint}allowed: {', '.join(allowed)}"
    if kind == "missing":
        return path, "is required but missing"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag_name = ctx.get("discriminator", "").strip("'")
        expected = str(ctx.get("expected_tags", "")).replace("'", "")
        given = ctx.get("tag", "")
        close = difflib.get_close_matches(str(given), [t.strip() for t in expected.split(",")], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        what = f"unknown {tag_name} {shorten(given)}{hint}" if given else f"needs a {tag_name}"
        return [*path, tag_name], f"{what}; allowed: {expected}"
    if kind == "literal_error":
        given = error.get("input")
        expected = str(ctx.get("expected", ""))
        options = [o.strip(" '") for o in expected.replace(" or ", ",").split(",")]
        close = difflib.get_close_matches(str(given), options, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return path, f"{shorten(given)} is not allowed{hint}; allowed: {expected}"
    text = error["msg"].removeprefix("Value error, ")
    given = error.get("input")
    if kind not in ("value_error", "assertion_error") and not isinstance(given, dict | list | tuple):
        text = f"{text} (got {shorten(given)})"
    return path, text


def _line_for(lines: LineMap, path: typing.Sequence[str | int]) -> int | None:
    for end in range(len(path), -1, -1):
        line = lines.get(tuple(path[:end]))
        if line is not None:
            return line
    return None


def _validate(model: type[ModelT], data: dict[str, Any], lines: LineMap, file: Path) -> ModelT:
    try:
        # A file a person wrote: a duration or rate needs its unit (evalkit.units.UNITS_REQUIRED).
        return model.model_validate(data, context=UNITS_REQUIRED)
    except ValidationError as failure:
        errors = failure.errors(include_url=False)
        # A misspelt key also makes its correct spelling "missing": report the misspelling.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        path, message = _message(first, model)
        more = failure.error_count() - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        error = StudyError(message + suffix, file=file, line=_line_for(lines, path), field=format_field(path) or None)
        error.problems = _every_problem([(tuple(p), m) for p, m in (_message(e, model) for e in errors)], lines, file)
        raise error from None


def _raise_problems(problems: list[Problem], lines: LineMap, file: Path) -> None:
    if problems:
        path, message = problems[0]
        more = len(problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        error = StudyError(message + suffix, file=file, line=_line_for(lines, path), field=format_field(path))
        error.problems = _every_problem(problems, lines, file)
        raise error


def _every_problem(problems: list[Problem], lines: LineMap, file: Path) -> list[str]:
    """Every problem as its own one-line ``file:line: field: message``, in file order (``evalkit validate``)."""
    found = [
        StudyError(message, file=file, line=_line_for(lines, path), field=format_field(path) or None)
        for path, message in problems
    ]
    ordered = sorted(found, key=lambda e: (e.line is None, e.line or 0))
    return list(dict.fromkeys(e.one_line() for e in ordered))


def _read(path: Path) -> tuple[dict[str, Any], LineMap]:
    try:
        return read_yaml(path)
    except RecursionError:
        raise StudyError("nested too deeply to be a study", file=path) from None


def load_scorecard(path: str | Path) -> Scorecard:
    """Read and validate a scorecard file."""
    path = Path(path)
    data, lines = _read(path)
    return _validate(Scorecard, data, lines, path)


def resolve_scorecard(study: Study, study_path: str | Path) -> Path:
    """Where a study's scorecard lives: a path beside the study, or a bundled scorecard's name."""
    reference = study.scorecard
    beside = Path(study_path).resolve().parent / reference
    if beside.is_file():
        return beside
    if "/" not in reference and not reference.endswith((".yaml", ".yml")):
        bundled = bundled_path("scorecards", f"{reference}.yaml")
        if bundled.is_file():
            return bundled
    return beside


def read_study_data(path: str | Path) -> tuple[dict[str, Any], LineMap]:
    """A study file's plain data and the line of each value (not yet validated)."""
    return _read(Path(path))


def validate_study_data(data: dict[str, Any], lines: LineMap, path: str | Path) -> Study:
    """Validate a study's data and its internal cross-references (not its scorecard's)."""
    path = Path(path)
    _raise_problems([(p, "still TODO: fill in this value") for p in find_placeholders(data)], lines, path)
    study = _validate(Study, data, lines, path)
    _raise_problems(check_study(study), lines, path)
    return study


def load_study_with_scorecard(path: str | Path, *, scorecard_path: str | Path | None = None) -> tuple[Study, Scorecard]:
    """Load a study and its scorecard, checking every cross-reference between them.

    ``scorecard_path`` overrides the study's own ``scorecard`` reference (a run's saved copy).
    """
    path = Path(path)
    data, lines = _read(path)
    study = validate_study_data(data, lines, path)
    scorecard_path = Path(scorecard_path) if scorecard_path else resolve_scorecard(study, path)
    if not scorecard_path.is_file():
        known = sorted(p.stem for p in bundled_path("scorecards").glob("*.yaml"))
        raise StudyError(
            f"scorecard {study.scorecard!r} not found beside the study nor bundled; bundled: {', '.join(known) or 'none'}",
            file=path,
            line=lines.get(("scorecard",)),
            field="scorecard",
        )
    scorecard = load_scorecard(scorecard_path)
    _raise_problems(check_study_against_scorecard(study, scorecard), lines, path)
    return study, scorecard


def load_study(path: str | Path) -> Study:
    """Read and validate a study file, its cross-references and its scorecard's."""
    return load_study_with_scorecard(path)[0]


def study_digest(path: str | Path) -> str:
    """SHA-256 of the study file's bytes: a run refuses to resume if it changed."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
