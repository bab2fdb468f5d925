"""Put the parts together: the database named by the settings, migrated, behind the review service."""

from __future__ import annotations

from flows.service import ReviewService, report_if_finished
from storage.db import make_engine
from storage.migrate import ensure_schema
from storage.repository import SqlReviewStore


def open_store(database_url: str | None) -> SqlReviewStore:
    """The store on the database at `database_url` (default: a SQLite file in the user's data folder), migrated."""
    engine = make_engine(database_url)
    ensure_schema(engine)
    return SqlReviewStore(engine, outcome=report_if_finished)


def open_service(database_url: str | None) -> ReviewService:
    return ReviewService(open_store(database_url))
