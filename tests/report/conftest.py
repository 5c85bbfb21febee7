"""Fixtures for the report tests: scored studies, the fixed scorecard.json, and a headless browser.

``EVALKIT_UPDATE_GOLDEN=1`` regenerates the fixed fixture and golden files deliberately; without it
the tests only compare.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_builders import FIXTURE, large_study, small_study, updating_golden

from evalkit.scorecard_data import ScoredStudy, read_scored_study, write_scored_study

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def fixed_scored() -> ScoredStudy:
    """The fixed scorecard.json the golden files are rendered from."""
    if updating_golden():
        write_scored_study(small_study(), FIXTURE)
    return read_scored_study(FIXTURE)


@pytest.fixture(scope="session")
def small() -> ScoredStudy:
    return small_study()


@pytest.fixture(scope="session")
def large() -> ScoredStudy:
    return large_study()


@pytest.fixture(scope="session")
def small_html(small: ScoredStudy) -> str:
    """The default study's scorecard, rendered once per session."""
    from evalkit.report import render_scorecard

    return render_scorecard(small)


@pytest.fixture(scope="session")
def large_html(large: ScoredStudy) -> str:
    """The large study's scorecard, rendered once per session."""
    from evalkit.report import render_scorecard

    return render_scorecard(large)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing: install Debian's chromium (apt-get install chromium); CI does")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
