"""The check-in reminders scheduled in Slack, one per review at most (table scheduled_reminder).

Slack's own state: what `bot.slack.reminders` scheduled, so it schedules a month's reminder once and can
withdraw it. Kept beside the reviews, not among their answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import delete, select

from storage.db import writing
from storage.tables import ScheduledReminderRow

_TABLE = ScheduledReminderRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ScheduledReminder:
    post_at: int  # when Slack posts it, in seconds since the epoch
    message_id: str | None  # Slack's scheduled_message_id (None when Slack gave none)


class SqlScheduledReminders:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, review_id: str) -> ScheduledReminder | None:
        query = select(_TABLE.c.post_at, _TABLE.c.message_id).where(_TABLE.c.review_id == review_id)
        with self.engine.connect() as session:
            row = session.execute(query).first()
        return ScheduledReminder(int(row.post_at), row.message_id) if row is not None else None

    def note(self, review_id: str, post_at: int, message_id: str | None) -> None:
        """Remember the review's scheduled reminder, in place of the one before."""
        values = {"review_id": review_id, "post_at": post_at, "message_id": message_id}
        with writing(self.engine) as session:
            session.execute(_upsert(self.engine.dialect.name), values)

    def forget(self, review_id: str) -> None:
        """Forget the review's scheduled reminder (withdrawn): the next one is scheduled afresh."""
        with writing(self.engine) as session:
            session.execute(delete(_TABLE).where(_TABLE.c.review_id == review_id))


def reminders_beside(store: object) -> SqlScheduledReminders:
    """The reminders kept in the database of `store` (a `SqlReviewStore`, which has the engine)."""
    engine = getattr(store, "engine", None)
    if not isinstance(engine, Engine):
        raise ValueError("Slack's scheduled reminders are kept in the review store's database")
    return SqlScheduledReminders(engine)


@cache
def _upsert(dialect: str) -> Any:
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(_TABLE)
    return insert.on_conflict_do_update(
        index_elements=[_TABLE.c.review_id],
        set_={"post_at": insert.excluded.post_at, "message_id": insert.excluded.message_id},
    )
