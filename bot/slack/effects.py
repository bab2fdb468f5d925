"""What a delivered outbox row records afterwards (its `effect`), through the review service.

- `thread`: the message is the review's kickoff; its ts becomes the review's thread.
- `posted:<edition>`: the message is that question; the review keeps Slack's time of it (`posted_at`), as long
  as that question is still the one marked posted (the save that wrote the row marked it).
- `reminder:<post_at>`: the check-in reminder is scheduled; the bot keeps its id (storage.reminders), so it is
  scheduled once.

Each runs before the row is marked done, and may run twice (a crash in between): each is idempotent.

A row that fails for good has one consequence too (`apply_failure`): a review whose kickoff Slack refused (the
bot is not in the channel, the channel is archived) never started: it is cancelled, so the channel has no
review hanging without a thread, and the person who asked is told why (the row's response_url).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from flows.service import ReviewNotFound, ReviewService
from storage.reminders import reminders_beside

log = logging.getLogger("bot.slack.delivery")

THREAD = "thread"
POSTED = "posted"
REMINDER = "reminder"


def apply_effect(
    service: ReviewService, review_id: str | None, effect: str | None, result: Mapping[str, Any]
) -> None:
    if not effect or not review_id:
        return
    kind, _, value = effect.partition(":")
    if kind == THREAD:
        attach_thread(service, review_id, str(result["channel"]), str(result["ts"]))
    elif kind == POSTED:
        stamp_posted(service, review_id, value, slack_time(result.get("ts")))
    elif kind == REMINDER:
        reminders_beside(service.store).note(review_id, int(value), result.get("scheduled_message_id"))
    else:
        log.warning("unknown delivery effect=%s review=%s: ignored", kind, review_id)


def apply_failure(service: ReviewService, review_id: str | None, effect: str | None) -> None:
    if effect != THREAD or not review_id:
        return
    try:
        review = service.load(review_id)
    except ReviewNotFound:
        return
    if review.is_open and not review.thread_ts:
        service.cancel(review_id, review.facilitator)
        log.info("review=%s cancelled: its kickoff could not be posted", review_id)


def attach_thread(service: ReviewService, review_id: str, channel: str, ts: str) -> None:
    review = service.load(review_id)
    if (review.channel_id, review.thread_ts) != (channel, ts):
        service.attach_thread(review, channel, ts)


def stamp_posted(service: ReviewService, review_id: str, edition: str, posted_at: datetime | None) -> None:
    """Slack's time of the question's post, kept while the question is still the one marked posted."""
    if posted_at is not None:
        service.stamp_posted(review_id, edition, posted_at)


def slack_time(ts: object) -> datetime | None:
    """A Slack ts ("1764859200.123456": seconds since the epoch) as a time; None when it is not one."""
    seconds, _, micros = str(ts or "").partition(".")
    if not (seconds.isdigit() and (micros.isdigit() or not micros) and len(micros) <= 6):
        return None
    return datetime.fromtimestamp(int(seconds), UTC) + timedelta(microseconds=int(micros.ljust(6, "0")))
