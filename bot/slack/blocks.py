"""Block Kit for the review: kickoff message, questions, report, App Home and modals.

Everything is built with `slack_sdk.models`, which checks Slack's length limits; what comes back question
after question (each kind's buttons, the factors, how to answer) is built and checked once, and a question's
actions block puts its own values on those buttons. User-typed text always goes through `escape` before it
reaches mrkdwn.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import orjson
from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.slack import ids
from bot.slack.text import MESSAGE_TEXT_LIMIT, SECTION_LIMIT, escape, mention, question_ref, shorten
from flows.interview import Progress
from flows.method import FACTORS, REASON_LABELS
from flows.model import Review
from flows.prompts import Kind, Prompt
from flows.render import (
    disagreement_text,
    factor_line,
    plain_number,
    shown_score,
    spread_text,
    step_title,
    weights_how,
    weights_used,
)
from flows.report import RankedTask, Report

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SELECT_OPTIONS = 100
MAX_OPTION_TEXT = 75


@dataclass(frozen=True)
class Message:
    """One chat message: fallback text (shown in notifications) and its blocks, as Slack takes them."""

    text: str
    blocks: list[dict[str, Any]]

    @classmethod
    def of(cls, text: str, blocks: Iterable[Block | dict[str, Any]]) -> Message:
        return cls(text, _as_dicts(blocks))

    def as_kwargs(self) -> dict[str, object]:
        return {"text": self.text, "blocks": self.blocks}

    @property
    def chars(self) -> int:
        return _chars_of(self.blocks)


def _as_dicts(blocks: Iterable[Block | dict[str, Any]]) -> list[dict[str, Any]]:
    """slack_sdk blocks turned into dicts (slack_sdk checks Slack's limits as it does so), and dicts it made
    before, as they are."""
    return [b if isinstance(b, dict) else b.to_dict() for b in blocks]


def _section(text: str, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=shorten(text, SECTION_LIMIT)), block_id=block_id)


_SECTION = _section("-").to_dict()


def _section_dict(text: str) -> dict[str, Any]:
    """`_section(text).to_dict()` for the many a report or a question holds: slack_sdk made and checked the
    shape once, and `shorten` keeps the text within the one limit it checks there."""
    return {**_SECTION, "text": {**_SECTION["text"], "text": shorten(text, SECTION_LIMIT)}}


def _context(*lines: str) -> ContextBlock:
    return ContextBlock(
        elements=[MarkdownTextObject(text=shorten(line, SECTION_LIMIT)) for line in lines[:10]]
    )


_CONTEXT = _context("-").to_dict()


def _context_dict(*lines: str) -> dict[str, Any]:
    """`_context(*lines).to_dict()` for the lines a question changes each time (who has rated, a note) and
    a report's many: the shape made and checked by slack_sdk once, as `_section_dict`."""
    element = _CONTEXT["elements"][0]
    return {
        **_CONTEXT,
        "elements": [{**element, "text": shorten(line, SECTION_LIMIT)} for line in lines[:10]],
    }


def chunk_lines(lines: Iterable[str], limit: int = SECTION_LIMIT) -> list[str]:
    """Join lines into texts of at most `limit` characters (a single longer line is cut)."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = shorten(line, limit)
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


# ---------------------------------------------------------------- kickoff


def kickoff_message(review: Review, progress: Progress) -> Message:
    title = review.title or "Outsource review"
    facts = ", ".join(progress.answered) or "nothing yet"
    blocks: list[Block] = [
        HeaderBlock(text=shorten(f"Outsource review: {title}", 150)),
        _section(
            f"*{escape(progress.headline)}*\n"
            f"{_progress_bar(progress)}\n"
            f"Facilitator: {mention(review.facilitator)} · So far: {escape(facts)}"
        ),
        _context(
            "Answer in this message's thread: anyone in the channel can. "
            "`/outsource-review help` shows the commands."
        ),
    ]
    return Message.of(f"Outsource review: {escape(title)} ({escape(progress.headline)})", blocks)


def _progress_bar(progress: Progress) -> str:
    done = {"done": 7, "report": 7}.get(progress.stage.value, (progress.step or 1) - 1)
    if progress.stage.value == "intake":
        done = 0
    return "●" * done + "○" * (7 - done)


# ---------------------------------------------------------------- questions


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
        blocks.append(_context_dict(note))
    blocks.append(_section_dict(head))
    if prompt.details:
        blocks += [
            _fixed_context(tuple(escape(d) for d in prompt.details[i : i + 10]))
            for i in range(0, len(prompt.details), 10)
        ]
    if prompt.help:
        blocks.append(_fixed_context((escape(prompt.help),)))
    option_lines = [f"{i}. {escape(o.label)}" for i, o in enumerate(prompt.options, start=1)]
    option_sections = [_section_dict(chunk) for chunk in chunk_lines(option_lines)]
    status = _collected_line(prompt)
    if status:
        blocks.append(_context_dict(status))
    tail = [
        {
            "type": "actions",
            "block_id": question_block_id(review, prompt),
            "elements": _controls(review, prompt),
        },
        _fixed_context((escape(prompt.accepts),)),
    ]
    text = f"{step}{escape(prompt.text)}"
    room = MAX_BLOCKS - len(blocks) - len(tail)
    whole = Message(text, blocks + option_sections + tail)
    if len(option_sections) <= room and whole.chars <= MESSAGE_TEXT_LIMIT:
        return [whole]
    # Too many options for one message: the list follows in as many messages as it needs.
    messages = [Message(text, blocks)]
    messages += [Message("Options (continued)", group) for group in _pack(option_sections)]
    messages.append(Message("How to answer", tail))
    return messages


def question_block_id(review: Review, prompt: Prompt) -> str:
    """The block id of a question's buttons: which review, which question and numbering (`question_ref`;
    found again in the thread)."""
    return f"{review.id}:{question_ref(prompt.key, prompt.edition)}"


@lru_cache(maxsize=512)
def _fixed_context(lines: tuple[str, ...]) -> dict[str, Any]:
    """A context block of texts that come back question after question (the factors to rate, how to answer),
    made and checked by slack_sdk once. Shared by every message that shows it: never changed."""
    return _context(*lines).to_dict()


def _collected_line(prompt: Prompt) -> str:
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


# A question's buttons: (label, action_id, the reply its value carries ("" for one that opens a form), style).
_ButtonSpec = tuple[str, str, str, str | None]


def _reply_button(label: str, reply: str, style: str | None = None) -> _ButtonSpec:
    return (label, f"{ids.REPLY}:{reply}", reply, style)


_BUTTONS: dict[Kind, tuple[_ButtonSpec, ...]] = {
    Kind.YES_NO: (_reply_button("Yes", "yes", "primary"), _reply_button("No", "no")),
    Kind.PICK: (_reply_button("None of these", "none"), _reply_button("All", "all")),
    Kind.RATINGS: (
        ("Rate in a form", ids.OPEN_RATINGS, "", None),
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
_ALWAYS = (_reply_button("Back", "back"), _reply_button("Help", "help"))


@cache
def _buttons(kind: Kind, optional: bool) -> tuple[tuple[dict[str, Any], str], ...]:
    """The buttons of a kind of question, made and checked by slack_sdk once, each with the reply its value
    carries; a question adds the values (`_controls`). Shared by every question of the kind: never changed."""
    specs = [*_BUTTONS.get(kind, ()), *([_SKIP] if optional else []), *_ALWAYS]
    made = []
    for label, action_id, reply, style in specs:
        button = ButtonElement(text=label, action_id=action_id, value=reply or "-", style=style).to_dict()
        del button["value"]
        made.append((button, reply))
    return tuple(made)


def _controls(review: Review, prompt: Prompt) -> list[dict[str, Any]]:
    """The question's menu (for a pick) and buttons; each button's value names the review and question."""
    elements: list[dict[str, Any]] = []
    if prompt.kind is Kind.PICK and 0 < len(prompt.options) <= MAX_SELECT_OPTIONS:
        many = StaticMultiSelectElement(
            placeholder="Choose", action_id=ids.PICK_MANY, options=_options(prompt)
        )
        elements.append(many.to_dict())
    elif prompt.kind is Kind.PICK_ONE and prompt.options:
        one = StaticSelectElement(placeholder="Choose one", action_id=ids.PICK_ONE, options=_options(prompt))
        elements.append(one.to_dict())
    review_id, token = review.id or "", question_ref(prompt.key, prompt.edition)
    elements += [
        {**button, "value": action_value(review_id, token, reply)}
        for button, reply in _buttons(prompt.kind, prompt.optional)
    ]
    return elements[:25]


def _options(prompt: Prompt) -> list[Option]:
    return [
        Option(value=str(i), text=shorten(f"{i}. {o.label}", MAX_OPTION_TEXT))
        for i, o in enumerate(prompt.options[:MAX_SELECT_OPTIONS], start=1)
    ]


def _chars_of(blocks: Sequence[dict[str, Any]]) -> int:
    """The text the blocks hold, as Slack counts it against a message's limit."""
    parts = []
    for data in blocks:
        parts.append(data.get("text", ""))
        parts += data.get("elements", ())
    # The length of each part as JSON: one encoding of them all, less the list's brackets and separators.
    return len(json.dumps(parts)) - 2 - 2 * (len(parts) - 1) if parts else 0


