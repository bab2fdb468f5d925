"""The only Web API calls made while Slack waits for its HTTP answer: opening a form (views.open needs the
click's trigger_id within 3 seconds) and the access checks' reads (`bot.slack.access`). Both go through a
client with a short timeout and no retries (`quick`), so a slow or rate-limited Slack costs a request at most
`QUICK_TIMEOUT` seconds; everything else a request causes goes through the outbox."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.requestlog import note, slack_error

log = logging.getLogger("outsource_review.slack")

QUICK_TIMEOUT = 2  # seconds; Slack gives up on the request at 3


def quick(client: WebClient) -> WebClient:
    """`client`'s token and address, with a short timeout and no retry handlers."""
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=QUICK_TIMEOUT,
        retry_handlers=[],
        logger=client.logger,
    )


def open_view(client: WebClient, trigger_id: str, view: dict[str, Any]) -> bool:
    """Open a modal now; False (logged) when Slack refused or did not answer in time."""
    try:
        quick(client).views_open(trigger_id=trigger_id, view=view)
        return True
    except SlackApiError as exc:
        error = slack_error(exc)
    except (SlackClientError, OSError) as exc:
        error = type(exc).__name__
    log.warning("views.open failed error=%s", error)
    note(slack_error=error)
    return False
