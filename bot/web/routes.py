"""`GET /report/<token>` (the page) and `GET /report/<token>/chart.png` (its chart), as served by `serve`.

A link that was tampered with, has expired or was withdrawn, or names a review that is gone or has no report
yet, gets the same short 404: the page never says which, so a link cannot be probed. Every answer is kept out
of caches and search engines and sends no referrer.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from bot.charts import priority_chart  # matplotlib itself loads with the first chart
from bot.config import Settings
from bot.web.links import REPORT_PATH, link_key, read_token, still_valid
from bot.web.page import content_security_policy, render_page
from flows.model import Review, utcnow
from flows.report import Report
from flows.service import ReviewNotFound, ReviewService

log = logging.getLogger("bot.web")

CHART = "chart.png"
CHARTS_KEPT = 8
PRIVATE_HEADERS = [
    ("Cache-Control", "no-store"),
    ("X-Robots-Tag", "noindex, nofollow"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
]
NOT_FOUND = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Report not found</title></head>'
    "<body><h1>This report link does not work</h1><p>It may have expired or been withdrawn. Ask the review's "
    "facilitator for a new one.</p></body></html>"
)
NOT_FOUND_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def is_report_path(path: str) -> bool:
    return path.startswith(REPORT_PATH)


class Charts:
    """The last few charts drawn, by review and version: a chart takes seconds at hundreds of processes
    (3 s at 300, 11 s at 1,000; docs/performance.md, figure 8), and everyone who opens the page asks for it."""

    def __init__(self, keep: int = CHARTS_KEPT) -> None:
        self._drawn: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._keep = keep

    def png(self, review: Review, report: Report) -> bytes:
        key = (review.id or "", review.version)
        with self._lock:
            if key in self._drawn:
                self._drawn.move_to_end(key)
                return self._drawn[key]
        png = priority_chart(report)
        with self._lock:
            self._drawn[key] = png
            while len(self._drawn) > self._keep:
                self._drawn.popitem(last=False)
        return png


def report_pages(settings: Settings, service: ReviewService) -> WSGIApp:
    """The WSGI app for paths under /report/ (`build_wsgi` sends them here)."""
    key = link_key(settings)
    charts = Charts()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "")
        token, _, rest = path[len(REPORT_PATH) :].partition("/")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or rest not in ("", CHART) or key is None:
            return _not_found(start_response)
        found = _report(service, key, token)
        if found is None:
            return _not_found(start_response)
        review, report = found
        if rest == CHART:
            try:
                png = charts.png(review, report)
            except Exception:
                log.exception("the priority chart could not be drawn")
                return _not_found(start_response)
            return _answer(start_response, "image/png", png)
        page = render_page(report, chart_url=f"{token}/{CHART}", made_at=utcnow())
        return _answer(start_response, "text/html; charset=utf-8", page.encode(), content_security_policy())

    return app


def _report(service: ReviewService, key: bytes, token: str) -> tuple[Review, Report] | None:
    """The review the token is good for and its full report, or None."""
    claim = read_token(key, token)
    if claim is None:
        return None
    try:
        review = service.load(claim.review_id)
        if not still_valid(claim, review) or not service.has_report(review):
            return None
        return review, service.full_report(review)
    except (ReviewNotFound, ValueError):
        return None


def _answer(
    start_response: Callable[..., Any], content_type: str, body: bytes, policy: str | None = None
) -> list[bytes]:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), *PRIVATE_HEADERS]
    if policy:
        headers.append(("Content-Security-Policy", policy))
    start_response("200 OK", headers)
    return [body]


def _not_found(start_response: Callable[..., Any]) -> list[bytes]:
    body = NOT_FOUND.encode()
    start_response(
        "404 Not Found",
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Content-Security-Policy", NOT_FOUND_POLICY),
            *PRIVATE_HEADERS,
        ],
    )
    return [body]
