"""The scorecard in a real browser: headless Debian Chromium driven by Playwright.

Opened from a file:// URL, the page may request nothing but itself, log no console error, run no
script (a candidate is named ``<script>alert(1)</script>``), show every section, and keep a
twelve-candidate, ten-criterion matrix inside its container. Full-page screenshots are kept under
the test's tmp directory as artifacts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from report_builders import XSS_NAME

from evalkit.report import SECTIONS, render_comparison
from evalkit.scorecard_data import ScoredStudy

pytestmark = pytest.mark.browser


def open_report(browser: Any, html: str, path: Path) -> tuple[Any, dict[str, list[Any]]]:
    """Write the report, open it, and record console messages, requests, dialogs and page errors."""
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen: dict[str, list[Any]] = {"console": [], "requests": [], "dialogs": [], "errors": []}
    page.on("console", lambda message: seen["console"].append((message.type, message.text)))
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))

    def dismiss(dialog: Any) -> None:
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.goto(path.as_uri(), wait_until="load")
    return page, seen


def assert_quiet(seen: dict[str, list[Any]], url: str) -> None:
    assert seen["requests"] == [url], "the page fetched something besides itself"
    assert not [m for m in seen["console"] if m[0] in ("error", "warning")], seen["console"]
    assert not seen["errors"] and not seen["dialogs"]


def test_scorecard_in_chromium(browser: Any, small_html: str, tmp_path: Path) -> None:
    path = tmp_path / "scorecard.html"
    page, seen = open_report(browser, small_html, path)
    try:
        assert_quiet(seen, path.as_uri())
        for section, title in SECTIONS:
            locator = page.locator(f"section#{section}")
            assert locator.count() == 1 and locator.is_visible(), section
            assert title in locator.locator("h2").inner_text()
        assert page.locator("#winner-name").inner_text() == "Conductor Engine"
        # The recommendation is above the fold: readable without scrolling.
        box = page.locator("#winner-name").bounding_box()
        assert box is not None and box["y"] + box["height"] < 900
        assert page.locator("section#performance svg").count() >= 3
        page.screenshot(path=str(tmp_path / "scorecard.png"), full_page=True)
        assert (tmp_path / "scorecard.png").stat().st_size > 10_000
    finally:
        page.close()


def test_large_study_matrix_fits_and_hostile_name_is_text(browser: Any, large_html: str, tmp_path: Path) -> None:
    path = tmp_path / "large.html"
    page, seen = open_report(browser, large_html, path)
    try:
        assert_quiet(seen, path.as_uri())
        # Only the weights panel: its JSON data block and its hashed script; the hostile name is not one.
        assert page.evaluate("document.querySelectorAll('script').length") == 2
        hostile = page.locator("#matrix-table .candidate-name", has_text=XSS_NAME)
        assert hostile.count() == 1 and hostile.inner_text() == XSS_NAME
        rows = page.locator("#matrix-table tbody tr")
        assert rows.count() == 12
        assert page.locator("#matrix-table thead th.criterion").count() == 10
        wrap = page.evaluate(
            "(() => { const w = document.getElementById('matrix-wrap'); const t = document.getElementById('matrix-table');"
            " return {scroll: w.scrollWidth, client: w.clientWidth, table: t.getBoundingClientRect().width}; })()"
        )
        assert wrap["scroll"] <= wrap["client"], f"the matrix overflows its container: {wrap}"
        # No criterion header is squeezed into breaking a word across lines.
        narrowest = page.evaluate(
            "Math.min(...[...document.querySelectorAll('#matrix-table thead th.criterion')]"
            ".map(th => th.scrollWidth - th.clientWidth === 0 ? th.clientWidth : -1))"
        )
        assert narrowest > 40
        page.locator("section#matrix").screenshot(path=str(tmp_path / "large-matrix.png"))
        page.screenshot(path=str(tmp_path / "large.png"), full_page=True)
    finally:
        page.close()


def test_print_layout_hides_navigation(browser: Any, small_html: str, tmp_path: Path) -> None:
    path = tmp_path / "print.html"
    page, seen = open_report(browser, small_html, path)
    try:
        page.emulate_media(media="print")
        assert not page.locator("nav.toc").is_visible()
        assert page.locator("section#recommendation").is_visible()
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
        assert_quiet(seen, path.as_uri())
    finally:
        page.close()


def test_comparison_in_chromium(browser: Any, small: ScoredStudy, large: ScoredStudy, tmp_path: Path) -> None:
    path = tmp_path / "comparison.html"
    page, seen = open_report(browser, render_comparison([("before", small), ("after", large)]), path)
    try:
        assert_quiet(seen, path.as_uri())
        assert page.locator("section#scores").is_visible()
        page.screenshot(path=str(tmp_path / "comparison.png"), full_page=True)
    finally:
        page.close()
