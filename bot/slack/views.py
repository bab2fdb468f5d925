"""The only Web API calls made while Slack waits for its HTTP answer: opening a form (views.open needs the
click's trigger_id within 3 seconds) and the access checks' reads (`bot.slack.access`). Both go through a
client with a short timeout and no retries; everything else a request causes goes through the outbox.

- `quick` (views.open): `QUICK_TIMEOUT` seconds, as the trigger_id lives 3 seconds.
- `checking` (users.info; and how long a request may wait for a channel's member list, which is read in the
  background, `unhurried`): CHECK_TIMEOUT seconds a call, and no later than `CHECK_BUDGET` seconds after the
  request's dispatch began, so that a request is answered within a second even when Slack is slow; with no
  time left the call is not made. The access checks treat no answer as "could not check" (nothing is done,
  the person is asked to try again) or "not an admin": never as a yes.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.requestlog import elapsed, note, slack_error

log = logging.getLogger("outsource_review.slack")

QUICK_TIMEOUT = 2  # seconds; Slack gives up on the request at 3
CHECK_BUDGET = 0.8  # seconds from a request's start by which its access checks end: answered within 1 s
CHECK_TIMEOUT = 0.7  # seconds one access check's call may take, at most
MIN_CHECK = 0.05  # seconds: with less left, Slack is not asked at all
LOOKUP_TIMEOUT = 10  # seconds a member list may take, read on after its request has moved on


class NoTimeLeft(SlackClientError):
    """The request has used up its time for access checks: Slack is not asked."""


def quick(client: WebClient, timeout: float = QUICK_TIMEOUT) -> WebClient:
    """`client`'s token and address, with a short timeout and no retry handlers."""
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=timeout,  # type: ignore[arg-type]  # urllib takes a float; slack_sdk's hint says int
        retry_handlers=[],
        logger=client.logger,
    )


def check_timeout(budget: float = CHECK_BUDGET) -> float:
    """Seconds an access check's call may take now: what is left of `budget` in the current request (all of
    it outside a request). NoTimeLeft when less than MIN_CHECK is."""
    spent = elapsed() or 0.0
    left = budget - spent
    if left < MIN_CHECK:
        raise NoTimeLeft(f"no time left for an access check ({spent:.2f}s spent)")
    return min(left, CHECK_TIMEOUT)


class Checking:
    """`client` for access checks: each call gets what is left of the request's CHECK_BUDGET as its timeout
    (`check_timeout`)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def users_info(self, **kwargs: Any) -> Any:
        return quick(self.client, check_timeout()).users_info(**kwargs)

    def time_left(self) -> float:
        """Seconds the request may still wait for a check (0 when it has none left)."""
        try:
            return check_timeout()
        except NoTimeLeft:
            return 0.0

    def unhurried(self) -> WebClient:
        """A client for a read that goes on after the request has been answered (a channel's member list,
        kept for the requests that follow)."""
        return quick(self.client, LOOKUP_TIMEOUT)


def checking(client: WebClient) -> Checking:
    return Checking(client)


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
