"""The Bolt app, built in a factory: nothing connects to Slack or the database at import time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings
from bot.slack.listeners import actions, checkin, commands, events, views
from bot.slack.presenter import Presenter
from flows.ports import ReviewStore
from flows.service import ReviewService

log = logging.getLogger("outsource_review.slack")


def make_client(settings: Settings, token: str | None = None) -> WebClient:
    """A Web API client on SLACK_API_URL that retries rate limits (honouring Retry-After) and server errors."""
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def receipt_key(body: dict[str, Any]) -> str | None:
    """What makes a delivery unique: Slack retries an event with the same event_id, a double click repeats
    the same action_ts."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("type") == "block_actions":
        acts = body.get("actions") or []
        user = (body.get("user") or {}).get("id", "")
        if acts and acts[0].get("action_ts"):
            return f"action:{user}:{acts[0].get('action_id')}:{acts[0]['action_ts']}"
    return None


def dedupe(store: ReviewStore) -> Callable[..., Any]:
    def middleware(body: dict[str, Any], context: Any, next: Callable[[], Any]) -> Any:
        key = receipt_key(body)
        if key is not None and not store.claim_receipt(context.team_id or "", key):
            log.info("duplicate delivery ignored", extra={"team": context.team_id})
            return BoltResponse(status=200, body="")
        return next()

    return middleware


def create_app(settings: Settings, service: ReviewService) -> App:
    token, secret = settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    app = App(
        signing_secret=secret,
        client=make_client(settings, token),
        process_before_response=False,
    )
    app.middleware(dedupe(service.store))
    presenter = Presenter(service)
    for listeners in (commands, actions, views, checkin, events):
        listeners.register(app, presenter)
    return app
