"""Load-test fixtures: start tiny loopback targets for a test (and stop them), write small studies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from load_targets import ThreadedServer

from evalkit.study import Study, load_study


@pytest.fixture
def serve() -> Iterator[Callable[[web.Application], ThreadedServer]]:
    """Start apps on loopback for the test; every one is stopped afterwards."""
    started: list[ThreadedServer] = []

    def start(app: web.Application) -> ThreadedServer:
        server = ThreadedServer(app).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__()


@pytest.fixture
def write_study_dict(tmp_path: Path) -> Callable[[dict[str, Any], str], tuple[Path, Study]]:
    def write(data: dict[str, Any], name: str = "study.yaml") -> tuple[Path, Study]:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path, load_study(path)

    return write
