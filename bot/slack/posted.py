"""Exactly once as Slack shows it: every message the outbox posts carries its row's key in its metadata, so a
try after a crash (the post may have reached Slack before the row was marked done) first looks for the key.

It looks where the post would be: among the thread's replies for a post in a thread, else in the channel's
history, from a little before the row was written. A message is found only with `include_all_metadata`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.failures import classify

log = logging.getLogger("bot.slack.delivery")

EVENT_TYPE = "outsource_review_post"
CLOCK_SKEW = 60.0  # seconds: Slack's clock and ours may disagree a little
PAGE = 200
MAX_PAGES = 20


def metadata_for(key: str) -> dict[str, Any]:
    """The message metadata that marks a post as the delivery of the outbox row with `key`."""
    return {"event_type": EVENT_TYPE, "event_payload": {"key": key}}


def carries(message: dict[str, Any], key: str) -> bool:
    metadata = message.get("metadata") or {}
    return (
        metadata.get("event_type") == EVENT_TYPE and (metadata.get("event_payload") or {}).get("key") == key
    )


async def find_posted(
    client: AsyncWebClient, channel: str, key: str, since: datetime, thread_ts: str | None = None
) -> dict[str, Any] | None:
    """{"channel", "ts"} of the message carrying `key`, or None. A lookup Slack refuses (no access to the
    history, no such thread) counts as not found: the post is made, and Slack gives the real answer then.
    A lookup that fails for a moment (5xx, network) raises, and the row is tried again later."""
    oldest = f"{since.timestamp() - CLOCK_SKEW:.6f}"
    options: dict[str, Any] = {"channel": channel, "oldest": oldest, "include_all_metadata": True}
    try:
        if thread_ts:
            first = await client.conversations_replies(ts=thread_ts, limit=PAGE, **options)
        else:
            first = await client.conversations_history(limit=PAGE, **options)
        pages = 0
        async for page in first:
            for message in page.get("messages") or []:
                if carries(message, key):
                    return {"channel": page.get("channel") or channel, "ts": message["ts"]}
            pages += 1
            if pages >= MAX_PAGES:
                break
    except Exception as exc:
        failure = classify(exc)
        if not failure.permanent:
            raise
        log.info("looking for an earlier post failed error=%s: posting it", failure.error)
    return None
