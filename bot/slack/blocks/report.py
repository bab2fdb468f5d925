"""The shortlist posted to the channel: one message whatever the review's size (issue 19, item 3).

It opens with the advice in words for the first few tasks (outsource first, discuss first, kept in-house), then
counts what else the report holds and points to it: a button to the full report page when the bot has a public
address (`bot.web.links.report_link`), else the Markdown file uploaded in the review's thread. Every ranked task
with its reasons, spread and stability, and every exclusion with its step, reasons and who, are in the page and
the file, not in the channel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, HeaderBlock

from bot.slack.blocks.parts import Message, as_dicts, chunk_lines, context, pack, section_dict
from bot.slack.ids import OPEN_REPORT
from bot.slack.text import SECTION_LIMIT, escape, mention, shorten
from flows.advice import (
    KEPT_SHOWN,
    TOP,
    advise,
    counts_summary,
    discuss_words,
    kept_words,
    reasons_text,
)
from flows.model import Review
from flows.render import sentence_case, weights_how, weights_used
from flows.report import Report

KEPT_IN_MESSAGE = 5  # processes kept in-house named in the channel's message, the others counted
THREAD_STANDS_IN = "The full report is in the review's thread (the Markdown file)."
# With at most MAX_TOP tasks (SHORTLIST_TOP's bound in bot/config.py) and KEPT_IN_MESSAGE exclusions named, each
# line cut at LINE_LIMIT characters, the message holds about 20 lines of at most 1,000 characters: within two
# messages of Slack's 12,000 at the very worst (tests/slack/test_report_advice.py tries the longest names).
MAX_TOP = 10
LINE_LIMIT = 1000


def advice_blocks(
    report: Report,
    name: Callable[[str], str] = mention,
    *,
    top: int = TOP,
    kept_shown: int = KEPT_SHOWN,
    line_limit: int = SECTION_LIMIT,
) -> list[dict[str, Any]]:
    """The opening advice for the first `top` tasks: outsource first, discuss first, kept in-house (the first
    `kept_shown` of them named, the others counted); in words, names escaped, each line cut at
    `line_limit` characters."""

    def chunks(lines: list[str]) -> list[dict[str, Any]]:
        return [section_dict(chunk) for chunk in chunk_lines(shorten(line, line_limit) for line in lines)]

    def names(raters: Iterable[str]) -> str:
        return ", ".join(map(name, raters))

    advice = advise(report, top)
    blocks = []
    if report.shortlist:
        lines = [
            f"• {escape(t.process)} (rank {t.rank}): {reasons_text(t.reasons)}." for t in advice.outsource
        ]
        clear = lines or ["• Nothing is clear yet: talk the tasks below through first."]
        blocks += chunks(["*Outsource first*", *clear])
    if advice.discuss:
        lines = [
            f"• {escape(t.process)} (rank {t.rank}): {reasons_text(t.reasons)}. "
            f"{sentence_case(discuss_words(t, escape, names))}."
            for t in advice.discuss
        ]
        blocks += chunks(["*Discuss first*", *lines])
    if advice.kept:
        lines = [f"• {escape(e.process)}: {kept_words(e)}." for e in advice.kept[:kept_shown]]
        if len(advice.kept) > kept_shown:
            lines.append(f"• And {len(advice.kept) - kept_shown} more, in the full report.")
        blocks += chunks(["*Kept in-house*", *lines])
    return blocks


def counts_line(report: Report, top: int) -> str:
    """What the report holds beyond the message: '250 more ranked, 40 left out at steps 3–5, 10 not candidates
    (step 2), 3 merged as duplicates.'"""
    more = max(0, len(report.shortlist) - top)
    left_out = sum(1 for e in report.excluded if e.step >= 3)
    not_candidates = sum(1 for e in report.excluded if e.step < 3)
    merged = sum(len(m.sources) for m in report.merged)
    parts = [f"{more} more ranked" if more else "no other task ranked"]
    parts.append(f"{left_out} left out at steps 3–5")
    if not_candidates:
        parts.append(
            f"{not_candidates} not {'a candidate' if not_candidates == 1 else 'candidates'} (step 2)"
        )
    if merged:
        parts.append(f"{merged} merged as {'a duplicate' if merged == 1 else 'duplicates'}")
    return sentence_case(", ".join(parts)) + "."


def shortlist_messages(
    review: Review, report: Report, *, top: int = TOP, link: str | None = None
) -> list[Message]:
    """The report in the channel: the advice for the first `top` tasks, what else there is, and the way to it
    (a button to `link`, the report page; without one, the thread's Markdown file). One message whatever the
    review's size; two at most when the names are long enough to fill one."""
    top = max(1, min(top, MAX_TOP))
    title = review.title or report.review or "Outsource review"
    blocks: list[Block | dict[str, Any]] = [HeaderBlock(text=shorten(f"Shortlist: {title}", 150))]
    name = lru_cache(maxsize=None)(mention)  # the same raters, named in task after task
    if not report.shortlist:
        blocks.append(section_dict("No process made the shortlist this time."))
    elif len(report.shortlist) > top:
        blocks.append(section_dict(f"The first {top} of {len(report.shortlist)} ranked tasks:"))
    blocks += advice_blocks(report, name, top=top, kept_shown=KEPT_IN_MESSAGE, line_limit=LINE_LIMIT)
    where = (
        "The full report has every task with its reasons, the spread of ratings and how stable its place is, "
        "and every process left out with its step, reasons and who decided."
    )
    blocks.append(section_dict(f"{counts_line(report, top)} {where}"))
    blocks.append(
        context(
            f"{counts_summary(report)} Weights used, {escape(weights_how(report.weights_source))}: "
            f"{escape(weights_used(report))}."
        )
    )
    if link:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Open the full report", url=link, action_id=OPEN_REPORT, style="primary"
                    )
                ]
            )
        )
    else:
        blocks.append(context(THREAD_STANDS_IN))
    groups = pack(as_dicts(blocks))
    return [
        Message(f"Shortlist: {escape(title)}" + (f" ({i}/{len(groups)})" if len(groups) > 1 else ""), group)
        for i, group in enumerate(groups, start=1)
    ]
