"""The report's files, drawn when they are delivered: outbox rows name them instead of carrying the bytes.

    Outgoing(REPORT_CHART, {"channel": C}, ...)                              the priority chart (PNG)
    Outgoing(REPORT_FILE, {"channel": C, "thread_ts": THREAD, "fmt": "md"}, ...)  the report as a file

`upload_for` draws the file from the review as it is at delivery and answers files_upload_v2's arguments; the
Markdown refers to people (`flows.people`), whom the sender names as Slack does (`bot.slack.people.with_names`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.charts import priority_alt_text, priority_chart  # matplotlib itself loads with the first chart
from bot.slack.failures import DeliveryError
from bot.slack.text import escape, slug
from flows.people import person
from flows.render import RENDERERS, render_markdown
from flows.service import ReviewNotFound, ReviewService

log = logging.getLogger("bot.slack.delivery")

REPORT_CHART = "report.chart"
REPORT_FILE = "report.file"
UPLOADS = (REPORT_CHART, REPORT_FILE)
CHART_COMMENT = (
    "Benefits against risk for the shortlist: bigger points score higher, "
    "orange ranks are fragile (see *How stable is this ranking?*)."
)


def upload_for(
    service: ReviewService, method: str, review_id: str | None, args: Mapping[str, Any]
) -> dict[str, Any]:
    """files_upload_v2's arguments for a REPORT_CHART or REPORT_FILE row; DeliveryError when there is nothing
    to upload (no such review, no report yet, an unknown format, a chart that cannot be drawn)."""
    try:
        review = service.load(review_id or "")
        if not service.has_report(review):
            raise ValueError("no report yet")
        report = service.full_report(review)
    except (ReviewNotFound, ValueError):
        raise DeliveryError("report_not_ready", permanent=True) from None
    where = {k: args[k] for k in ("channel", "thread_ts") if args.get(k)}
    name = slug(review.title or "review", 40, "review")
    if method == REPORT_CHART:
        try:
            png = priority_chart(report)
        except Exception:
            log.exception("the priority chart could not be drawn review=%s", review_id)
            raise DeliveryError("chart_not_drawn", permanent=True) from None
        return {
            **where,
            "file": png,
            "filename": f"{name}-priority.png",
            "title": f"Priority chart: {review.title or 'review'}",
            "alt_txt": priority_alt_text(report),
            "initial_comment": CHART_COMMENT,
        }
    fmt = str(args.get("fmt") or "md")
    if fmt not in RENDERERS:
        raise DeliveryError("unknown_format", permanent=True)
    return {
        **where,
        "content": render_markdown(report, name=person) if fmt == "md" else RENDERERS[fmt](report),
        "filename": f"{name}.{fmt}",
        "title": f"Outsource review: {review.title or 'report'} ({fmt})",
        "initial_comment": f"The full report for *{escape(review.title or 'this review')}*.",
    }
