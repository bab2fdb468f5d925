"""The monthly check-in reminder in a review's thread (chat.scheduleMessage): scheduled when a review with
metrics finishes or gets a check-in, withdrawn when it is reopened or cancelled.

Both are outbox rows in the caller's `Mail`: the scheduled message's id is kept in the bot's own table when the
row is delivered (effect `reminder:<post_at>`, `bot.slack.effects`; storage.reminders), not among the review's
answers: it is Slack's state.
"""

from __future__ import annotations

from datetime import datetime

from bot.slack.effects import REMINDER
from bot.slack.outgoing import Mail
from bot.slack.text import escape
from flows.model import Review, utcnow
from flows.ports import THREAD
from flows.service import next_reminder, reminder_text, tracked_metrics
from storage.reminders import SqlScheduledReminders


def schedule_reminder(
    mail: Mail, review: Review, reminders: SqlScheduledReminders, now: datetime | None = None
) -> bool:
    """Schedule the next monthly check-in reminder in the review's thread, once per month; True when a row
    was written."""
    if not (review.channel_id and review.id) or not tracked_metrics(review):
        return False
    post_at = int(next_reminder(now or utcnow()).timestamp())
    noted = reminders.get(review.id)
    if noted is not None and noted.post_at == post_at:
        return False  # already scheduled
    mail.add(
        "chat.scheduleMessage",
        {
            "channel": review.channel_id,
            "thread_ts": review.thread_ts or THREAD,
            "post_at": post_at,
            "text": escape(reminder_text(review)),
        },
        effect=f"{REMINDER}:{post_at}",
    )
    return True


def withdraw_reminder(mail: Mail, review: Review, reminders: SqlScheduledReminders) -> bool:
    """Take back the review's scheduled check-in reminder (it was reopened or cancelled, and its metrics may
    change; finishing again schedules the next one). True when there was one: the caller forgets it
    (`SqlScheduledReminders.forget`)."""
    noted = reminders.get(review.id) if review.id and review.channel_id else None
    if noted is None:
        return False
    if noted.message_id:
        mail.add(
            "chat.deleteScheduledMessage",
            {"channel": review.channel_id, "scheduled_message_id": noted.message_id},
        )
    return True
