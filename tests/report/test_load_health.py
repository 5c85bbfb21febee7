"""A load stage's own health reaches the page: errors by class, back-pressure, cost, resolution."""

from __future__ import annotations

import re

from evalkit.analysis import analyse
from evalkit.report import render_scorecard
from evalkit.results import ResultTable, observations
from evalkit.scorecard_data import ScoredStudy
from evalkit.study import load_study

STUDY = load_study("scenarios/order-fulfillment.yaml")


def test_the_analysis_keeps_a_load_stage_s_health_and_only_a_load_stage_s() -> None:
    metrics = {"cycle_time_p95": 1.0, "completed": 400.0, "started": 420.0, "error_rate": 0.02,
               "errors_http_5xx": 7.0, "errors_read_timeout": 0.0, "rejected_share": 0.05,
               "requests_per_workflow": 3.5, "client_resolution": 0.0004}  # fmt: skip
    rows = observations(source="load", candidate="Event Fabric", design="event-driven", scenario="baseline",
                        multiple=1.0, replication=0, metrics=metrics)  # fmt: skip
    rows += observations(source="sim", candidate="Event Fabric", design="event-driven", scenario="baseline",
                         multiple=1.0, replication=0, metrics={"cycle_time_p95": 1.0, "completed": 400.0})  # fmt: skip
    found = analyse(STUDY, ResultTable.from_observations(rows)).candidates["Event Fabric"]
    load_point = found.sources["load"].record(STUDY).curve[0]
    assert load_point.load is not None
    assert load_point.load.errors == {"http_5xx": 7.0}  # a zero class is not listed
    assert load_point.load.rejected_share == 0.05 and load_point.load.resolution == 0.0004
    assert found.sources["sim"].record(STUDY).curve[0].load is None


def test_the_page_shows_the_load_health_table(small: ScoredStudy) -> None:
    data = small.model_dump(mode="json", by_alias=True)
    candidate = next(c for c in data["candidates"] if any(p["source"] == "load" for p in c["performance"]))
    performance = next(p for p in candidate["performance"] if p["source"] == "load")
    performance["curve"][0]["load"] = {"rejected_share": 0.125, "errors": {"connection_refused": 3.0},
                                       "requests_per_workflow": 4.0, "resolution": 0.0004}  # fmt: skip
    html = render_scorecard(ScoredStudy.model_validate(data))
    table = html[html.index('id="load-health"') : html.index("</table>", html.index('id="load-health"'))]
    text = re.sub(r"<[^>]+>", " ", table)
    assert candidate["name"] in text and "12.5%" in text and "connection refused 3" in text
    assert "4.00" in text and "400 µs" in text.replace("0.4 ms", "400 µs")
