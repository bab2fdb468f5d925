"""One structured log line per Slack request, and a filter that keeps tokens and secrets out of every log line.

    request team=T0TEST enterprise=- review=3f2a… action=message outcome=answered status=200 duration_ms=41.7

`LoggedApp.dispatch` times Bolt's whole dispatch: the middleware and, because the app processes before it
responds (`process_before_response=True`), the listener too. A Bolt global middleware cannot do this in
bolt-python: its `next()` only marks the chain as continued, and listeners run after every middleware has
returned. While the request runs, the presenter adds what it learns (`note(review=..., outcome=...)`) to the
request's `RequestLog`, found through a context variable (the listener runs in the dispatching thread).

Only ids and our own names are logged, never what people typed: the action is the event type, our own action
id or the subcommand (not a title), and every value is reduced to a small safe alphabet.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.errors import SlackApiError

from bot.slack import ids
from bot.slack.subcommands import SUBCOMMANDS

log = logging.getLogger("bot.slack.requests")

_SAFE = re.compile(r"[^A-Za-z0-9_.:/@-]")
_current: ContextVar[RequestLog | None] = ContextVar("outsource_review_request", default=None)
# What a token looks like (bot, user, app, config and refresh tokens, rotated ones too): never logged.
TOKEN_PATTERN = re.compile(r"\b(?:xox[a-z]|xapp|xoxe(?:\.xox[a-z])?)-[A-Za-z0-9-]+")


@dataclass
class RequestLog:
    """What one request did, as far as the code handling it says."""

    action: str
    team: str | None = None
    enterprise: str | None = None
    review: str | None = None
    outcome: str | None = None
    slack_errors: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def line(self, status: int | None) -> str:
        fields = {
            "team": self.team,
            "enterprise": self.enterprise,
            "review": self.review,
            "action": self.action,
            "outcome": self.outcome or _outcome_of(status),
            "status": status,
            "slack_errors": ",".join(dict.fromkeys(self.slack_errors)),
            "duration_ms": f"{(time.perf_counter() - self.started) * 1000:.1f}",
        }
        return "request " + " ".join(f"{k}={safe(v)}" for k, v in fields.items())

    def write(self, status: int | None) -> None:
        if log.isEnabledFor(logging.INFO):
            log.info(self.line(status))


def safe(value: object, limit: int = 64) -> str:
    """A value as a log field: a small alphabet (no spaces, quotes or '=') and a length limit; '-' for none."""
    if value is None or value == "":
        return "-"
    return _SAFE.sub("_", str(value))[:limit]


def slack_error(exc: SlackApiError) -> str:
    """The error code of a failed Web API call (`not_in_channel`, `ratelimited`, ...)."""
    data: Any = exc.response.data if exc.response is not None else {}
    return str(data.get("error", "unknown_error")) if isinstance(data, dict) else "unknown_error"


def elapsed() -> float | None:
    """Seconds since the current request's dispatch began (None outside a request)."""
    current = _current.get()
    return None if current is None else time.perf_counter() - current.started


def note(*, review: str | None = None, outcome: str | None = None, slack_error: str | None = None) -> None:
    """Add to the current request's log line (does nothing outside a request)."""
    current = _current.get()
    if current is None:
        return
    if review is not None:
        current.review = review
    if outcome is not None:
        current.outcome = outcome
    if slack_error is not None:
        current.slack_errors.append(slack_error)


@contextmanager
def logged(entry: RequestLog) -> Iterator[RequestLog]:
    token = _current.set(entry)
    try:
        yield entry
    finally:
        _current.reset(token)


def describe(body: dict[str, Any]) -> str:
    """The request's kind and our own name for what it asks, never user text (titles, replies, values)."""
    if body.get("command"):
        words = str(body.get("text") or "").split()
        sub = words[0].lower() if words and words[0].lower() in SUBCOMMANDS else "start"
        return f"command:{sub}"
    kind = str(body.get("type") or "unknown")
    if kind == "event_callback":
        event = body.get("event") or {}
        return f"event:{event.get('type') if isinstance(event, dict) else 'unknown'}"
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        action_id = str((actions[0] if isinstance(actions[0], dict) else {}).get("action_id") or "")
        name = action_id.split(":", 1)[0]
        return f"action:{name if name in ids.ACTION_IDS else 'unknown'}"
    if kind in ("view_submission", "view_closed"):
        callback = str((body.get("view") or {}).get("callback_id") or "")
        return f"{kind}:{callback if callback in ids.VIEW_IDS else 'unknown'}"
    return kind


def _outcome_of(status: int | None) -> str:
    if status is None:
        return "no_response"
    if status < 300:
        return "ok"
    if status in (401, 403):
        return "unauthorized"
    if status < 500:
        return "rejected"
    return "failed"


class LoggedApp(App):
    """A Bolt App whose every dispatch writes one `request ...` line at INFO."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        entry = RequestLog(
            action=describe(req.body) if isinstance(req.body, dict) else "unknown",
            team=req.context.team_id,
            enterprise=req.context.enterprise_id,
        )
        status: int | None = None
        with logged(entry):
            try:
                response = super().dispatch(req)
                status = response.status
                return response
            finally:
                entry.write(status)


class Redact(logging.Filter):
    """Masks tokens (anything shaped like xoxb-…, xapp-…) and the given secrets in every record it sees.

    Installed on the root logger's handlers, so it covers every library's records, debug ones included.
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        text = TOKEN_PATTERN.sub(lambda m: m.group(0).split("-", 1)[0] + "-***", text)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.scrub(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def redact_logs(secrets: Iterable[str | None]) -> Redact:
    """Put a `Redact` filter on every handler of the root logger (call after logging is configured)."""
    redact = Redact(secrets)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig()
    for handler in root.handlers:
        handler.addFilter(redact)
    return redact
