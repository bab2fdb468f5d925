"""Modal submissions: the form's values become the typed reply they stand for."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.slack import ids
from bot.slack.blocks.modals import ratings_received_modal
from bot.slack.listeners.middleware import checked_review, review_of
from bot.slack.presenter import Presenter, ratings_form_word
from bot.slack.receipts import receipt_key
from flows.method import FACTOR_IDS
from flows.prompts import Prompt, ReplyError, parse_weights
from flows.service import Picks, Turn, knockout_questions


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


def step_form_picks(view: dict[str, Any], prompt: Prompt) -> list[Picks]:
    """The step form's answers, criterion by criterion from the open question `prompt` (the one it was
    opened for): the processes chosen, by name (an option's value is its number in `prompt`)."""
    values = _values(view)
    picks = []
    for number, (key, criterion) in enumerate(knockout_questions(prompt)):
        element = values.get(ids.CRITERION_BLOCK_PREFIX + criterion.id, {}).get(ids.CRITERION_SELECT, {})
        chosen = [str(o.get("value")) for o in element.get("selected_options") or []]
        names = tuple(option.value for i, option in enumerate(prompt.options, start=1) if str(i) in chosen)
        picks.append(Picks(prompt.edition if number == 0 else key, names))
    return picks


def _by_metadata(body: dict[str, Any]) -> tuple[str, str | None] | None:
    """A form's review, and the channel it was opened from: its metadata names them."""
    data = _metadata(body.get("view") or {})
    return (str(data["r"]), str(data["c"]) if data.get("c") else None) if data else None


def register(app: App, presenter: Presenter) -> None:
    checked = [checked_review(presenter, _by_metadata)]

    def submit(
        body: dict[str, Any], client: WebClient, context: BoltContext, text: str, in_form: bool = False
    ) -> Turn | None:
        data, review = _metadata(body["view"]), review_of(context)
        if data is None or review is None:
            return None
        return presenter.apply(
            client,
            review,
            user=body["user"]["id"],
            text=text,
            token=str(data["q"]),
            receipt=receipt_key(body),  # a form submitted again is applied once
            in_form=in_form,
        )

    @app.view(ids.RATINGS_VIEW, middleware=checked)
    def ratings(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        """The form says, in place of its questions, whether the ratings counted: at once and privately,
        with no Web API call (Slack's answer to the submission carries it)."""
        turn = submit(body, client, context, ratings_reply(body["view"]), in_form=True)
        if turn is None:
            ack()
            return
        ack(response_action="update", view=ratings_received_modal(ratings_form_word(turn)))

    @app.view(ids.STEP_VIEW, middleware=checked)
    def step(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        """A knock-out step's criteria answered at once. When the step moved on since the form was opened,
        nothing is saved and the person is told in the thread (the form closes: a submission Slack sends
        again is then told nothing, as it was applied or refused once)."""
        ack()
        view, review = body["view"], review_of(context)
        data = _metadata(view)
        if data is None or review is None:
            return
        opened_for = presenter.expected_key(review, str(data["q"])) or ""
        prompt = presenter.service.prompt(review)
        if prompt is not None and opened_for == prompt.edition:
            picks = step_form_picks(view, prompt)
        else:
            picks = [Picks(opened_for)]  # refused: the question it was opened for is no longer open
        presenter.apply_picks(
            client,
            review,
            user=body["user"]["id"],
            picks=picks,
            receipt=receipt_key(body),  # a form submitted again is applied once
        )

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
