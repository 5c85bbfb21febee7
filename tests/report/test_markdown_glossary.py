"""scorecard.md carries the glossary too, in plain text (issue 15 §4)."""

from __future__ import annotations

import re

from report_builders import small_study

from evalkit.report.glossary import GLOSSARY
from evalkit.report.render import render_markdown


def test_the_markdown_has_every_glossary_term_in_plain_text() -> None:
    markdown = render_markdown(small_study())
    section = markdown.split("## Glossary", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("- **")]
    assert len(lines) == len(GLOSSARY)
    assert "- **SMAA**: Stochastic Multicriteria Acceptability Analysis" in section
    assert "- **P(best)**: the share of random weightings (SMAA)" in section
    assert "- **USL**: Universal Scalability Law: throughput X(N) = λN / (1 + σ(N−1) + κN(N−1))" in section
    assert "p95 ≤ 3 s" in section  # written as is, not as an entity
    assert not re.search(r"&[a-z]+;|&#\d+;|<[a-z/]", section), section
    assert markdown.index("## Glossary") < markdown.index("## Provenance")
