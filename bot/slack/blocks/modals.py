"""The forms: those a question opens (ratings, a list, weights), whose submissions come back as the reply
typed, and the monthly check-in (`bot.slack.checkin` reads its submission)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.slack import ids
from bot.slack.blocks.parts import MAX_OPTION_TEXT, MAX_SELECT_OPTIONS, section
from bot.slack.text import escape, question_ref, question_token, shorten
from flows.method import FACTORS, counts
from flows.model import Review
from flows.prompts import Kind, Prompt
from flows.render import step_title
from flows.service import Tracked, knockout_questions, number_text, series

MAX_LABEL = 2000


def view_metadata(review: Review, prompt: Prompt, channel_id: str | None, thread_ts: str | None) -> str:
    return json.dumps(
        {"r": review.id, "q": question_ref(prompt.key, prompt.edition), "c": channel_id, "t": thread_ts},
        separators=(",", ":"),
    )


def ratings_modal(review: Review, prompt: Prompt, metadata: str) -> View:
    rating_options = [Option(value=str(v), text=str(v)) for v in range(1, 6)]
    blocks: list[Block] = [
        section(f"Rate *{escape(prompt.subject or '')}* from 1 to 5. Only you see your ratings.")
    ]
    for factor in FACTORS:
        blocks.append(
            InputBlock(
                block_id=ids.FACTOR_BLOCK_PREFIX + factor.id,
                label=shorten(factor.label.capitalize(), 2000),
                hint=shorten(factor.question, 2000),
                element=StaticSelectElement(
                    action_id=ids.FACTOR_SELECT, placeholder="1 to 5", options=rating_options
                ),
            )
        )
    return View(
        type="modal",
        callback_id=ids.RATINGS_VIEW,
        title="Rate a task",
        submit="Save ratings",
        close="Cancel",
        private_metadata=metadata,
        blocks=blocks,
    )


def ratings_received_modal(text: str) -> View:
    """What the rating form shows once submitted, in place of its questions (`text`: mrkdwn): the person
    learns at once, privately and where they rated, whether their ratings counted."""
    return View(type="modal", title="Rate a task", close="Close", blocks=[section(text)])


def list_modal(prompt: Prompt, metadata: str) -> View:
    if prompt.kind is Kind.METRICS:
        title, label = "Add metrics", "One per line: name; baseline; target; warn at"
    else:
        title, label = "Add processes", "One process per line"
    return View(
        type="modal",
        callback_id=ids.LIST_VIEW,
        title=title,
        submit="Add",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            section(escape(prompt.text)),
            InputBlock(
                block_id=ids.LIST_INPUT_BLOCK,
                label=label,
                element=PlainTextInputElement(action_id=ids.LIST_INPUT, multiline=True, max_length=3000),
            ),
        ],
    )


def weights_modal(metadata: str) -> View:
    blocks: list[Block] = [
        section("How much should each factor count? 1 is normal, 0 ignores it, 2 doubles it.")
    ]
    for factor in FACTORS:
        blocks.append(
            InputBlock(
                block_id=ids.WEIGHT_BLOCK_PREFIX + factor.id,
                label=factor.label.capitalize(),
                element=PlainTextInputElement(action_id=ids.WEIGHT_INPUT, initial_value="1", max_length=10),
                hint=f"It {counts(factor.id, factor.direction)}.",  # which way it counts, as the question says
            )
        )
    return View(
        type="modal",
        callback_id=ids.WEIGHTS_VIEW,
        title="Set weights",
        submit="Save",
        close="Cancel",
        private_metadata=metadata,
        blocks=blocks,
    )


def step_form_fits(prompt: Prompt) -> bool:
    """Whether the open question can be answered with its step's other criteria in one form (a knock-out
    question, with no more processes in play than a menu holds)."""
    return bool(knockout_questions(prompt)) and 0 < len(prompt.options) <= MAX_SELECT_OPTIONS


def step_modal(prompt: Prompt, metadata: str) -> View:
    """A knock-out step's criteria still to answer (from the open question on), each a menu of the
    processes in play; what is chosen leaves the review at this step. Their options' values are the
    processes' numbers in the open question (`step_form_picks` reads them back)."""
    step = prompt.step_number or 0
    options = [
        Option(value=str(i), text=shorten(o.label, MAX_OPTION_TEXT))
        for i, o in enumerate(prompt.options[:MAX_SELECT_OPTIONS], start=1)
    ]
    blocks: list[Block] = [
        section(
            f"*Step {step} of 7 · {escape(step_title(step))}*\nFor each question, choose the processes it "
            "holds for; leave it empty when it holds for none. A process chosen in any of them leaves the "
            "review at this step."
        )
    ]
    for _key, criterion in knockout_questions(prompt):
        blocks.append(
            InputBlock(
                block_id=ids.CRITERION_BLOCK_PREFIX + criterion.id,
                label=shorten(criterion.question, MAX_LABEL),
                hint=shorten(criterion.help, MAX_LABEL),
                optional=True,
                element=StaticMultiSelectElement(
                    action_id=ids.CRITERION_SELECT, placeholder="None of them", options=options
                ),
            )
        )
    return View(
        type="modal",
        callback_id=ids.STEP_VIEW,
        title=f"Step {step} in one form",
        submit="Save answers",
        close="Cancel",
        private_metadata=metadata,
        blocks=blocks,
    )


MAX_MODAL_INPUTS = 95  # a modal holds 100 blocks: the intro, the month and a note leave room for 95 metrics


def metric_token(item: Tracked) -> str:
    return question_token(f"{item.process}\x1f{item.metric.name}")


def checkin_modal(review: Review, tracked: Sequence[Tracked], period: str) -> View:
    shown = list(tracked)[:MAX_MODAL_INPUTS]
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"Monthly check-in on *{escape(shorten(review.title or 'this review', 200))}*: "
                "this month's value of each metric. Leave a box empty to skip it."
            )
        ),
        InputBlock(
            block_id=ids.CHECKIN_PERIOD_BLOCK,
            label="Month (YYYY-MM)",
            element=PlainTextInputElement(
                action_id=ids.CHECKIN_PERIOD_INPUT, initial_value=period, max_length=10
            ),
        ),
    ]
    for item in shown:
        values = series(review, item.process, item.metric.name)
        hint = f"Last: {number_text(values[-1].value)} in {values[-1].period}" if values else None
        blocks.append(
            InputBlock(
                block_id=ids.CHECKIN_BLOCK_PREFIX + metric_token(item),
                label=shorten(item.label, MAX_LABEL),
                hint=hint,
                optional=True,
                element=NumberInputElement(action_id=ids.CHECKIN_INPUT, is_decimal_allowed=True),
            )
        )
    if len(tracked) > len(shown):
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"{len(tracked) - len(shown)} more metrics: record them with "
                        "`outsource-review checkin` in the terminal."
                    )
                ]
            )
        )
    return View(
        type="modal",
        callback_id=ids.CHECKIN_VIEW,
        title="Monthly check-in",
        submit="Record",
        close="Cancel",
        private_metadata=json.dumps(
            {"r": review.id, "c": review.channel_id, "t": review.thread_ts}, separators=(",", ":")
        ),
        blocks=blocks,
    )
