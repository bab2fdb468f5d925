"""What the app says about itself: its App Home tab (the workspace's reviews) and the help text."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock
from slack_sdk.models.views import View

from bot.slack.blocks.parts import MAX_HOME_BLOCKS, context, section
from bot.slack.text import escape
from flows.model import Review
from flows.service import Progress

HOME_REVIEWS = 40  # reviews listed per group


def home_view(
    reviews: Sequence[Review],
    progress: Callable[[Review], Progress],
    problem: Callable[[Review], str | None] = lambda review: None,
    rating: Callable[[Review], str | None] = lambda review: None,
) -> View:
    """The App Home tab: what the bot does, and the workspace's reviews; `problem` says when Slack refused
    some of a review's messages, `rating` who has rated the open round (mrkdwn)."""
    blocks: list[Block] = [
        HeaderBlock(text="Outsource Review"),
        section(
            "Decide, with reasons, which marketing work to outsource first. Type `/outsource-review Q3 review` "
            "in a channel: I'll open a review there and walk the team through seven steps in its thread, then "
            "post the ranked shortlist."
        ),
        context("Commands: `help`, `status`, `list`, `report`, `export`, `cancel`, `reopen`."),
    ]
    open_reviews = [r for r in reviews if r.is_open]
    closed = [r for r in reviews if not r.is_open]
    for heading, group in (("In progress", open_reviews), ("Finished", closed)):
        blocks += [DividerBlock(), section(f"*{heading}* ({len(group)})")]
        if not group:
            blocks.append(context("None yet."))
        for review in group[:HOME_REVIEWS]:
            where = f" in <#{review.channel_id}>" if review.channel_id else ""
            trouble = problem(review) if review.is_open else None
            warning = f"\n:warning: {escape(trouble)}" if trouble else ""
            round_now = rating(review) if review.is_open else None
            warning = f"\n{round_now}{warning}" if round_now else warning
            blocks.append(
                section(
                    f"*{escape(review.title or 'Untitled review')}*{where} · {escape(progress(review).headline)} · "
                    f"updated {review.updated_at:%Y-%m-%d %H:%M} UTC{warning}"
                )
            )
    return View(type="home", blocks=blocks[:MAX_HOME_BLOCKS])


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
    "• `/outsource-review unshare`: the links to the report page stop working (facilitator only)\n"
    "In the thread, reply to each question as it says; `back`, `skip` and `help` always work. "
    "The facilitator can also write `reconsider NAME` (bring back an excluded process) and "
    "`weights risk 2` or `weights rank benefits risk ...`, and `raters @ana @ben` (who rates: each round then "
    "closes by itself once they all have).\n"
    "Ratings are private until their round closes: rate with *Rate privately* under the question, or send me "
    "your six ratings in a direct message (like `2 4 2 3 5 2`), never in the thread."
)
