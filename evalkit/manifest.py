"""A run's manifest: what was run, from which files, with which overrides and library versions.

``manifest.json`` is the run's identity card. It is a typed, frozen model rather than a free
dict, so every reader (resume, scoring's provenance, ``compare``, ``runs``) sees the same fields
with the same types, and a damaged file is refused in one line instead of failing later on a
missing key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evalkit.errors import RunStoreError

__all__ = ["JsonScalar", "RunManifest", "RunSettings", "ScreenCounts", "read_manifest"]

JsonScalar = str | int | float | bool | None


class RunSettings(BaseModel):
    """How ``evalkit run`` was asked to run (the part a resume must repeat)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    quick: bool = False
    load: bool = True
    only: Literal["sim", "load"] | None = None
    seed: int | None = None
    screen: bool = False


class ScreenCounts(BaseModel):
    """What ``evalkit run --screen`` simulated of the baseline sweep, and what it left analytic.

    ``simulated_cells + screened_out_cells == baseline_cells`` (candidate × multiple × replication);
    fault-scenario cells are always simulated and not counted here.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    baseline_cells: int = Field(ge=0)
    simulated_cells: int = Field(ge=0)
    screened_out_cells: int = Field(ge=0, description="baseline cells whose figures are analytic")
    close_pairs: int = Field(ge=0, description="candidate × multiple cells the screen called close")
    decisive_multiples: list[float] = Field(default_factory=list, description="where the knock-outs are decided")


class RunManifest(BaseModel):
    """The typed content of ``manifest.json``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    run_id: str
    created: str
    command: Literal["run", "simulate", "loadtest"] = "run"
    study_name: str
    study_title: str = ""
    study_file: str = Field(description="the study file the run was started from")
    study_sha256: str = Field(description="SHA-256 of that file, as it was (resume refuses a changed file)")
    effective_study_sha256: str = Field(default="", description="SHA-256 of the run's study.yaml")
    overrides: str = Field(default="none", description="what the command changed in the study, in words")
    scorecard_name: str
    scorecard_file: str
    seed: int = Field(description="the effective seed every random stream of the run derives from")
    settings: RunSettings = Field(default_factory=RunSettings)
    options: dict[str, JsonScalar | list[float]] = Field(
        default_factory=dict, description="the command's other options, for the record only"
    )
    versions: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    cells_reused: int = Field(default=0, description="simulated cells taken unchanged from earlier runs' cache")
    cells_simulated: int = Field(default=0, description="simulated cells this run computed (last stage run)")
    screen: ScreenCounts | None = Field(default=None, description="the screening pass of `run --screen`")

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"

    def updated(self, **fields: object) -> RunManifest:
        """A copy with ``fields`` replaced, validated again (``model_copy`` would not)."""
        return RunManifest.model_validate({**self.model_dump(), **fields})


def read_manifest(path: Path) -> RunManifest:
    """Read and validate a manifest; anything damaged is one ``RunStoreError`` line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RunStoreError(f"{path.parent}: not a run directory (no manifest.json)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise RunStoreError(f"{path}: unreadable ({error})") from None
    try:
        return RunManifest.model_validate_json(text)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "the top level"
        raise RunStoreError(f"{path}: damaged manifest: {where}: {first['msg']}") from None
