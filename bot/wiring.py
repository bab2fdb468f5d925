"""Put the parts together: the database named by the settings, migrated, behind the review service."""

from __future__ import annotations

from flows.interview import build_report
from flows.model import Review
from flows.report import Report
from flows.service import ReviewService
from storage.db import make_engine
from storage.migrate import ensure_schema
from storage.repository import SqlReviewStore


def report_if_ready(review: Review) -> Report | None:
    """The report once every remaining candidate is rated; None before (storage keeps no projection then)."""
    try:
        return build_report(review)
    except (ValueError, KeyError):
        return None


def open_service(database_url: str | None) -> ReviewService:
    engine = make_engine(database_url)
    ensure_schema(engine)
    return ReviewService(SqlReviewStore(engine, outcome=report_if_ready))
