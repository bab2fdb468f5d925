"""The review's thread: its kickoff message and each question with its buttons and menus.

What comes back question after question (each kind's buttons, the factors, how to answer) is built and
checked once, and a question's actions block puts its own values on those buttons.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

import orjson
from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    UserMultiSelectElement,
)

from bot.slack import ids
from bot.slack.blocks.parts import (
    MAX_BLOCKS,
    MAX_OPTION_TEXT,
    MAX_SELECT_OPTIONS,
    Message,
    chunk_lines,
    context,
    context_dict,
    pack,
    section,
    section_dict,
)
from bot.slack.text import MESSAGE_TEXT_LIMIT, escape, is_user_id, mention, question_ref, shorten
from flows.model import Review
from flows.prompts import Kind, Prompt
from flows.render import step_title
from flows.service import Progress, knockout_questions


def kickoff_message(review: Review, progress: Progress) -> Message:
    title = review.title or "Outsource review"
    facts = ", ".join(progress.answered) or "nothing yet"
    blocks: list[Block] = [
        HeaderBlock(text=shorten(f"Outsource review: {title}", 150)),
        section(
            f"*{escape(progress.headline)}*\n"
            f"{_progress_bar(progress)}\n"
            f"Facilitator: {mention(review.facilitator)} · So far: {escape(facts)}"
        ),
        _raters_picker(review),
        context(
            "Answer in this message's thread: anyone in the channel can. "
            "`/outsource-review help` shows the commands."
        ),
    ]
    return Message.of(f"Outsource review: {escape(title)} ({escape(progress.headline)})", blocks)


def _raters_picker(review: Review) -> SectionBlock:
    """Who rates in step 6, chosen by the facilitator here (or with `raters @ana @ben` in the thread)."""
    if review.raters:
        named = ", ".join(mention(r) for r in review.raters)
        text = f"*Raters:* {named}. Each rating round closes by itself once they all have rated."
    else:
        text = "*Who rates in step 6?* The facilitator picks them here; each round then closes by itself."
    picker = UserMultiSelectElement(
        placeholder="Choose the raters",
        action_id=ids.RATERS,
        initial_users=[r for r in review.raters if is_user_id(r)] or None,
    )
    return SectionBlock(
        text=MarkdownTextObject(text=text), accessory=picker, block_id=f"{review.id or ''}:{ids.RATERS}"
    )


def _progress_bar(progress: Progress) -> str:
    done = {"done": 7, "report": 7}.get(progress.stage.value, (progress.step or 1) - 1)
    if progress.stage.value == "intake":
        done = 0
    return "●" * done + "○" * (7 - done)


def question_messages(review: Review, prompt: Prompt, note: str | None = None) -> list[Message]:
    """The question as one message (more only when its option list is too long for one).

    `note` is mrkdwn the caller has already escaped (it may mention people).
    """
    step = f"Step {prompt.step_number} of 7 · " if prompt.step_number else ""
    stage_title = step_title(prompt.step_number) if prompt.step_number else "Getting started"
    counter = f" · {prompt.counter}" if prompt.counter else ""
    head = f"*{step}{stage_title}*{counter}\n{escape(prompt.text)}"
    blocks: list[dict[str, Any]] = []
    if note:
        blocks.append(context_dict(note))
    blocks.append(section_dict(head))
    if prompt.details:
        blocks += [
            _fixed_context(tuple(escape(d) for d in prompt.details[i : i + 10]))
            for i in range(0, len(prompt.details), 10)
        ]
    if prompt.help:
        blocks.append(_fixed_context((escape(prompt.help),)))
    option_lines = [f"{i}. {escape(o.label)}" for i, o in enumerate(prompt.options, start=1)]
    option_sections = [section_dict(chunk) for chunk in chunk_lines(option_lines)]
    status = collected_line(prompt)
    if status:
        blocks.append(round_status_block(status))
    tail = [
        {
            "type": "actions",
            "block_id": question_block_id(review, prompt),
            "elements": _controls(review, prompt),
        },
        how_to_answer_block(prompt),
    ]
    text = f"{step}{escape(prompt.text)}"
    room = MAX_BLOCKS - len(blocks) - len(tail)
    whole = Message(text, blocks + option_sections + tail)
    if len(option_sections) <= room and whole.chars <= MESSAGE_TEXT_LIMIT:
        return [whole]
    # Too many options for one message: the list follows in as many messages as it needs.
    messages = [Message(text, blocks)]
    messages += [Message("Options (continued)", group) for group in pack(option_sections)]
    messages.append(Message("How to answer", tail))
    return messages


def how_to_answer_block(prompt: Prompt) -> dict[str, Any]:
    """The question's last line: the replies it takes (in the thread; ratings go in the form or a DM)."""
    return {**_fixed_context((escape(prompt.accepts_in_public),)), "block_id": ids.HOW_TO_ANSWER_BLOCK}


def round_status_block(status: str) -> dict[str, Any]:
    """The question's line of what it has gathered so far (mrkdwn), found again by its block id when it
    changes (`Presenter.refresh_round`)."""
    return {**context_dict(status), "block_id": ids.ROUND_STATUS_BLOCK}


def question_block_id(review: Review, prompt: Prompt) -> str:
    """The block id of a question's buttons: which review, which question and numbering (`question_ref`;
    found again in the thread)."""
    return f"{review.id}:{question_ref(prompt.key, prompt.edition)}"


@lru_cache(maxsize=512)
def _fixed_context(lines: tuple[str, ...]) -> dict[str, Any]:
    """A context block of texts that come back question after question (the factors to rate, how to answer),
    made and checked by slack_sdk once. Shared by every message that shows it: never changed."""
    return context(*lines).to_dict()


