"""Reports: the self-contained HTML scorecard, its Markdown summary, and comparisons of runs.

A report is what an architect forwards to a steering committee, so it must be one file that opens
anywhere, offline, with no scripts and no network requests (a Content-Security-Policy forbids
them), that prints well, and whose every number can be traced to the scored data. The renderers
receive ``ScoredStudy`` records, and the view, the charts and the templates read those typed
records by attribute; charts are inline SVG drawn by matplotlib.

    render_scorecard(scored)           -> HTML text
    render_markdown(scored)            -> Markdown text
    render_comparison(runs, ...)       -> HTML text comparing two or more scored runs
    write_reports(run)                 -> path of scorecard.html (scorecard.md written beside it)
"""

from evalkit.report.comparison import render_comparison
from evalkit.report.render import SECTIONS, render_markdown, render_scorecard, write_reports

__all__ = ["SECTIONS", "render_comparison", "render_markdown", "render_scorecard", "write_reports"]
