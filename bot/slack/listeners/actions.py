"""Buttons and menus under a question: each sends the reply a person could have typed."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.slack import ids
from bot.slack.access import enterprise_of, workspace
from bot.slack.blocks.modals import (
    list_modal,
    ratings_modal,
    step_form_fits,
    step_modal,
    view_metadata,
    weights_modal,
)
from bot.slack.direct import rate_chosen
from bot.slack.listeners.middleware import checked_review, review_of
from bot.slack.outgoing import Mail
from bot.slack.presenter import Presenter
from bot.slack.receipts import receipt_key
from bot.slack.views import open_view
from flows.prompts import Kind

FORM_FAILED = (
    "Slack didn't open the form in time. Click the button again, or type your answer in the thread "
    "(`help` there says how)."
)
RATING_FORM_FAILED = (
    "Slack didn't open the form in time. Click the button again, or send me your six ratings in a direct "
    "message, like `2 4 2 3 5 2`."
)

NO_STEP_FORM = "This question has no form: choose in its menu, or type the numbers in the thread."


def parse_value(value: str | None) -> tuple[str, str, str] | None:
    """(review id, question token, reply) from a button value, or None when it is not ours."""
    try:
        data = json.loads(value or "")
        return str(data["r"]), str(data["q"]), str(data["v"])
    except (ValueError, KeyError, TypeError):
        return None


def parse_block_id(block_id: str | None) -> tuple[str, str] | None:
    review_id, _, token = (block_id or "").partition(":")
    return (review_id, token) if review_id and token else None


def _action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions") or [{}]
    return actions[0] if isinstance(actions[0], dict) else {}


def _channel(body: dict[str, Any]) -> str | None:
    return (body.get("channel") or {}).get("id")


def _by_value(body: dict[str, Any]) -> tuple[str, str | None] | None:
    """A button's review: its value names it."""
    parsed = parse_value(_action(body).get("value"))
    return (parsed[0], _channel(body)) if parsed else None


def _by_block(body: dict[str, Any]) -> tuple[str, str | None] | None:
    """A menu's review: its block id names it."""
    where = parse_block_id(_action(body).get("block_id"))
    return (where[0], _channel(body)) if where else None


def register(app: App, presenter: Presenter) -> None:
    by_value = [checked_review(presenter, _by_value)]
    by_block = [checked_review(presenter, _by_block)]

    @app.action(re.compile(f"^{ids.REPLY}:"), middleware=by_value)
    def reply_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        parsed, review = parse_value(action.get("value")), review_of(context)
        if parsed is None or review is None:
            return
        _, token, reply = parsed
        presenter.apply(client, review, text=reply, token=token, **_who(body))

    @app.action(ids.PICK_MANY, middleware=by_block)
    def pick_many(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        where, review = parse_block_id(action.get("block_id")), review_of(context)
        if where is None or review is None:
            return
        numbers = " ".join(str(o.get("value")) for o in action.get("selected_options") or []) or "none"
        presenter.apply(client, review, text=numbers, token=where[1], **_who(body))

    @app.action(ids.PICK_ONE, middleware=by_block)
    def pick_one(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        where, review = parse_block_id(action.get("block_id")), review_of(context)
        chosen = (action.get("selected_option") or {}).get("value")
        if where is None or review is None or not chosen:
            return
        presenter.apply(client, review, text=str(chosen), token=where[1], **_who(body))

    @app.action(ids.RATERS, middleware=by_block)
    def raters(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        review = review_of(context)
        if review is None:
            return
        chosen = " ".join(str(u) for u in action.get("selected_users") or []) or "none"
        presenter.apply(client, review, text=f"raters {chosen}", **_who(body))

    forms = "|".join((ids.OPEN_RATINGS, ids.OPEN_LIST, ids.OPEN_WEIGHTS, ids.OPEN_STEP_FORM))

    @app.action(re.compile(f"^({forms})$"), middleware=by_value)
    def open_form(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        parsed, review = parse_value(action.get("value")), review_of(context)
        if parsed is None or review is None:
            return
        token = parsed[1]
        user = str(body["user"]["id"])
        prompt = presenter.service.prompt(review)
        if prompt is None or presenter.expected_key(review, token) != prompt.edition:
            mail = Mail.for_review(review)
            presenter.whisper(
                mail, review, user, "That question has been answered already; see the newest one."
            )
            presenter.send(mail)
            return
        channel = _channel(body) or review.channel_id
        metadata = view_metadata(review, prompt, channel, review.thread_ts)
        if prompt.kind is Kind.RATINGS:
            view = ratings_modal(review, prompt, metadata)
        elif prompt.kind is Kind.WEIGHTS:
            view = weights_modal(metadata)
        elif prompt.kind is Kind.PICK:
            if not step_form_fits(prompt):
                mail = Mail.for_review(review)
                presenter.whisper(mail, review, user, NO_STEP_FORM)
                presenter.send(mail)
                return
            view = step_modal(prompt, metadata)
        else:
            view = list_modal(prompt, metadata)
        if not open_view(client, body["trigger_id"], view.to_dict()):
            mail = Mail.for_review(review)
            failed = RATING_FORM_FAILED if prompt.kind is Kind.RATINGS else FORM_FAILED
            presenter.whisper(mail, review, user, failed)
            presenter.send(mail)

    @app.action(ids.NUDGE)
    def nudge(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        parsed = parse_value(action.get("value"))
        if parsed is not None:
            presenter.nudge(client, review_id=parsed[0], team_id=workspace(context), user=body["user"]["id"])

    @app.action(re.compile(f"^{ids.RATE_IN_PRIVATE}:"))
    def rate_in_private(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        """A button of the bot's "which one?" in a DM: the ratings sent, for the question it names."""
        ack()
        parsed, channel = parse_value(action.get("value")), _channel(body)
        if parsed is None or channel is None:
            return
        review_id, token, ratings = parsed
        rate_chosen(
            presenter,
            client,
            team_id=workspace(context),
            enterprise_id=enterprise_of(body),
            user=str(body["user"]["id"]),
            channel=channel,
            review_id=review_id,
            token=token,
            ratings=ratings,
            receipt=receipt_key(body),
            asked_ts=(body.get("message") or {}).get("ts"),
        )

    @app.action(re.compile(f"^({ids.HOME_OPEN_REVIEW}|{ids.OPEN_REPORT})$"))
    def link_button(ack: Ack) -> None:
        """A button with a URL: Slack opens the address and still tells the app, which has nothing to do."""
        ack()


def _who(body: dict[str, Any]) -> dict[str, Any]:
    """Who clicked, and the click's receipt (a double click repeats it)."""
    return {"user": str(body["user"]["id"]), "receipt": receipt_key(body)}
