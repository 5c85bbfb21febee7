"""The weights panel, the CSP and print, in Debian Chromium driven by Playwright.

Screenshots for the issue's closing note are written to ``EVALKIT_SCREENSHOTS`` (a folder) when
that variable is set, else under the test's tmp directory.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from report_builders import small_study
from test_browser import assert_quiet, open_report

from evalkit.report import render_scorecard

pytestmark = pytest.mark.browser


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("EVALKIT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _set_weight(page: Any, criterion: str, value: float) -> None:
    box = page.locator(f'[data-criterion="{criterion}"] input[type=number]')
    box.fill(str(value))
    box.dispatch_event("input")


def test_moving_a_weight_past_the_critical_weight_changes_the_winner(
    browser: Any, small_html: str, tmp_path: Path
) -> None:
    scored = small_study()
    flip = scored.robustness.smallest_flip
    assert flip is not None and flip.criterion_id == "scalability" and flip.new_winner == "Event Fabric"
    critical = flip.critical_weight
    assert critical is not None
    # The others keep their 75 points: w / (w + 75) crosses the critical share at w = 75 c / (1 - c).
    at = 75 * critical / (1 - critical)
    path = tmp_path / "scorecard.html"
    page, seen = open_report(browser, small_html, path)
    try:
        panel = page.locator("#weights-panel")
        assert panel.is_visible()
        winner = page.locator("#weights-winner")
        assert winner.inner_text() == "Conductor Engine"
        panel.screenshot(path=str(_shots(tmp_path) / "weights-before.png"))
        _set_weight(page, "scalability", round(at - 1, 1))
        assert winner.inner_text() == "Conductor Engine"
        _set_weight(page, "scalability", round(at + 1, 1))
        assert winner.inner_text() == "Event Fabric"
        first = page.locator("#weights-ranking tbody tr").first.locator("td").nth(1)
        assert first.inner_text() == "Event Fabric"
        panel.screenshot(path=str(_shots(tmp_path) / "weights-after.png"))
        # Knock-out aware: however heavy its strongest criterion, Domain Mesh never wins.
        _set_weight(page, "tco", 100)
        assert winner.inner_text() != "Domain Mesh"
        page.locator("#weights-reset").click()
        assert winner.inner_text() == "Conductor Engine"
        assert_quiet(seen, path.as_uri())  # no request besides the page itself
    finally:
        page.close()


def test_the_csp_blocks_any_other_script(browser: Any, small_html: str, tmp_path: Path) -> None:
    injected = small_html.replace("</body>", "<script>document.title = 'pwned';</script>\n</body>")
    path = tmp_path / "injected.html"
    page, seen = open_report(browser, injected, path)
    try:
        assert page.title() != "pwned"
        assert page.locator("#weights-panel").is_visible()  # the allowed script still ran
        assert any("Content Security Policy" in text for _, text in seen["console"]), seen["console"]
        assert seen["requests"] == [path.as_uri()]
    finally:
        page.close()


def test_the_page_reads_fully_without_scripts(browser: Any, small_html: str, tmp_path: Path) -> None:
    path = tmp_path / "noscript.html"
    path.write_text(small_html, encoding="utf-8")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(path.as_uri())
        assert not page.locator("#weights-panel").is_visible()
        assert page.locator("#winner-name").inner_text() == "Conductor Engine"
        assert page.locator("#matrix-table tbody tr").count() == 3
        assert page.locator("section#assumptions").is_visible()
    finally:
        context.close()


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_print_fits_the_paper_and_page_one_holds_the_recommendation(
    browser: Any, small_html: str, tmp_path: Path, paper: str
) -> None:
    pypdf = pytest.importorskip("pypdf")
    path = tmp_path / "print.html"
    page, _ = open_report(browser, small_html, path)
    try:
        page.emulate_media(media="print")
        width = {"A4": 794, "Letter": 816}[paper] - 2 * 45  # CSS px of the paper less the 12 mm margins
        page.set_viewport_size({"width": width, "height": 1100})
        overflow = page.evaluate(
            "[...document.querySelectorAll('section.card')].filter(s => s.scrollWidth > s.clientWidth + 1)"
            ".map(s => s.id)"
        )
        assert overflow == [], f"clipped at the right edge on {paper}: {overflow}"
        pdf = page.pdf(format=paper, print_background=True)
        first = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert "recommended" in first.lower() and "Conductor Engine" in first
        assert "Assumed:" in first and "36,000/h" not in first  # the study's own unit: /s
        if paper == "A4":
            page.screenshot(path=str(_shots(tmp_path) / "print-page.png"), full_page=False)
            (_shots(tmp_path) / "scorecard-A4.pdf").write_bytes(pdf)
    finally:
        page.close()


def test_screenshots_of_the_assumptions_an_inconclusive_cell_and_a_close_call(browser: Any, tmp_path: Path) -> None:
    from test_close_call import CLOSE, _variant
    from test_validity_report import _with_doubtful_cells

    shots = _shots(tmp_path)
    pages = {
        "assumptions": (render_scorecard(small_study()), "section#assumptions"),
        "inconclusive-cell": (render_scorecard(_with_doubtful_cells()), "table.validity"),
        "close-call": (render_scorecard(_variant(CLOSE)), "section#recommendation"),
    }
    for name, (html, selector) in pages.items():
        page, _ = open_report(browser, html, tmp_path / f"{name}.html")
        try:
            assert page.locator(selector).is_visible(), name
            page.locator(selector).screenshot(path=str(shots / f"{name}.png"))
            assert (shots / f"{name}.png").stat().st_size > 5_000
        finally:
            page.close()
