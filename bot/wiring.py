"""Put the parts together: the database named by the settings, migrated, behind the review service."""

from __future__ import annotations

from flows.interview import build_report
from flows.method import Stage
from flows.model import Review
from flows.report import Report
from flows.service import ReviewService
from storage.db import make_engine
from storage.migrate import ensure_schema
from storage.repository import SqlReviewStore


def report_if_finished(review: Review) -> Report | None:
    """For storage's projection: the report of a finished review, None before (no projection then).

    The projection answers questions across a workspace's finished reviews (what they shortlisted). Kept for
    open reviews too, it was rewritten on every answer from step 7 on: 300 processes rated by 10 people are
    18,000 rating rows, deleted and inserted twice an answer."""
    if review.state is not Stage.DONE:
        return None
    try:
        return build_report(review)
    except (ValueError, KeyError):
        return None


def open_store(database_url: str | None) -> SqlReviewStore:
    """The store on the database at `database_url` (default: a SQLite file in the user's data folder), migrated."""
    engine = make_engine(database_url)
    ensure_schema(engine)
    return SqlReviewStore(engine, outcome=report_if_finished)


def open_service(database_url: str | None) -> ReviewService:
    return ReviewService(open_store(database_url))
