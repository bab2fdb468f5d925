"""What one typed answer costs: the reviews each case starts from, and counting the statements and calls.

Shared by tests/test_query_counts.py (the bounds) and the benchmarks (the printed figures).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flows.interview import current_prompt
from flows.model import Review
from tests.support import FakeSlack
from tests.support.harness import (
    FACILITATOR,
    RATING,
    Ours,
    drive,
    rated_review,
    review_at_candidates,
    review_at_prioritise,
    review_at_rating,
)

MAX_SQL = 8
MAX_WEB_API = 2
MAX_CONNECTIONS = (
    3  # on PostgreSQL each is pinged first (`pool_pre_ping`): a round trip the count does not see
)
SIZES = (12, 300)


@dataclass
class Counted:
    sql: list[str]
    web_api: list[str]
    checkouts: int = 0  # connections taken from the pool (PostgreSQL pings each)
    marked: bool = False  # the saved review has its open question marked as posted


def review_at_metrics(n: int) -> Review:
    """At step 7: the metrics of the first shortlisted process (rated by the facilitator alone)."""
    return rated_review(n, [FACILITATOR])


def review_at_open_round(n: int) -> Review:
    """At a rating question with no raters named: a rating is kept in the open round (no new question)."""
    review = review_at_prioritise(n)
    drive(review, ["skip"])
    return review


# (what, build the review, the typed reply, who answers)
ANSWERS: list[tuple[str, Callable[[int], Review], str, str]] = [
    ("rating that closes the round", review_at_rating, RATING, FACILITATOR),
    ("rating into an open round", review_at_open_round, RATING, FACILITATOR),
    # Someone who is not the facilitator, answering for the first time: who they are is not looked up.
    ("a teammate's first rating", review_at_open_round, RATING, "U0TEAM"),
    ("step 2 pick", review_at_candidates, "all", FACILITATOR),
    ("step 7 metric", review_at_metrics, "organic sessions: baseline 100, target 120", FACILITATOR),
    ("step 7 done", review_at_metrics, "done", FACILITATOR),
]


def count_one_answer(
    app: Ours,
    fake: FakeSlack,
    template: Review,
    text: str,
    channel: str,
    user: str = FACILITATOR,
) -> Counted:
    review = app.seat(template, channel)
    mark = fake.mark()
    with app.counter.counting() as statements:
        assert app.answer(review, text, user, settle=False) == 200
    app.delivery.drain(10)  # the Web API calls the answer caused, made after Slack had its HTTP answer
    calls = [c for c in fake.calls() if c.seq > mark]
    assert all(c.ok for c in calls), calls
    assert review.id is not None and len(app.service.store.history(review.id)) == 1, (
        "the answer was not saved"
    )
    saved = app.service.store.get(review.id)
    prompt = current_prompt(saved) if saved else None
    marked = saved is not None and prompt is not None and saved.posted_question == prompt.edition
    return Counted(list(statements), [c.method for c in calls], app.counter.checkouts, marked)
