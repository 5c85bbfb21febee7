"""Words: a glossary, explained terms, optional values not in red, plain text in the Markdown."""

from __future__ import annotations

from report_builders import small_study

from evalkit.report import render_scorecard
from evalkit.report.environment import missing
from evalkit.report.glossary import GLOSSARY, explain
from evalkit.report.render import render_markdown


def test_jargon_is_explained_where_it_appears_and_in_the_glossary() -> None:
    html = render_scorecard(small_study())
    glossary = html[html.index('id="glossary"') :]
    for term in ("SMAA", "USL", "knee", "misfit", "CI-optimistic", "σ", "κ", "P(best)"):
        assert "<dt id=" in glossary and f">{term}</dt>" in glossary.replace("&#39;", "'"), term
    performance = html[html.index('id="performance"') : html.index('id="kpis"')]
    assert '<abbr title="Universal Scalability Law' in performance
    assert performance.count("<abbr") >= 5


def test_explain_marks_each_term_once_and_escapes() -> None:
    text = explain("misfit 0.4 (1 = at tolerance); misfit again <b>")
    assert str(text).count("<abbr") == 1 and "&lt;b&gt;" in text
    assert GLOSSARY["misfit"] in str(text)


def test_an_optional_unset_value_is_not_shown_as_an_error() -> None:
    assert 'class="unset"' in missing("not set") and 'class="missing"' in missing("missing")
    data = small_study().model_dump(mode="json", by_alias=True)
    data["slo"]["p99_cycle_time"] = None
    from evalkit.scorecard_data import ScoredStudy

    html = render_scorecard(ScoredStudy.model_validate(data))
    assert '<span class="unset">not set</span>' in html and '<span class="missing">not set</span>' not in html


def test_the_markdown_is_plain_text() -> None:
    data = small_study().model_dump(mode="json", by_alias=True)
    data["candidates"][-1]["performance"][0]["max_sustainable_display"] = "< 1x"
    from evalkit.scorecard_data import ScoredStudy

    markdown = render_markdown(ScoredStudy.model_validate(data))
    assert "| < 1x |" in markdown
    assert "&lt;" not in markdown and "&gt;" not in markdown and "&amp;" not in markdown


def test_terminal_control_characters_in_names_are_shown_as_escapes() -> None:
    from evalkit.commands.terminal import terminal_safe

    hostile = "Engine\x1b]8;;http://evil\x07click\x1b]8;;\x07\x1b[2J\u202etxt.exe"
    shown = terminal_safe(hostile)
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert shown == "Engine\\x1b]8;;http://evil\\x07click\\x1b]8;;\\x07\\x1b[2J\\u202etxt.exe"
    assert terminal_safe("plain name\tok") == "plain name\tok"


def test_bidi_overrides_in_names_are_neutralised_in_the_report() -> None:
    from evalkit.scorecard_data import ScoredStudy

    data = small_study().model_dump(mode="json", by_alias=True)
    data["rationale"] = "Pick \u202eexe.txt\u202c now"
    html = render_scorecard(ScoredStudy.model_validate(data))
    markdown = render_markdown(ScoredStudy.model_validate(data))
    for text in (html, markdown):
        assert "\u202e" not in text and "[U+202E]exe.txt[U+202C]" in text
