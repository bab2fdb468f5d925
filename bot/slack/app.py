"""The Bolt app, built in a factory: nothing connects to Slack or the database at import time.

Two modes: one workspace (SLACK_BOT_TOKEN), or many (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: the OAuth install
flow and a token per workspace from the installation store, see `bot.slack.oauth`).

The app answers Slack only after its listener has finished (`process_before_response=True`): an answer and
the messages it causes (outbox rows, `bot.slack.outgoing`) are saved before Slack hears 200, so a crash on the
way makes Slack retry the delivery instead of losing it, and `bot.slack.receipts` keeps the retry from being
applied twice. The work is a database save: the Web API calls are made afterwards by the delivery threads
(`bot.slack.delivery`), so a slow or rate-limited Slack never holds a request. Only opening a form and the
access checks' reads call Slack meanwhile, with a short timeout (`bot.slack.views`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings
from bot.slack import oauth
from bot.slack.access import CompleteRequests, enterprise_of, workspace
from bot.slack.listeners import actions, checkin, commands, events, views
from bot.slack.outgoing import Mail
from bot.slack.presenter import Presenter
from bot.slack.receipts import DedupeDeliveries, receipt_key
from bot.slack.requestlog import LoggedApp, note
from bot.web.links import report_link
from flows.service import ReviewService

log = logging.getLogger("outsource_review.slack")
UNKNOWN_ACTION = (
    "I don't know that button or menu (it may belong to an older message). Use the newest question."
)

__all__ = ["create_app", "make_client", "receipt_key"]


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


def create_app(
    settings: Settings,
    service: ReviewService,
    *,
    socket_mode: bool = False,
    wake: Callable[[], object] | None = None,
) -> App:
    """The app for `serve` (HTTP: signed requests, one workspace or OAuth) or, with `socket_mode`, for
    `socket` (one workspace; requests come over the app's own WebSocket, so there is no signature to check).

    Bolt reads SLACK_BOT_TOKEN from the environment when it is not given `token=`, and warns that it is unused
    when a `client` is given too: run the app after `bot.slack.run` has taken the Slack settings out of the
    process environment (they stay in `settings`). `wake` tells the delivery threads that a request wrote
    outbox rows (without it they find them at their next poll)."""
    options: dict[str, Any]
    if socket_mode:
        secret = ""
        (token,) = settings.require("SLACK_BOT_TOKEN")
        client = make_client(settings, token)
        options = {"request_verification_enabled": False}
    elif oauth.oauth_enabled(settings):
        (secret,) = settings.require("SLACK_SIGNING_SECRET")
        engine = getattr(service.store, "engine", None)
        if engine is None:
            raise ValueError("OAuth needs the review store's database engine for its installation store")
        client = make_client(settings)
        options = oauth.oauth_app_options(settings, engine, client)
    else:
        secret, token = settings.require("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN")
        client = make_client(settings, token)
        options = {}
    app = LoggedApp(signing_secret=secret, client=client, process_before_response=True, **options)
    app.middleware(CompleteRequests())
    app.middleware(DedupeDeliveries(service.store))
    outbox = getattr(service.store, "outbox", None)  # a SqlReviewStore's: where its messages wait
    presenter = Presenter(
        service,
        wake=wake,
        problems=outbox.problems if outbox is not None else None,
        problems_of=outbox.problems_of if outbox is not None else None,
        # Socket Mode serves no pages (no HTTP server): the Markdown file in the thread stands in.
        report_link=None if socket_mode else lambda review: report_link(settings, review),
        shortlist_top=settings.shortlist_top,
    )
    # Bolt tries listeners in the order they were added, building each one's arguments to match it: thread
    # replies, the bulk of the traffic, come first (the kinds never overlap, so the order changes nothing else).
    for listeners in (events, actions, commands, views, checkin):
        listeners.register(app, presenter)
    if "installation_store" in options:  # app_uninstalled / tokens_revoked delete the stored tokens
        forget = oauth.forget_revoked(options["installation_store"])
        app.event("app_uninstalled")(forget)
        app.event("tokens_revoked")(forget)
    else:
        app.event("app_uninstalled")(oauth.log_uninstall)
        app.event("tokens_revoked")(oauth.log_uninstall)
    _register_fallbacks(app, presenter)
    return app


def _register_fallbacks(app: App, presenter: Presenter) -> None:
    """Registered last: whatever no listener above took is acknowledged instead of failing with a 404."""

    @app.action(re.compile(".*"))
    def unknown_action(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        note(outcome="unknown_action")
        channel = (body.get("channel") or {}).get("id")
        if channel and context.user_id:
            mail = Mail.for_person(workspace(context), context.user_id, enterprise_of(body))
            mail.ephemeral(channel, context.user_id, UNKNOWN_ACTION, in_thread=False)
            presenter.send(mail)

    @app.view(re.compile(".*"))
    def unknown_view(ack: Ack) -> None:
        ack()
        note(outcome="unknown_view")
