"""Buttons and menus under a question: each sends the reply a person could have typed."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack import ids
from bot.slack.access import OTHER_WORKSPACE, enterprise_of
from bot.slack.blocks.modals import list_modal, ratings_modal, view_metadata, weights_modal
from bot.slack.presenter import Presenter
from bot.slack.receipts import receipt_key
from bot.slack.requestlog import note
from flows.interview import current_prompt
from flows.prompts import Kind
from flows.service import ReviewNotFound


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


def register(app: App, presenter: Presenter) -> None:
    @app.action(re.compile(f"^{ids.REPLY}:"))
    def reply_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        parsed = parse_value(action.get("value"))
        if parsed is None:
            return
        review_id, token, reply = parsed
        presenter.answer(client, review_id=review_id, text=reply, token=token, **_origin(body))

    @app.action(ids.PICK_MANY)
    def pick_many(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        where = parse_block_id(action.get("block_id"))
        if where is None:
            return
        numbers = " ".join(str(o.get("value")) for o in action.get("selected_options") or []) or "none"
        presenter.answer(client, review_id=where[0], text=numbers, token=where[1], **_origin(body))

    @app.action(ids.PICK_ONE)
    def pick_one(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        where = parse_block_id(action.get("block_id"))
        chosen = (action.get("selected_option") or {}).get("value")
        if where is None or not chosen:
            return
        presenter.answer(client, review_id=where[0], text=str(chosen), token=where[1], **_origin(body))

    @app.action(re.compile(f"^({ids.OPEN_RATINGS}|{ids.OPEN_LIST}|{ids.OPEN_WEIGHTS})$"))
    def open_form(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        parsed = parse_value(action.get("value"))
        if parsed is None:
            return
        review_id, token, _ = parsed
        note(review=review_id)
        origin = _origin(body)
        user = origin["user"]
        try:
            review = presenter.service.load(review_id, _team(body))
        except ReviewNotFound:
            presenter.refuse(client, user, origin["channel"], OTHER_WORKSPACE, "other_workspace")
            return
        problem = presenter.access.problem(client, review, user, origin["channel"], origin["enterprise_id"])
        if problem is not None:
            presenter.refuse(client, user, origin["channel"], problem, "not_permitted")
            return
        prompt = current_prompt(review)
        if prompt is None or presenter.expected_key(review, token) != prompt.edition:
            presenter.whisper(
                client, review, user, "That question has been answered already; see the newest one."
            )
            return
        channel = (body.get("channel") or {}).get("id") or review.channel_id
        metadata = view_metadata(review, prompt, channel, review.thread_ts)
        if prompt.kind is Kind.RATINGS:
            view = ratings_modal(review, prompt, metadata)
        elif prompt.kind is Kind.WEIGHTS:
            view = weights_modal(metadata)
        else:
            view = list_modal(prompt, metadata)
        presenter.call(client.views_open, trigger_id=body["trigger_id"], view=view.to_dict())

    @app.action(ids.NUDGE)
    def nudge(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        parsed = parse_value(action.get("value"))
        if parsed is not None:
            presenter.nudge(client, review_id=parsed[0], team_id=_team(body), user=body["user"]["id"])

    @app.action(ids.HOME_OPEN_REVIEW)
    def home_link(ack: Ack) -> None:
        ack()


def _team(body: dict[str, Any]) -> str:
    return str((body.get("team") or {}).get("id") or body.get("user", {}).get("team_id") or "")


def _origin(body: dict[str, Any]) -> dict[str, Any]:
    """Who clicked, in which workspace and channel, and the click's receipt (a double click repeats it)."""
    return {
        "team_id": _team(body),
        "enterprise_id": enterprise_of(body),
        "user": str(body["user"]["id"]),
        "channel": (body.get("channel") or {}).get("id"),
        "receipt": receipt_key(body),
    }
