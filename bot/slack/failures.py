"""What a failed delivery means: wait (a 429), try again later (Slack or the network had a bad moment), or
give up (Slack refused, and will refuse again). `classify` turns what a Web API call raised into one of these.

A refusal Slack answers with HTTP 200 (`{"ok": false, "error": ...}`) is permanent unless it is one of
Slack's own transient errors: asking again the same way gets the same answer.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

MAX_ATTEMPTS = 20
MAX_BACKOFF = 300.0
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
AUTH_PROBLEMS = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed", "no_token"})

# What to do about a refusal, for the log line.
FIXES = {
    "not_in_channel": "invite the bot to the channel (/invite @Outsource Review)",
    "channel_not_found": "the channel is gone or the bot cannot see it; invite the bot",
    "is_archived": "the channel is archived; unarchive it or start the review elsewhere",
    "invalid_auth": "the bot token is not valid; check SLACK_BOT_TOKEN or reinstall the app",
    "token_revoked": "the workspace revoked the bot token; reinstall the app",
    "account_inactive": "the workspace deactivated the bot; reinstall the app",
    "not_authed": "no bot token; check SLACK_BOT_TOKEN or reinstall the app",
    "no_token": "no bot token for this workspace; install the app again",
    "missing_scope": "the app lacks a scope; update it from manifest.yml and reinstall",
    "no_thread": "the review's first message could not be posted",
}

# The same, in plain words for the person who asked (through the slash command's response_url).
TOLD = {
    "not_in_channel": "I'm not in this channel yet. Invite me with `/invite @Outsource Review` (or from the "
    "channel's Integrations settings), then run the command again.",
    "channel_not_found": "I can't see this channel. Invite me with `/invite @Outsource Review`, then run the "
    "command again.",
    "is_archived": "This channel is archived, so I can't post here. Try another channel.",
    "missing_scope": "I'm missing a permission for this. Ask an admin to reinstall the app.",
}
TOLD_AUTH = "I can't reach this workspace any more. Ask an admin to reinstall the app."
TOLD_OTHER = "Sorry, I couldn't post that to Slack. Please try again."


class DeliveryError(Exception):
    """A delivery that did not get through: `error` is Slack's error code (or ours, like `no_token`)."""

    def __init__(self, error: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.permanent = permanent
        self.retry_after = retry_after  # set for a 429: wait this long, it is not the row's fault

    @property
    def rate_limited(self) -> bool:
        return self.retry_after is not None


def fix_for(error: str) -> str:
    """What to do about a permanent failure, for its log line."""
    return FIXES.get(error, "Slack refused it; see the error")


def told(error: str) -> str:
    """A permanent failure in plain words, for the person who asked."""
    return TOLD_AUTH if error in AUTH_PROBLEMS else TOLD.get(error, TOLD_OTHER)


def expected(exc: BaseException) -> bool:
    """Whether `exc` is Slack's or the network's doing (anything else is a bug of ours, logged in full)."""
    return isinstance(exc, DeliveryError | SlackApiError | aiohttp.ClientError | TimeoutError | OSError)


def classify(exc: BaseException) -> DeliveryError:
    """What a Web API call's exception means for its row."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, SlackApiError):
        return _answered(exc)
    if isinstance(exc, aiohttp.ClientError | TimeoutError | OSError):
        return DeliveryError(type(exc).__name__, permanent=False)
    if isinstance(exc, SlackClientError):  # a request slack_sdk would not even send
        return DeliveryError(type(exc).__name__, permanent=True)
    return DeliveryError(type(exc).__name__, permanent=False)  # our own bug: a fixed restart delivers it


def _answered(exc: SlackApiError) -> DeliveryError:
    status = exc.response.status_code if exc.response is not None else 0
    data = exc.response.data if exc.response is not None else None
    error = str(data.get("error") or "unknown_error") if isinstance(data, dict) else f"http_{status}"
    if status == 429:
        return DeliveryError("ratelimited", permanent=False, retry_after=_retry_after(exc))
    if status != 200 or error in TRANSIENT_ERRORS:
        return DeliveryError(error if status == 200 else f"http_{status}", permanent=False)
    return DeliveryError(error, permanent=True)


def _retry_after(exc: SlackApiError) -> float:
    raw = (exc.response.headers or {}).get("Retry-After") if exc.response is not None else None
    try:
        return max(1.0, float(str(raw)))
    except ValueError:
        return 1.0


def backoff(attempts: int) -> float:
    """Seconds before the next try after `attempts` tries: 1, 2, 4, ... at most MAX_BACKOFF."""
    return min(MAX_BACKOFF, 2.0 ** max(0, attempts - 1))