def _pack(blocks: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Blocks in groups of at most MAX_BLOCKS - 5 blocks and MESSAGE_TEXT_LIMIT characters. Each block is
    measured once: measuring the group again for every block made a 300-process report 3 times slower."""
    groups: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for block in blocks:
        chars = _chars_of([block])
        if current and (len(current) >= MAX_BLOCKS - 5 or size + chars > MESSAGE_TEXT_LIMIT):
            groups.append(current)
            current, size = [], 0
        current.append(block)
        size += chars
    if current:
        groups.append(current)
    return groups


# ---------------------------------------------------------------- report


def task_text(task: RankedTask, report: Report, name: Callable[[str], str] = mention) -> str:
    flag = " · :speech_balloon: *discuss*" if task.needs_discussion else ""
    parts = [f"*{task.rank}. {escape(task.process)}*: score *{shown_score(task)}*{flag}"]
    parts.append(f"Why: {factor_line(task, report, '→')}")
    if task.spread:
        parts.append(f"Spread (lowest–highest): {spread_text(task)}")
    for d in task.disagreements:
        parts.append(disagreement_text(d, lambda raters: ", ".join(map(name, raters))))
    if task.service_level:
        parts.append(f"Service level today: {escape(task.service_level)}")
    for m in task.metrics:
        parts.append(
            f"Metric: {escape(m.name)}: baseline {plain_number(m.baseline)} → target {plain_number(m.target)}, "
            f"early warning at {plain_number(m.warn_at)}"
        )
    if task.stability is not None:
        parts.append(f"Rank stability: {task.stability.sentence(escape)}")
    return "\n".join(parts)


def _sensitivity_blocks(report: Report) -> list[dict[str, Any]]:
    """How stable is this ranking: one line per adjacent pair, in context blocks (ten lines each at most)."""
    if not report.sensitivity:
        return []
    lines = [f"{p.sentence(escape)}." for p in report.sensitivity]
    heading = (
        "*How stable is this ranking?* The smallest change to one weight that would swap two neighbours:"
    )
    return [_section_dict(heading)] + [_context_dict(*lines[i : i + 10]) for i in range(0, len(lines), 10)]


def report_messages(review: Review, report: Report) -> list[Message]:
    """The shortlist, then exclusions by step, then merges: split so no message breaks Block Kit limits."""
    title = review.title or report.review or "Outsource review"
    blocks: list[Block | dict[str, Any]] = [HeaderBlock(text=shorten(f"Shortlist: {title}", 150))]
    if report.shortlist:
        blocks.append(
            _section_dict(f"Outsource these first, best candidate on top ({len(report.shortlist)} ranked):")
        )
        name = lru_cache(maxsize=None)(mention)  # the same raters, named in task after task
        blocks += [_section_dict(task_text(t, report, name)) for t in report.shortlist]
        blocks += _sensitivity_blocks(report)
    else:
        blocks.append(_section_dict("No process made the shortlist this time."))
    if report.excluded:
        blocks.append(DividerBlock())
        blocks.append(_section_dict("*Left off the shortlist*"))
        for step in sorted({e.step for e in report.excluded}):
            lines = [
                f"• {escape(e.process)}: {', '.join(REASON_LABELS.get(r, r) for r in e.reasons)}"
                + _decided_by(report, e.process)
                for e in report.excluded
                if e.step == step
            ]
            chunks = chunk_lines([f"*Step {step}: {step_title(step).lower()}*", *lines])
            blocks += [_section_dict(chunk) for chunk in chunks]
    if report.merged:
        lines = [f"• {', '.join(escape(s) for s in m.sources)} → {escape(m.into)}" for m in report.merged]
        blocks += [_section_dict(chunk) for chunk in chunk_lines(["*Merged in step 1*", *lines])]
    if report.reconsidered:
        lines = [
            f"• {escape(r.process)} was reconsidered by {mention(r.by)} (was excluded at step {r.was_step}); "
            f"now {escape(r.now)}"
            for r in report.reconsidered
        ]
        blocks += [_section_dict(chunk) for chunk in chunk_lines(["*Reconsidered*", *lines])]
    blocks.append(
        _context(
            "Score = 100 × Σ weight × rating scaled 0–1 (1 = outsource sooner) ÷ Σ weight, from each factor's median. "
            f"Weights used, {escape(weights_how(report.weights_source))}: {escape(weights_used(report))}."
        )
    )
    groups = _pack(_as_dicts(blocks))
    return [
        Message(f"Shortlist: {escape(title)}" + (f" ({i}/{len(groups)})" if len(groups) > 1 else ""), group)
        for i, group in enumerate(groups, start=1)
    ]


def _decided_by(report: Report, process: str) -> str:
    """` (by @maria: “it is our voice”)` from the ledger, or nothing."""
    for entry in report.ledger:
        if entry.process == process and entry.fate == "excluded" and entry.by:
            why = f": “{escape('; '.join(entry.comments))}”" if entry.comments else ""
            return f" (by {', '.join(mention(b) for b in entry.by)}{why})"
    return ""


# ---------------------------------------------------------------- App Home


def home_view(reviews: Sequence[Review], progress: Callable[[Review], Progress]) -> View:
    blocks: list[Block] = [
        HeaderBlock(text="Outsource Review"),
        _section(
            "Decide, with reasons, which marketing work to outsource first. Type `/outsource-review Q3 review` "
            "in a channel: I'll open a review there and walk the team through seven steps in its thread, then "
            "post the ranked shortlist."
        ),
        _context("Commands: `help`, `status`, `list`, `report`, `export`, `cancel`, `reopen`."),
    ]
    open_reviews = [r for r in reviews if r.is_open]
    closed = [r for r in reviews if not r.is_open]
    for heading, group in (("In progress", open_reviews), ("Finished", closed)):
        blocks += [DividerBlock(), _section(f"*{heading}* ({len(group)})")]
        if not group:
            blocks.append(_context("None yet."))
        for review in group[:40]:
            where = f" in <#{review.channel_id}>" if review.channel_id else ""
            blocks.append(
                _section(
                    f"*{escape(review.title or 'Untitled review')}*{where} · {escape(progress(review).headline)} · "
                    f"updated {review.updated_at:%Y-%m-%d %H:%M} UTC"
                )
            )
    return View(type="home", blocks=blocks[:MAX_HOME_BLOCKS])


# ---------------------------------------------------------------- modals


def view_metadata(review: Review, prompt: Prompt, channel_id: str | None, thread_ts: str | None) -> str:
    return json.dumps(
        {"r": review.id, "q": question_ref(prompt.key, prompt.edition), "c": channel_id, "t": thread_ts},
        separators=(",", ":"),
    )


def ratings_modal(review: Review, prompt: Prompt, metadata: str) -> View:
    rating_options = [Option(value=str(v), text=str(v)) for v in range(1, 6)]
    blocks: list[Block] = [
        _section(f"Rate *{escape(prompt.subject or '')}* from 1 to 5. Only you see your ratings.")
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
            _section(escape(prompt.text)),
            InputBlock(
                block_id=ids.LIST_INPUT_BLOCK,
                label=label,
                element=PlainTextInputElement(action_id=ids.LIST_INPUT, multiline=True, max_length=3000),
            ),
        ],
    )


def weights_modal(metadata: str) -> View:
    blocks: list[Block] = [
        _section("How much should each factor count? 1 is normal, 0 ignores it, 2 doubles it.")
    ]
    for factor in FACTORS:
        blocks.append(
            InputBlock(
                block_id=ids.WEIGHT_BLOCK_PREFIX + factor.id,
                label=factor.label.capitalize(),
                element=PlainTextInputElement(action_id=ids.WEIGHT_INPUT, initial_value="1", max_length=10),
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


HELP_TEXT = (
    "*Outsource Review* walks your team through seven steps to decide what marketing work to outsource first.\n"
    "• `/outsource-review Q3 review`: start a review in this channel (the questions go in its thread)\n"
    "• `/outsource-review status`: where this channel's review stands\n"
    "• `/outsource-review list`: this workspace's reviews\n"
    "• `/outsource-review report`: post the shortlist so far to the channel\n"
    "• `/outsource-review export [md|json|csv]`: upload the full report as a file\n"
    "• `/outsource-review cancel` / `reopen`: facilitator only\n"
    "• `/outsource-review checkin`: record this month's metric values; early warnings go in the thread\n"
    "• `/outsource-review answers`: the answers so far, numbered; `change N` in the thread reopens one\n"
    "• `/outsource-review rerun` / `diff`: a new version of a finished review, and what changed\n"
    "In the thread, reply to each question as it says; `back`, `skip` and `help` always work. "
    "The facilitator can also write `reconsider NAME` (bring back an excluded process) and "
    "`weights risk 2` or `weights rank benefits risk ...`."
)
