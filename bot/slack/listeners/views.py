"""Modal submissions: the form's values become the typed reply they stand for."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.slack import ids
from bot.slack.listeners.middleware import checked_review, review_of
from bot.slack.presenter import Presenter
from bot.slack.receipts import receipt_key
from flows.method import FACTOR_IDS
from flows.prompts import ReplyError, parse_weights


def _metadata(view: dict[str, Any]) -> dict[str, Any] | None:
    try:
        data = json.loads(view.get("private_metadata") or "")
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("r") and data.get("q") else None


def _values(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return ((view.get("state") or {}).get("values")) or {}


def ratings_reply(view: dict[str, Any]) -> str:
    values = _values(view)
    picked = []
    for factor in FACTOR_IDS:
        element = values.get(ids.FACTOR_BLOCK_PREFIX + factor, {}).get(ids.FACTOR_SELECT, {})
        picked.append(str((element.get("selected_option") or {}).get("value") or "?"))
    return " ".join(picked)


def weight_fields(view: dict[str, Any]) -> dict[str, str]:
    """The weights form's fields by factor id (an empty field weighs 1)."""
    values = _values(view)
    fields = {}
    for factor in FACTOR_IDS:
        value = values.get(ids.WEIGHT_BLOCK_PREFIX + factor, {}).get(ids.WEIGHT_INPUT, {}).get("value")
        fields[factor] = (value or "1").strip()
    return fields


def weights_reply(view: dict[str, Any]) -> str:
    return " ".join(f"{factor} {value}" for factor, value in weight_fields(view).items())


def weight_errors(view: dict[str, Any]) -> dict[str, str]:
    """What is wrong in the weights form, by block, so Slack shows each message under its own field."""
    errors = {}
    for factor, value in weight_fields(view).items():
        try:
            parse_weights(f"{factor} {value}")
        except ReplyError as exc:
            errors[ids.WEIGHT_BLOCK_PREFIX + factor] = str(exc)[:150]
    if not errors:
        try:
            parse_weights(weights_reply(view))
        except ReplyError as exc:  # about the weights together (all zero): shown under the first
            errors[ids.WEIGHT_BLOCK_PREFIX + FACTOR_IDS[0]] = str(exc)[:150]
    return errors


def _by_metadata(body: dict[str, Any]) -> tuple[str, str | None] | None:
    """A form's review, and the channel it was opened from: its metadata names them."""
    data = _metadata(body.get("view") or {})
    return (str(data["r"]), str(data["c"]) if data.get("c") else None) if data else None


def register(app: App, presenter: Presenter) -> None:
    checked = [checked_review(presenter, _by_metadata)]

    def submit(body: dict[str, Any], client: WebClient, context: BoltContext, text: str) -> None:
        data, review = _metadata(body["view"]), review_of(context)
        if data is None or review is None:
            return
        presenter.apply(
            client,
            review,
            user=body["user"]["id"],
            text=text,
            token=str(data["q"]),
            receipt=receipt_key(body),  # a form submitted again is applied once
        )

    @app.view(ids.RATINGS_VIEW, middleware=checked)
    def ratings(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        submit(body, client, context, ratings_reply(body["view"]))

    @app.view(ids.LIST_VIEW, middleware=checked)
    def lines(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        text = _values(body["view"]).get(ids.LIST_INPUT_BLOCK, {}).get(ids.LIST_INPUT, {}).get("value") or ""
        if not text.strip():
            ack(response_action="errors", errors={ids.LIST_INPUT_BLOCK: "Write at least one line."})
            return
        ack()
        submit(body, client, context, text)

    @app.view(ids.WEIGHTS_VIEW, middleware=checked)
    def weights(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        errors = weight_errors(body["view"])
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        submit(body, client, context, weights_reply(body["view"]))
