"""Where runs live on disk.

A run is a directory ``OUT/<run-id>/`` holding everything needed to re-read, re-score and
re-render it without the original files:

    study.yaml        the run's effective study: the study file plus the command's overrides
                      (seed, quick, replications), validated once; every stage reads it
    study.source.yaml a byte-for-byte copy of the study file (its SHA-256 is in the manifest)
    scorecard.yaml    a copy of the scorecard the study named (study.yaml names this copy)
    manifest.json     the typed ``RunManifest``: hashes, seed, overrides, settings, versions
    run.lock          held by the one process writing the run (``RunDirectory.writing``)
    results.csv       the long results table (sim and load rows together)
    summary.csv       mean and 95% CI across replications per cell and metric
    scorecard.json    the scored outcome (``evalkit score``)
    scorecard.html    the report (``evalkit report``), and scorecard.md
    locust/           Locust's own CSV and HTML output, per candidate
    logs/             what the run logged

Every file is written to a unique temporary name and then renamed over the old one, so a
reader never sees half a file. Only this module, ``cli`` and ``pipeline`` touch the disk.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from evalkit.errors import EvalkitError, RunStoreError
from evalkit.files import write_atomically
from evalkit.manifest import RunManifest, RunSettings, read_manifest
from evalkit.results import ResultTable, Source
from evalkit.study import Scorecard, Study, load_study_with_scorecard, resolve_scorecard, study_digest
from evalkit.study.effective import EffectiveStudy, StudyOverrides

__all__ = [
    "RunDirectory",
    "RunIndex",
    "create_run",
    "library_versions",
    "new_run_id",
    "open_run",
    "write_atomically",
]

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
    def source_study_path(self) -> Path:
        return self.path / "study.source.yaml"

    @property
    def lock_path(self) -> Path:
        return self.path / "run.lock"

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

    def manifest(self) -> RunManifest:
        """The run's manifest, validated (a damaged one is one ``RunStoreError`` line)."""
        return read_manifest(self.manifest_path)

    def update_manifest(self, **fields: Any) -> RunManifest:
        """Replace fields of manifest.json (validated, written atomically)."""
        manifest = self.manifest().updated(**fields)
        write_atomically(self.manifest_path, manifest.to_json())
        return manifest

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the run's exclusive write lock; a second writer is refused in one line.

        The lock is an ``fcntl`` lock on ``run.lock``, so the kernel releases it when the holder
        exits in any way (``kill -9`` included): a dead run never blocks its own resume.
        """
        handle = self.lock_path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise RunStoreError(
                f"{self.path}: run {self.run_id} is being written by {holder}; "
                "wait for it to finish or stop it before resuming"
            ) from None
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"evalkit process {os.getpid()}\n")
            handle.flush()
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    def is_being_written(self) -> bool:
        """Whether some process holds the run's write lock right now."""
        if not self.lock_path.exists():
            return False
        with self.lock_path.open("a+", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    def results(self) -> ResultTable:
        """The results so far (an empty table if none)."""
        if not self.results_path.exists():
            return ResultTable.empty()
        return ResultTable.read_csv(self.results_path)

    def save_results(self, table: ResultTable, *, source: Source) -> ResultTable:
        """Replace this source's rows with ``table``'s, keep the other source's; write CSV and summary."""
        kept = self.results().frame
        kept = kept[kept["source"] != source]
        merged = ResultTable(kept).concat(table) if len(kept) else ResultTable(table.frame)
        write_atomically(self.results_path, merged.frame.to_csv(index=False, lineterminator="\n"))
        write_atomically(self.summary_path, merged.summary().to_csv(index=False, lineterminator="\n"))
        return merged


def create_run(
    out: str | Path,
    study_path: str | Path,
    *,
    overrides: StudyOverrides | None = None,
    settings: RunSettings | None = None,
    command: Literal["run", "simulate", "loadtest"] = "run",
    options: dict[str, Any] | None = None,
) -> RunDirectory:
    """Make ``OUT/<run-id>/`` with the effective study, the source and scorecard copies, a manifest.

    The overrides are validated before anything is created, so a bad ``--seed`` leaves no run
    directory behind.
    """
    study_path = Path(study_path)
    study, scorecard = load_study_with_scorecard(study_path)
    overrides = overrides or StudyOverrides()
    effective = EffectiveStudy.build(study_path, overrides, scorecard="scorecard.yaml")
    digest = study_digest(study_path)
    run = _new_directory(Path(out), study, digest)
    scorecard_source = resolve_scorecard(study, study_path)
    effective_text = effective.yaml_text(study_path)
    try:
        write_atomically(run.source_study_path, study_path.read_bytes())
        write_atomically(run.scorecard_path, scorecard_source.read_bytes())
    except OSError as error:
        raise RunStoreError(f"{run.path}: cannot copy the study: {error.strerror or error}") from None
    write_atomically(run.study_path, effective_text)
    if run.load()[0] != effective.study:
        raise EvalkitError(f"{run.study_path}: the written effective study does not read back as built (a bug)")
    manifest = RunManifest(
        run_id=run.run_id,
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        command=command,
        study_name=study.name,
        study_title=study.title,
        study_file=str(study_path),
        study_sha256=digest,
        effective_study_sha256=study_digest(run.study_path),
        overrides=overrides.describe(),
        scorecard_name=scorecard.name,
        scorecard_file=str(scorecard_source),
        seed=effective.study.seed,
        settings=settings or RunSettings(quick=overrides.quick, seed=overrides.seed),
        options=options or {},
        versions=library_versions(),
    )
    write_atomically(run.manifest_path, manifest.to_json())
    return run


def _new_directory(out: Path, study: Study, digest: str) -> RunDirectory:
    try:
        out.mkdir(parents=True, exist_ok=True)
        run = RunDirectory(out / new_run_id(study, digest))
        suffix = 1
        while True:
            try:
                run.path.mkdir()
                break
            except FileExistsError:  # two runs in the same second
                suffix += 1
                run = RunDirectory(out / f"{new_run_id(study, digest)}-{suffix}")
        run.logs_dir.mkdir()
    except OSError as error:
        raise RunStoreError(f"{out}: cannot create a run there: {error.strerror or error}") from None
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
                    manifest.study_name,
                    manifest.study_sha256,
                    manifest.created,
                    now,
                    status,
                    int(manifest.settings.quick),
                    winner,
                ),
            )

    def runs(self) -> list[dict[str, Any]]:
        """Every indexed run, newest first.

        A run recorded as ``running`` whose write lock is free has died without saying so
        (``kill -9``, a power cut): it is reported as ``interrupted``, which ``--resume`` continues.
        """
        cursor = self._connection.execute("SELECT * FROM runs ORDER BY created DESC, run_id DESC")
        names = [column[0] for column in cursor.description]
        found = [dict(zip(names, row, strict=True)) for row in cursor]
        for row in found:
            if row["status"] == "running" and not RunDirectory(Path(row["path"])).is_being_written():
                row["status"] = "interrupted"
        return found

    def close(self) -> None:
        self._connection.close()
