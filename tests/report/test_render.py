"""The HTML scorecard and Markdown summary, without a browser: content, honesty, safety, determinism."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import jinja2
import pytest
from report_builders import GOLDEN, XSS_NAME, updating_golden

from evalkit.report import SECTIONS, render_markdown, render_scorecard
from evalkit.report.environment import html_environment
from evalkit.report.weights import script_hash
from evalkit.scorecard_data import ScoredStudy


def with_changes(scored: ScoredStudy, **changes: object) -> ScoredStudy:
    """A copy of a scored study with top-level fields replaced, re-validated like a real file."""
    data = scored.model_dump(mode="json", by_alias=True)
    data.update(changes)
    return ScoredStudy.model_validate(data)


class Tags(HTMLParser):
    """Every start tag and its attributes, to inspect the document's structure."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def test_sections_appear_once_and_in_order(small_html: str) -> None:
    positions = [small_html.index(f'<section class="card" id="{section}"') for section, _ in SECTIONS]
    assert positions == sorted(positions)
    assert len(SECTIONS) == 12 and SECTIONS[0][0] == "recommendation" and SECTIONS[1][0] == "assumptions"
    assert SECTIONS[-1][0] == "glossary"


def test_recommendation_states_winner_score_probability_and_flip(small_html: str) -> None:
    recommendation = small_html[small_html.index('id="recommendation"') : small_html.index('id="knockouts"')]
    text = re.sub(r"<[^>]+>", " ", recommendation)
    assert "Conductor Engine" in text and "72.9" in text
    assert "95%" in text  # P(best) from SMAA
    assert "Scalability and performance" in text and "44%" in text and "+19.2 pp" in text
    assert "Event Fabric" in text
    assert "robust" in text