def collected_line(prompt: Prompt) -> str:
    """What a list or a rating round has gathered so far (a round: who has rated, who is still missing)."""
    if prompt.kind is Kind.RATINGS:
        rated = ", ".join(mention(r) for r in prompt.collected) or "no one yet"
        waiting = ", ".join(mention(r) for r in prompt.awaiting)
        return f"Rated so far: {rated}" + (f" · waiting for {waiting}" if waiting else "")
    if prompt.collected:
        shown = ", ".join(escape(c) for c in prompt.collected[:30])
        more = f" and {len(prompt.collected) - 30} more" if len(prompt.collected) > 30 else ""
        return f"So far ({len(prompt.collected)}): {shown}{more}"
    return ""


def action_value(review_id: str, token: str, reply: str) -> str:
    return orjson.dumps({"r": review_id, "q": token, "v": reply}).decode()


RATE_PRIVATELY = "Rate privately"  # the rating question's button that opens the rating form


def step_form_label(step: int) -> str:
    """The knock-out question's button that opens the form answering the step's criteria at once."""
    return f"Answer step {step} in one form"


# A question's buttons: (label, action_id, the reply its value carries ("" for one that opens a form), style).
_ButtonSpec = tuple[str, str, str, str | None]


def _reply_button(label: str, reply: str, style: str | None = None) -> _ButtonSpec:
    return (label, f"{ids.REPLY}:{reply}", reply, style)


_BUTTONS: dict[Kind, tuple[_ButtonSpec, ...]] = {
    Kind.YES_NO: (_reply_button("Yes", "yes", "primary"), _reply_button("No", "no")),
    Kind.PICK: (_reply_button("None of these", "none"), _reply_button("All", "all")),
    Kind.RATINGS: (
        (RATE_PRIVATELY, ids.OPEN_RATINGS, "", "primary"),  # the main action: ratings are private
        _reply_button("Close the round", "done"),
        ("Nudge who hasn't rated", ids.NUDGE, "", None),
    ),
    Kind.LIST: (("Add in a form", ids.OPEN_LIST, "", None), _reply_button("Done", "done", "primary")),
    Kind.METRICS: (("Add in a form", ids.OPEN_LIST, "", None), _reply_button("Done", "done", "primary")),
    Kind.WEIGHTS: (
        _reply_button("Keep them equal", "ok", "primary"),
        ("Set weights", ids.OPEN_WEIGHTS, "", None),
    ),
}
_SKIP = _reply_button("Skip", "skip")
# A question asked once per task that takes a command for this task and the rest (`Prompt.for_the_rest`).
_FOR_THE_REST: dict[str, _ButtonSpec] = {
    "skip all": ("Skip all", f"{ids.REPLY}:skip_all", "skip all", None),
    "done all": ("Done for all", f"{ids.REPLY}:done_all", "done all", None),
}
_ALWAYS = (_reply_button("Back", "back"), _reply_button("Help", "help"))


@cache
def _buttons(
    kind: Kind, optional: bool, for_the_rest: str | None = None
) -> tuple[tuple[dict[str, Any], str], ...]:
    """The buttons of a kind of question, made and checked by slack_sdk once, each with the reply its value
    carries; a question adds the values (`_controls`). Shared by every question of the kind: never changed."""
    rest = [_FOR_THE_REST[for_the_rest]] if for_the_rest is not None else []
    specs = [*_BUTTONS.get(kind, ()), *([_SKIP] if optional else []), *rest, *_ALWAYS]
    made = []
    for label, action_id, reply, style in specs:
        button = ButtonElement(text=label, action_id=action_id, value=reply or "-", style=style).to_dict()
        del button["value"]
        made.append((button, reply))
    return tuple(made)


@cache
def _step_form_button(step: int) -> dict[str, Any]:
    """A knock-out question's main action: its step's remaining criteria in one form (made once per step)."""
    button = ButtonElement(
        text=step_form_label(step), action_id=ids.OPEN_STEP_FORM, value="-", style="primary"
    ).to_dict()
    del button["value"]
    return button


def _controls(review: Review, prompt: Prompt) -> list[dict[str, Any]]:
    """The question's menu (for a pick) and buttons; each button's value names the review and question."""
    elements: list[dict[str, Any]] = []
    review_id, token = review.id or "", question_ref(prompt.key, prompt.edition)
    if prompt.kind is Kind.PICK and 0 < len(prompt.options) <= MAX_SELECT_OPTIONS:
        many = StaticMultiSelectElement(
            placeholder="Choose", action_id=ids.PICK_MANY, options=_options(prompt)
        )
        elements.append(many.to_dict())
        if knockout_questions(prompt) and prompt.step_number:  # the step's criteria in one form
            form = _step_form_button(prompt.step_number)
            elements.append({**form, "value": action_value(review_id, token, "")})
    elif prompt.kind is Kind.PICK_ONE and prompt.options:
        one = StaticSelectElement(placeholder="Choose one", action_id=ids.PICK_ONE, options=_options(prompt))
        elements.append(one.to_dict())
    elements += [
        {**button, "value": action_value(review_id, token, reply)}
        for button, reply in _buttons(prompt.kind, prompt.optional, prompt.for_the_rest)
    ]
    return elements[:25]


def _options(prompt: Prompt) -> list[Option]:
    return [
        Option(value=str(i), text=shorten(f"{i}. {o.label}", MAX_OPTION_TEXT))
        for i, o in enumerate(prompt.options[:MAX_SELECT_OPTIONS], start=1)
    ]
