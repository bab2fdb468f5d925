"""One claimed outbox row, from its claim to its end: sent and marked done, or, as its failure says
(`bot.slack.failures`), put back for a 429 (its channel paused), tried again later, or failed with one log
line and a word to the person who asked (the row's `response_url`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import aiohttp

from bot.slack.effects import apply_failure
from bot.slack.failures import (
    AUTH_PROBLEMS,
    MAX_ATTEMPTS,
    DeliveryError,
    backoff,
    classify,
    expected,
    fix_for,
    told,
)
from bot.slack.sending import RESPONSE_URL, Sender
from storage.outbox import Delivered, OutboxRow

log = logging.getLogger("bot.slack.delivery")


async def deliver(
    sender: Sender,
    session: aiohttp.ClientSession,
    row: OutboxRow,
    sent: Callable[[Delivered], None],
) -> None:
    """Send `row` and settle it; nothing raises (a row left unsettled is taken again after its lease). A row
    sent goes to `sent`, to be marked done by the loop's next claim, in its transaction (`SqlOutbox.claim`);
    the other endings are written at once."""
    try:
        try:
            result = await sender.send(row)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not expected(exc):
                log.exception("delivering outbox row %s raised", row.id)
            await _failed(sender, session, row, classify(exc))
        else:
            sent((row, result))
    except asyncio.CancelledError:
        raise
    except Exception:  # the database: the row's lease runs out and it is delivered again, once
        log.exception("settling outbox row %s failed", row.id)


async def _failed(
    sender: Sender, session: aiohttp.ClientSession, row: OutboxRow, failure: DeliveryError
) -> None:
    if failure.retry_after is not None:
        await sender.blocking(
            sender.outbox.pause, row.pace or f"{row.team_id}:{row.method}", failure.retry_after
        )
        await sender.blocking(sender.outbox.postpone, row, failure.retry_after)
        log.info("rate limited method=%s pace=%s retry_after=%s", row.method, row.pace, failure.retry_after)
    elif failure.permanent or row.attempts >= MAX_ATTEMPTS:
        await sender.blocking(sender.outbox.fail, row, failure.error)
        await sender.blocking(apply_failure, sender.service, row.review_id, row.effect)
        level = logging.ERROR if failure.error in AUTH_PROBLEMS else logging.WARNING
        log.log(
            level,
            "delivery failed method=%s team=%s review=%s error=%s attempts=%d: %s",
            row.method,
            row.team_id,
            row.review_id,
            failure.error,
            row.attempts,
            fix_for(failure.error),
        )
        url = row.args.get(RESPONSE_URL)
        if url:
            await tell(session, str(url), told(failure.error))
    else:
        delay = backoff(row.attempts)
        await sender.blocking(sender.outbox.retry, row, failure.error, delay)
        log.info("delivery will be tried again method=%s error=%s in=%ss", row.method, failure.error, delay)


async def tell(session: aiohttp.ClientSession, url: str, text: str) -> None:
    """Say `text` to the person through a slash command's response_url (only they see it)."""
    message: dict[str, Any] = {"response_type": "ephemeral", "replace_original": False, "text": text}
    try:
        async with session.post(url, json=message) as answer:
            if answer.status >= 400:
                log.warning("telling the person failed status=%s", answer.status)
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("telling the person failed error=%s", type(exc).__name__)
