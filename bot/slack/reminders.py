"""The monthly check-in reminder in a review's thread (chat.scheduleMessage): scheduled when a review with
metrics finishes or gets a check-in, withdrawn when it is reopened or cancelled.

It needs only the review service and a Web API client, so the presenter and the check-in code both use it
without knowing each other.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.requestlog import slack_error
from bot.slack.text import escape
from flows.checkin import K_REMINDER, next_reminder, reminder_text, tracked_metrics
from flows.model import Review, utcnow
from flows.service import ReviewService

log = logging.getLogger("outsource_review.slack")


def schedule_reminder(
    service: ReviewService, client: WebClient, review: Review, now: datetime | None = None
) -> bool:
    """Schedule the next monthly check-in reminder in the review's thread, once per month; True when scheduled."""
    if not (review.channel_id and review.id) or not tracked_metrics(review):
        return False
    post_at = int(next_reminder(now or utcnow()).timestamp())
    if (review.answers.get(K_REMINDER) or {}).get("post_at") == post_at:
        return False  # already scheduled
    try:
        answer = client.chat_scheduleMessage(
            channel=review.channel_id,
            thread_ts=review.thread_ts,
            post_at=post_at,
            text=escape(reminder_text(review)),
        )
    except SlackApiError as exc:
        log.warning("reminder not scheduled", extra={"error": slack_error(exc)})
        return False
    service.note_reminder(review.id, post_at, str(answer.get("scheduled_message_id") or ""))
    return True


def withdraw_reminder(service: ReviewService, client: WebClient, review: Review) -> bool:
    """Take back the review's scheduled check-in reminder: it was reopened or cancelled, and its metrics may
    change (finishing again schedules the next one). True when none is left scheduled."""
    scheduled = review.answers.get(K_REMINDER) or {}
    if not (review.id and review.channel_id and scheduled):
        return True
    if scheduled.get("id"):
        try:
            client.chat_deleteScheduledMessage(
                channel=review.channel_id, scheduled_message_id=scheduled["id"]
            )
        except SlackApiError as exc:
            if slack_error(exc) != "invalid_scheduled_message_id":  # posted already, or deleted: gone
                log.warning("reminder not withdrawn", extra={"error": slack_error(exc)})
                return False
    service.forget_reminder(review.id)
    return True
