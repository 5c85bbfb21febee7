"""Where runs live on disk.

A run is a directory ``OUT/<run-id>/`` holding everything needed to re-read, re-score and
re-render it without the original files:

    study.yaml        a byte-for-byte copy of the study (its SHA-256 is in the manifest)
    scorecard.yaml    a copy of the scorecard the study named
    manifest.json     study hash, seed, options, versions, timestamps
    results.csv       the long results table (sim and load rows together)
    summary.csv       mean and 95% CI across replications per cell and metric
    scorecard.json    the scored outcome (``evalkit score``)
    scorecard.html    the report (``evalkit report``), and scorecard.md
    locust/           Locust's own CSV and HTML output, per candidate
    logs/             what the run logged

Only this module, ``cli`` and ``pipeline`` touch the disk.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from evalkit.errors import RunStoreError
from evalkit.results import ResultTable
from evalkit.study import Scorecard, Study, load_study_with_scorecard, resolve_scorecard, study_digest

__all__ = ["RunDirectory", "RunIndex", "create_run", "library_versions", "new_run_id", "open_run"]

_LIBRARIES = (
    "simpy",
    "locust",
    "numpy",
    "pandas",
    "scipy",
    "jinja2",
    "pydantic",
    "matplotlib",
    "aiohttp",
    "hdrhistogram",
)


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries that shape the numbers."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("evalkit", *_LIBRARIES):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def new_run_id(study: Study, digest: str, now: dt.datetime | None = None) -> str:
    """``<study>-<UTC timestamp>-<first 6 of the study hash>``: sortable and unique enough."""
    now = now or dt.datetime.now(dt.UTC)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in study.name)[:40]
    return f"{safe}-{now:%Y%m%d-%H%M%S}-{digest[:6]}"


@dataclass(frozen=True)
class RunDirectory:
    """One run's directory and the named files in it."""

    path: Path

    @property
    def run_id(self) -> str:
        return self.path.name

    @property
    def study_path(self) -> Path:
        return self.path / "study.yaml"

    @property
    def scorecard_path(self) -> Path:
        return self.path / "scorecard.yaml"

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    @property
    def results_path(self) -> Path:
        return self.path / "results.csv"

    @property
    def summary_path(self) -> Path:
        return self.path / "summary.csv"

    @property
    def scored_path(self) -> Path:
        return self.path / "scorecard.json"

    @property
    def html_path(self) -> Path:
        return self.path / "scorecard.html"

    @property
    def markdown_path(self) -> Path:
        return self.path / "scorecard.md"

    @property
    def locust_dir(self) -> Path:
        return self.path / "locust"

    @property
    def logs_dir(self) -> Path:
        return self.path / "logs"

    def load(self) -> tuple[Study, Scorecard]:
        """The run's own copies of its study and scorecard."""
        return load_study_with_scorecard(self.study_path, scorecard_path=self.scorecard_path)

    def manifest(self) -> dict[str, Any]:
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RunStoreError(f"{self.path}: not a run directory (no manifest.json)") from None
        except json.JSONDecodeError as error:
            raise RunStoreError(f"{self.manifest_path}: unreadable ({error})") from None

    def update_manifest(self, **fields: Any) -> None:
        """Merge fields into manifest.json (written atomically)."""
        manifest = self.manifest()
        manifest.update(fields)
        _write_atomically(self.manifest_path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")

    def results(self) -> ResultTable:
        """The results so far (an empty table if none)."""
        if not self.results_path.exists():
            return ResultTable.empty()
        return ResultTable.read_csv(self.results_path)

    def save_results(self, table: ResultTable, *, source: Literal["sim", "load"]) -> ResultTable:
        """Replace this source's rows with ``table``'s, keep the other source's; write CSV and summary."""
        kept = self.results().frame
        kept = kept[kept["source"] != source]
        merged = ResultTable(kept).concat(table) if len(kept) else ResultTable(table.frame)
        _write_atomically(self.results_path, merged.frame.to_csv(index=False, lineterminator="\n"))
        _write_atomically(self.summary_path, merged.summary().to_csv(index=False, lineterminator="\n"))
        return merged


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        raise RunStoreError(f"{path}: cannot write: {error.strerror or error}") from None


def create_run(out: str | Path, study_path: str | Path, *, options: dict[str, Any] | None = None) -> RunDirectory:
    """Make ``OUT/<run-id>/`` with copies of the study and scorecard and a manifest."""
    study_path = Path(study_path)
    study, scorecard = load_study_with_scorecard(study_path)
    digest = study_digest(study_path)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        run = RunDirectory(out / new_run_id(study, digest))
        suffix = 1
        while run.path.exists():  # two runs in the same second
            suffix += 1
            run = RunDirectory(out / f"{new_run_id(study, digest)}-{suffix}")
        run.path.mkdir()
        run.logs_dir.mkdir()
        shutil.copyfile(study_path, run.study_path)
        scorecard_source = resolve_scorecard(study, study_path)
        shutil.copyfile(scorecard_source, run.scorecard_path)
    except OSError as error:
        raise RunStoreError(f"{out}: cannot create a run there: {error.strerror or error}") from None
    manifest = {
        "run_id": run.run_id,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "study_name": study.name,
        "study_title": study.title,
        "study_file": str(study_path),
        "study_sha256": digest,
        "scorecard_name": scorecard.name,
        "scorecard_file": str(scorecard_source),
        "seed": study.seed,
        "versions": library_versions(),
        "options": options or {},
    }
    _write_atomically(run.manifest_path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return run


def open_run(path: str | Path) -> RunDirectory:
    """An existing run directory; refused in one line if it is not one."""
    run = RunDirectory(Path(path))
    if not run.path.is_dir():
        raise RunStoreError(f"{run.path}: no such run directory")
    if not run.manifest_path.is_file() or not run.study_path.is_file():
        raise RunStoreError(f"{run.path}: not a run directory (needs manifest.json and study.yaml)")
    return run


class RunIndex:
    """The SQLite index of runs under one output folder (``OUT/index.sqlite``, WAL mode)."""

    def __init__(self, out: str | Path) -> None:
        import sqlite3

        self.path = Path(out) / "index.sqlite"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute(
                "CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, path TEXT, study TEXT, "
                "study_sha256 TEXT, created TEXT, updated TEXT, status TEXT, quick INTEGER, winner TEXT)"
            )
        except (OSError, sqlite3.Error) as error:
            raise RunStoreError(f"{self.path}: cannot open the run index: {error}") from None

    def record(self, run: RunDirectory, *, status: str, winner: str | None = None) -> None:
        """Insert or update one run's row."""
        manifest = run.manifest()
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._connection:
            self._connection.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(run_id) DO UPDATE SET "
                "updated = excluded.updated, status = excluded.status, winner = COALESCE(excluded.winner, runs.winner)",
                (
                    run.run_id,
                    str(run.path),
                    manifest.get("study_name", ""),
                    manifest.get("study_sha256", ""),
                    manifest.get("created", now),
                    now,
                    status,
                    int(bool(manifest.get("options", {}).get("quick"))),
                    winner,
                ),
            )

    def runs(self) -> list[dict[str, Any]]:
        """Every indexed run, newest first."""
        cursor = self._connection.execute("SELECT * FROM runs ORDER BY created DESC, run_id DESC")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def close(self) -> None:
        self._connection.close()
