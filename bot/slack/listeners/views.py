"""Modal submissions: the form's values become the typed reply they stand for."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack import ids
from bot.slack.access import enterprise_of
from bot.slack.presenter import Presenter
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


def weights_reply(view: dict[str, Any]) -> str:
    values = _values(view)
    pairs = []
    for factor in FACTOR_IDS:
        value = values.get(ids.WEIGHT_BLOCK_PREFIX + factor, {}).get(ids.WEIGHT_INPUT, {}).get("value")
        pairs.append(f"{factor} {(value or '1').strip()}")
    return " ".join(pairs)


def register(app: App, presenter: Presenter) -> None:
    def submit(body: dict[str, Any], client: WebClient, text: str) -> None:
        data = _metadata(body["view"])
        if data is None:
            return
        presenter.answer(
            client,
            review_id=str(data["r"]),
            team_id=str((body.get("team") or {}).get("id") or body["user"].get("team_id") or ""),
            enterprise_id=enterprise_of(body),
            user=body["user"]["id"],
            text=text,
            token=str(data["q"]),
            channel=str(data["c"]) if data.get("c") else None,  # where the form was opened from
        )

    @app.view(ids.RATINGS_VIEW)
    def ratings(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        submit(body, client, ratings_reply(body["view"]))

    @app.view(ids.LIST_VIEW)
    def lines(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        text = _values(body["view"]).get(ids.LIST_INPUT_BLOCK, {}).get(ids.LIST_INPUT, {}).get("value") or ""
        if not text.strip():
            ack(response_action="errors", errors={ids.LIST_INPUT_BLOCK: "Write at least one line."})
            return
        ack()
        submit(body, client, text)

    @app.view(ids.WEIGHTS_VIEW)
    def weights(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        text = weights_reply(body["view"])
        try:
            parse_weights(text)
        except ReplyError as exc:
            ack(response_action="errors", errors={ids.WEIGHT_BLOCK_PREFIX + FACTOR_IDS[0]: str(exc)[:150]})
            return
        ack()
        submit(body, client, text)
