"""Slack's scheduled check-in reminders, kept beside the reviews (storage.reminders)."""

import pytest
from sqlalchemy import Engine

from flows.model import Review
from storage.reminders import ScheduledReminder, reminders_beside
from storage.repository import SqlReviewStore


def test_the_next_reminder_is_remembered_in_place_of_the_one_before_and_forgotten(engine: Engine) -> None:
    store = SqlReviewStore(engine)
    review = store.create(Review(title="Q3", facilitator="ana"))
    rid = review.id or ""
    reminders = reminders_beside(store)
    assert reminders.get(rid) is None

    reminders.note(rid, 1_800_000_000, "Q123")
    reminders.note(rid, 1_800_000_000, "Q123")  # a delivery's effect may run twice
    assert reminders.get(rid) == ScheduledReminder(1_800_000_000, "Q123")
    reminders.note(rid, 1_900_000_000, None)
    assert reminders.get(rid) == ScheduledReminder(1_900_000_000, None)
    after = store.get(rid)
    assert after is not None and after.answers == {} and after.version == review.version  # not the review's

    reminders.forget(rid)
    reminders.forget(rid)
    assert reminders.get(rid) is None


def test_only_a_store_with_a_database_keeps_them() -> None:
    with pytest.raises(ValueError, match="database"):
        reminders_beside(object())
