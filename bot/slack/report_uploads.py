"""The report's files, drawn when they are delivered: outbox rows name them instead of carrying the bytes.

    Outgoing(REPORT_CHART, {"channel": C}, ...)                              the priority chart (PNG)
    Outgoing(REPORT_FILE, {"channel": C, "thread_ts": THREAD, "fmt": "md"}, ...)  the report as a file
    Outgoing(CHECKIN_CHART, {"channel": C, "thread_ts": THREAD, "process": P, "metric": M})  a metric by month

`upload_for` draws the file from the review as it is at delivery and answers files_upload_v2's arguments; the
Markdown refers to people (`flows.people`), whom the sender names as Slack does (`bot.slack.people.with_names`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.charts import (  # matplotlib itself loads with the first chart
    metrics_chart,
    priority_alt_text,
    priority_chart,
)
from bot.slack.failures import DeliveryError
from bot.slack.text import escape, shorten, slug
from flows.people import person
from flows.render import RENDERERS, render_markdown
from flows.service import ReviewNotFound, ReviewService, series, tracked_metrics

log = logging.getLogger("bot.slack.delivery")

REPORT_CHART = "report.chart"
REPORT_FILE = "report.file"
CHECKIN_CHART = "checkin.chart"
UPLOADS = (REPORT_CHART, REPORT_FILE, CHECKIN_CHART)
CHART_COMMENT = (
    "Benefits against risk for the shortlist: bigger points score higher, "
    "orange ranks are fragile (see *How stable is this ranking?* in the full report)."
)


def upload_for(
    service: ReviewService, method: str, review_id: str | None, args: Mapping[str, Any]
) -> dict[str, Any]:
    """files_upload_v2's arguments for a REPORT_CHART or REPORT_FILE row; DeliveryError when there is nothing
    to upload (no such review, no report yet, an unknown format, a chart that cannot be drawn)."""
    if method == CHECKIN_CHART:
        return _checkin_chart(service, review_id, args)
    try:
        review = service.load(review_id or "")
        if not service.report_ready(review):
            raise ValueError("no report yet")
        report = service.full_report(review)
    except (ReviewNotFound, ValueError):
        raise DeliveryError("report_not_ready", permanent=True) from None
    where = _where(args)
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


def _checkin_chart(service: ReviewService, review_id: str | None, args: Mapping[str, Any]) -> dict[str, Any]:
    """A checked-in metric's values by month, with its baseline, target and warning level."""
    try:
        review = service.load(review_id or "")
    except ReviewNotFound:
        raise DeliveryError("review_not_found", permanent=True) from None
    process, metric = str(args.get("process") or ""), str(args.get("metric") or "")
    item = next((t for t in tracked_metrics(review) if (t.process, t.metric.name) == (process, metric)), None)
    if item is None:
        raise DeliveryError("metric_not_found", permanent=True)
    values = series(review, process, metric)
    try:
        png = metrics_chart(
            process,
            metric,
            item.metric.baseline,
            item.metric.target,
            item.metric.warn_at,
            [(r.period, r.value) for r in values],
        )
    except Exception:
        log.exception("the metric chart could not be drawn review=%s", review_id)
        raise DeliveryError("chart_not_drawn", permanent=True) from None
    return {
        **_where(args),
        "content": png,
        "filename": f"{slug(f'{process}-{metric}', 60, 'metric')}.png",
        "title": shorten(f"{process}: {metric}", 250),
        "alt_txt": shorten(f"Chart of {metric} for {process} by month", 1000),
    }


def _where(args: Mapping[str, Any]) -> dict[str, Any]:
    """Where a row's file goes: its channel, and its thread when it names one."""
    return {k: args[k] for k in ("channel", "thread_ts") if args.get(k)}
