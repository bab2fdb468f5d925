"""The shortlist posted to the channel: the advice in words (outsource first, discuss first, kept in-house), the
ranked tasks with their reasons, then what was left off, merged or reconsidered, split into as many messages as
Block Kit's limits need."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.slack.blocks.parts import Message, as_dicts, chunk_lines, context, context_dict, pack, section_dict
from bot.slack.text import escape, mention, shorten
from flows.advice import (
    KEPT_SHOWN,
    advise,
    counts_summary,
    discuss_words,
    kept_words,
    reasons,
    reasons_text,
    stability_words,
    swap_words,
)
from flows.method import REASON_LABELS
from flows.model import Review
from flows.render import (
    disagreement_text,
    plain_number,
    sentence_case,
    shown_score,
    spread_text,
    step_title,
    weights_how,
    weights_used,
)
from flows.report import RankedTask, Report


def task_text(task: RankedTask, report: Report, name: Callable[[str], str] = mention) -> str:
    flag = " · :speech_balloon: *discuss*" if task.needs_discussion else ""
    parts = [f"*{task.rank}. {escape(task.process)}*: score *{shown_score(task)}*{flag}"]
    parts.append(f"Why: {reasons_text(reasons(task, report))}")
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
        parts.append(f"Rank stability: {task.stability.label}, {stability_words(task.stability, escape)}")
    return "\n".join(parts)


def advice_blocks(report: Report, name: Callable[[str], str] = mention) -> list[dict[str, Any]]:
    """The opening advice: outsource first, discuss first, kept in-house; in words, names escaped."""

    def names(raters: Iterable[str]) -> str:
        return ", ".join(map(name, raters))

    advice = advise(report)
    blocks = []
    if report.shortlist:
        lines = [
            f"• {escape(t.process)} (rank {t.rank}): {reasons_text(t.reasons)}." for t in advice.outsource
        ]
        clear = lines or ["• Nothing is clear yet: talk the tasks below through first."]
        blocks += [section_dict(chunk) for chunk in chunk_lines(["*Outsource first*", *clear])]
    if advice.discuss:
        lines = [
            f"• {escape(t.process)} (rank {t.rank}): {reasons_text(t.reasons)}. "
            f"{sentence_case(discuss_words(t, escape, names))}."
            for t in advice.discuss
        ]
        blocks += [section_dict(chunk) for chunk in chunk_lines(["*Discuss first*", *lines])]
    if advice.kept:
        lines = [f"• {escape(e.process)}: {kept_words(e)}." for e in advice.kept[:KEPT_SHOWN]]
        if len(advice.kept) > KEPT_SHOWN:
            lines.append(f"• And {len(advice.kept) - KEPT_SHOWN} more, listed below.")
        blocks += [section_dict(chunk) for chunk in chunk_lines(["*Kept in-house*", *lines])]
    return blocks


def _sensitivity_blocks(report: Report) -> list[dict[str, Any]]:
    """How stable is this ranking: one line per adjacent pair, in words, in context blocks (ten lines each)."""
    if not report.sensitivity:
        return []
    lines = [f"{swap_words(p, escape)}." for p in report.sensitivity]
    heading = "*How stable is this ranking?* What would make two neighbours swap places:"
    return [section_dict(heading)] + [context_dict(*lines[i : i + 10]) for i in range(0, len(lines), 10)]


def report_messages(review: Review, report: Report) -> list[Message]:
    """The advice, the shortlist, then exclusions by step, then merges: split so no message breaks Block Kit
    limits. The arithmetic is in the Markdown report and the JSON."""
    title = review.title or report.review or "Outsource review"
    blocks: list[Block | dict[str, Any]] = [HeaderBlock(text=shorten(f"Shortlist: {title}", 150))]
    name = lru_cache(maxsize=None)(mention)  # the same raters, named in task after task
    if report.shortlist:
        blocks += advice_blocks(report, name)
        blocks.append(DividerBlock())
        blocks.append(
            section_dict(f"*The shortlist*, best candidate on top ({len(report.shortlist)} ranked):")
        )
        blocks += [section_dict(task_text(t, report, name)) for t in report.shortlist]
        blocks += _sensitivity_blocks(report)
    else:
        blocks.append(section_dict("No process made the shortlist this time."))
        blocks += advice_blocks(report, name)
    if report.excluded:
        blocks.append(DividerBlock())
        blocks.append(section_dict("*Left off the shortlist*"))
        for step in sorted({e.step for e in report.excluded}):
            lines = [
                f"• {escape(e.process)}: {', '.join(REASON_LABELS.get(r, r) for r in e.reasons)}"
                + _decided_by(report, e.process)
                for e in report.excluded
                if e.step == step
            ]
            chunks = chunk_lines([f"*Step {step}: {step_title(step).lower()}*", *lines])
            blocks += [section_dict(chunk) for chunk in chunks]
    if report.merged:
        lines = [f"• {', '.join(escape(s) for s in m.sources)} → {escape(m.into)}" for m in report.merged]
        blocks += [section_dict(chunk) for chunk in chunk_lines(["*Merged in step 1*", *lines])]
    if report.reconsidered:
        lines = [
            f"• {escape(r.process)} was reconsidered by {mention(r.by)} (was excluded at step {r.was_step}); "
            f"now {escape(r.now)}"
            for r in report.reconsidered
        ]
        blocks += [section_dict(chunk) for chunk in chunk_lines(["*Reconsidered*", *lines])]
    blocks.append(
        context(
            f"{counts_summary(report)} Weights used, {escape(weights_how(report.weights_source))}: "
            f"{escape(weights_used(report))}. The arithmetic is in the report file."
        )
    )
    groups = pack(as_dicts(blocks))
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
