"""A review finished in a Slack channel with metrics to check in, and the check-in form as a person fills it."""

from __future__ import annotations

from typing import Any

from bot.wiring import open_service
from flows.answers import load_answers
from flows.method import Stage
from flows.model import Review
from flows.replay import check_answers
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import Bot

ANSWERS = """
title: Q3 review
processes: [Blog writing, SEO audits, Brand strategy]
keep_inhouse: {Brand strategy: [competitive_advantage]}
ratings:
  Blog writing: {alice: {risk: 1, consequences: 3, tech_complexity: 1, importance: 3, benefits: 4, vendor_expertise: 1}}
  SEO audits: {alice: {risk: 2, consequences: 4, tech_complexity: 2, importance: 2, benefits: 5, vendor_expertise: 2}}
metrics:
  SEO audits:
    - {name: organic sessions per month, baseline: 12000, target: 15000, warn_at: 11000}
  Blog writing:
    - {name: cost per post (EUR), baseline: 200, target: 150}
"""
SESSIONS_LABEL = "SEO audits: organic sessions per month (baseline 12,000, target 15,000)"
COST_LABEL = "Blog writing: cost per post (EUR) (baseline 200, target 150)"


def finished_review(bot: Bot, fake: FakeSlack, answers: str = ANSWERS) -> tuple[Review, str]:
    """A review finished earlier in the test channel: its kickoff message and the saved review."""
    kickoff = fake.add_message(p.CHANNEL_ID, "Outsource review: Q3 review", user=p.BOT_USER_ID)
    review = check_answers(load_answers(answers, "answers.yml"), "answers.yml", p.USER_ID, "Q3")
    review.team_id, review.channel_id, review.thread_ts = p.TEAM_ID, p.CHANNEL_ID, kickoff.ts
    service = open_service(bot.database_url)
    try:
        review = service.store.create(review)
    finally:
        service.store.engine.dispose()  # type: ignore[attr-defined]
    assert review.state is Stage.DONE
    return review, kickoff.ts


def load(bot: Bot, review_id: str) -> Review:
    service = open_service(bot.database_url)
    try:
        return service.load(review_id)
    finally:
        service.store.engine.dispose()  # type: ignore[attr-defined]


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """label -> input block of the modal."""
    return {b["label"]["text"]: b for b in view["blocks"] if b["type"] == "input"}


def values_for(view: dict[str, Any], period: str | None, **by_label: str) -> dict[str, dict[str, Any]]:
    """The state of a submitted modal: a value per metric label, and the month."""
    blocks = inputs(view)
    values: dict[str, dict[str, Any]] = {}
    for label, block in blocks.items():
        element = block["element"]
        if element["type"] == "number_input":
            typed = by_label.get(label)
            values[block["block_id"]] = {
                element["action_id"]: p.text_value(typed, action_type="number_input")
            }
        else:
            values[block["block_id"]] = {element["action_id"]: p.text_value(period)}
    return values