def test_self_contained_with_a_strict_content_security_policy(large_html: str) -> None:
    found = tags(large_html)
    csp = [a["content"] for t, a in found if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0] and "connect-src 'none'" in csp[0]
    # Exactly one script may run (issue 15 §7): the weights panel's, allowed by its SHA-256 hash.
    allowed = re.findall(r"script-src ([^;]+);", csp[0])
    (inline,) = re.findall(r"<script>(.*?)</script>", large_html, flags=re.S)
    assert allowed == [script_hash(inline)] and "unsafe-inline" not in allowed[0]
    scripts = [a for t, a in found if t == "script"]
    assert scripts == [{"type": "application/json", "id": "weights-data"}, {}]  # data block, then the hashed code
    names = {t for t, _ in found}
    assert not names & {"link", "img", "iframe", "object", "embed", "base", "form"}
    assert not [a for _, a in found for key in a if key.startswith("on")]  # no inline event handlers
    # The only URLs are XML namespace names, which browsers never fetch.
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", large_html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "@import" not in large_html and "url(http" not in large_html
    assert "@media print" in large_html


def test_hostile_candidate_name_is_escaped_everywhere(large_html: str, large: ScoredStudy) -> None:
    assert XSS_NAME in [c.name for c in large.candidates]
    assert "<script>alert" not in large_html.lower() and "</script>alert" not in large_html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in large_html
    data = large_html[large_html.index('id="weights-data">') : large_html.index("</script>")]
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in data  # JSON-escaped in the data block
    markdown = render_markdown(large)
    assert "<script" not in markdown and "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown


def test_missing_values_are_named_never_zero(small_html: str) -> None:
    domain_mesh = small_html[small_html.index("#3</span>") : small_html.index("</tr>", small_html.index("#3</span>"))]
    assert '<span class="missing">missing</span>' in domain_mesh  # vendor: nobody assessed it
    assert '<span class="missing">incomplete</span>' in domain_mesh  # so the total is not a number
    assert "not load-tested" in small_html
    assert '<span class="missing">not predicted</span>' in small_html  # Domain Mesh's error-rate KPI


def test_chart_ids_are_unique_across_the_page(large_html: str) -> None:
    ids = [a["id"] for _, a in tags(large_html) if a.get("id")]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates


def test_render_is_deterministic(small: ScoredStudy) -> None:
    assert render_scorecard(small) == render_scorecard(small)
    assert render_markdown(small) == render_markdown(small)


def layout_only(html: str) -> str:
    """The page without its charts' drawing: the golden file checks layout, not matplotlib's paths."""
    return re.sub(r"<svg\b.*?</svg>", "<svg/>", html, flags=re.DOTALL)


class MatrixCells(HTMLParser):
    """The text of every cell of the weighted matrix, row by row, with the cells' class names."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[dict[str, str]]] = []
        self.inside = False
        self.cell: dict[str, str] | None = None
        self.span: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and found.get("id") == "matrix-table":
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th") and self.rows:
            self.cell = {"text": ""}
            self.rows[-1].append(self.cell)
        elif self.inside and tag == "span" and self.cell is not None:
            self.span = (found.get("class") or "").split(" ")[0]

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif tag == "span":
            self.span = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None and self.inside:
            self.cell["text"] += data
            if self.span:
                self.cell[self.span] = self.cell.get(self.span, "") + data


def test_matrix_numbers_in_the_page_are_the_scored_numbers(small: ScoredStudy, small_html: str) -> None:
    """Read the matrix back out of the parsed page and check every figure against scorecard.json."""
    parser = MatrixCells()
    parser.feed(small_html)
    body = [row for row in parser.rows[1:] if row]
    assert len(body) == len(small.candidates)
    for row, candidate in zip(body, small.candidates, strict=True):
        assert candidate.name in row[0]["text"] and f"#{candidate.rank}" in row[0]["text"]
        for cell, score in zip(row[1:-1], candidate.scores, strict=True):
            if score.value is None:
                assert "not scored" in cell["text"]
                continue
            assert cell["cell-value"] == score.display
            assert cell["cell-score"] == f"{score.value:.0f} → {score.contribution:.1f}"
            if score.evidence is not None:
                assert cell["evidence"] == score.evidence.kind
        total = row[-1]["text"]
        assert (f"{candidate.total:.1f}" in total) if candidate.total is not None else ("incomplete" in total)


def test_golden_html_and_markdown(fixed_scored: ScoredStudy) -> None:
    outputs = {
        "scorecard.html": layout_only(render_scorecard(fixed_scored)),
        "scorecard.md": render_markdown(fixed_scored),
    }
    for name, text in outputs.items():
        path = GOLDEN / name
        if updating_golden():
            path.write_text(text, encoding="utf-8")
        expected = path.read_text(encoding="utf-8")
        assert text == expected, (
            f"{name} differs from {path}; if the change is intended, rerun with EVALKIT_UPDATE_GOLDEN=1"
        )


def test_fixed_fixture_is_the_builders_study(fixed_scored: ScoredStudy, small: ScoredStudy) -> None:
    assert fixed_scored == small, "tests/report/fixtures/scorecard.json is stale: rerun with EVALKIT_UPDATE_GOLDEN=1"


def test_all_knocked_out_gives_no_recommendation(small: ScoredStudy) -> None:
    data = small.model_dump(mode="json", by_alias=True)
    for candidate in data["candidates"]:
        candidate["knocked_out"] = True
        candidate["knockout_reasons"] = candidate["knockout_reasons"] or ["must sustain at least 3x peak: 2.9x"]
    scored = with_changes(small, candidates=data["candidates"], winner=None, winner_score=None, rationale="")
    html = render_scorecard(scored)
    assert "No recommendation" in html and "Every candidate was knocked out" in html
    assert 'class="tile winner"' not in html
    assert "No recommendation: every candidate was knocked out" in render_markdown(scored)


def test_no_winner_without_every_candidate_knocked_out_does_not_say_they_were(small: ScoredStudy) -> None:
    data = small.model_dump(mode="json", by_alias=True)
    data["candidates"][0]["knocked_out"] = True
    data["candidates"][0]["knockout_reasons"] = ["must sustain at least 3x peak: 1.45x"]
    scored = with_changes(small, candidates=data["candidates"], winner=None, winner_score=None, rationale="")
    markdown = render_markdown(scored)
    assert "every candidate was knocked out" not in markdown
    assert "No recommendation: no candidate has a complete score that is not knocked out" in markdown


def test_sparse_study_renders_every_absence_honestly(small: ScoredStudy) -> None:
    data = small.model_dump(mode="json", by_alias=True)
    for candidate in data["candidates"]:
        candidate.update(performance=[], faults=[], assessed=[], cost=None, model_vs_measured=[])
    scored = with_changes(small, candidates=data["candidates"], robustness={}, kpis=[], rationale="", warnings=[])
    html = render_scorecard(scored)
    for phrase in (
        "no simulation or load-test results",
        "SMAA not run",
        "critical weights not computed",
        "The study gives no baseline",
        "No fault scenarios were run",
        "no candidate has a cost model",
        "not assessed",
        "robustness not computed",
    ):
        assert phrase in html, phrase
    # With no rationale from scoring, one is composed from the numbers.
    assert "Conductor Engine scores 72.9 of 100, ahead of Event Fabric (67.7)" in html


def test_environment_is_strict_and_escapes() -> None:
    environment = html_environment()
    assert environment.autoescape is True
    with pytest.raises(jinja2.UndefinedError):
        environment.from_string("{{ nothing.here }}").render()
    assert environment.from_string("{{ name }}").render(name="<b>") == "&lt;b&gt;"


def test_markdown_summary_has_ranking_and_provenance(small: ScoredStudy) -> None:
    markdown = render_markdown(small)
    assert markdown.startswith("# Scorecard: E-commerce order fulfilment at Black Friday peak\n")
    assert "**Recommendation: Conductor Engine**" in markdown
    assert "| 3 | Domain Mesh | federated | _incomplete_ (33.4 so far) | knocked out |" in markdown
    assert "`order-fulfillment-20260302-091405-3f1c9a`" in markdown


def test_markdown_provenance_carries_the_runs_notes(small: ScoredStudy) -> None:
    note = "screen: 3 of 36 baseline cells simulated, 33 screened out (analytic)"
    provenance = small.provenance.model_copy(update={"notes": [note]})
    markdown = render_markdown(with_changes(small, provenance=provenance))
    assert f"- Note: {note}" in markdown[markdown.index("## Provenance") :]


def test_importing_the_report_package_is_cheap() -> None:
    import subprocess
    import sys

    code = "import sys, evalkit.report; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("p_best", "change", "level"),
    [
        (0.95, 0.19, "robust"),
        (0.95, 0.07, "moderate"),
        (0.7, 0.3, "moderate"),
        (0.45, 0.3, "fragile"),
        (0.9, 0.02, "fragile"),
    ],
)
def test_robustness_verdict_follows_the_printed_rule(p_best: float, change: float, level: str) -> None:
    from evalkit.report.view import _verdict

    assert _verdict(p_best, {"exists": True, "change": -change})["level"] == level
    assert _verdict(None, {"exists": True, "change": change})["level"] == "unknown"
    assert _verdict(0.9, {"exists": False})["level"] == "robust"  # nothing flips it
