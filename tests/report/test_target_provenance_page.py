"""Each load-tested target reaches the page: its base URL with the engine version, and its poll bias."""

from __future__ import annotations

import re

from evalkit.report import render_markdown, render_scorecard
from evalkit.scorecard_data import ScoredStudy

TARGETS = [
    {"candidate": "Temporal", "base_url": "http://127.0.0.1:7243", "kind": "measured", "kit": "temporal",
     "engine_version": "1.32.0", "version_source": "GET /api/v1/system-info (serverVersion)", "poll_interval": 0.1},
    {"candidate": "Reference", "base_url": "http://127.0.0.1:9999", "kind": "emulated"},
]  # fmt: skip


def _with_targets(small: ScoredStudy) -> ScoredStudy:
    data = small.model_dump(mode="json", by_alias=True)
    data["provenance"]["targets"] = TARGETS
    return ScoredStudy.model_validate(data)


def test_the_provenance_shows_each_target_s_base_url_beside_its_engine_version(small: ScoredStudy) -> None:
    scored = _with_targets(small)
    html = render_scorecard(scored)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Temporal: http://127.0.0.1:7243 (measured; engine 1.32.0, from GET /api/v1/system-info" in text
    assert "Reference: http://127.0.0.1:9999 (emulated)" in text
    markdown = render_markdown(scored)
    assert "Target of Temporal: http://127.0.0.1:7243 (measured; engine 1.32.0" in markdown


def test_a_run_without_targets_renders_as_before(small: ScoredStudy) -> None:
    assert "Targets" not in re.sub(r"<[^>]+>", " ", render_scorecard(small))


def test_the_performance_section_states_each_polling_target_s_bias(small: ScoredStudy) -> None:
    html = render_scorecard(_with_targets(small))
    performance = html[html.index('id="performance"') : html.index('id="kpis"')]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", performance))
    assert (
        "Temporal (measured): completion times are known to within one poll interval (100 ms); "
        "measured cycle times may be up to 100 ms late." in text
    )
    assert "Reference (emulated): completion" not in text  # synchronous: no poll, no such bias
