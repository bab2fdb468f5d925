"""The shortlist posted to the channel: ranked tasks with their reasons, then what was left off, merged or
reconsidered, split into as many messages as Block Kit's limits need."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.slack.blocks.parts import Message, as_dicts, chunk_lines, context, context_dict, pack, section_dict
from bot.slack.text import escape, mention, shorten
from flows.method import REASON_LABELS
from flows.model import Review
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
    return [section_dict(heading)] + [context_dict(*lines[i : i + 10]) for i in range(0, len(lines), 10)]


def report_messages(review: Review, report: Report) -> list[Message]:
    """The shortlist, then exclusions by step, then merges: split so no message breaks Block Kit limits."""
    title = review.title or report.review or "Outsource review"
    blocks: list[Block | dict[str, Any]] = [HeaderBlock(text=shorten(f"Shortlist: {title}", 150))]
    if report.shortlist:
        blocks.append(
            section_dict(f"Outsource these first, best candidate on top ({len(report.shortlist)} ranked):")
        )
        name = lru_cache(maxsize=None)(mention)  # the same raters, named in task after task
        blocks += [section_dict(task_text(t, report, name)) for t in report.shortlist]
        blocks += _sensitivity_blocks(report)
    else:
        blocks.append(section_dict("No process made the shortlist this time."))
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
            "Score = 100 × Σ weight × rating scaled 0–1 (1 = outsource sooner) ÷ Σ weight, from each factor's median. "
            f"Weights used, {escape(weights_how(report.weights_source))}: {escape(weights_used(report))}."
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
