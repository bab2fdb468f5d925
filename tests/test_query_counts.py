"""SQL statements and Slack Web API calls per typed answer: few, and the same for 12 processes as for 300.

One signed thread reply goes through the real app in this process (`create_app` + `build_wsgi`, a SQLite file,
the fake Web API); the app answers only after its listener has finished, so everything the answer caused has
happened when the request returns. SQL statements are counted on the engine (`before_cursor_execute`), Web API
calls on the fake. The counts are also printed by the benchmarks (tests/benchmarks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

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


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Ours, FakeSlack]]:
    with FakeSlack() as fake:
        app = Ours.start(fake, f"sqlite:///{tmp_path_factory.mktemp('counts') / 'counts.db'}")
        warm = app.seat(review_at_rating(3), "C0WARM000")
        assert app.answer(warm) == 200  # Bolt's first request also asks auth.test
        yield app, fake


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
        assert app.answer(review, text, user) == 200
    calls = [c for c in fake.calls() if c.seq > mark]
    assert all(c.ok for c in calls), calls
    assert review.id is not None and len(app.service.store.history(review.id)) == 1, (
        "the answer was not saved"
    )
    saved = app.service.store.get(review.id)
    prompt = current_prompt(saved) if saved else None
    marked = saved is not None and prompt is not None and saved.posted_question == prompt.edition
    return Counted(list(statements), [c.method for c in calls], app.counter.checkouts, marked)


@pytest.mark.parametrize(("what", "build", "text", "user"), ANSWERS, ids=[a[0] for a in ANSWERS])
def test_one_answer_costs_few_statements_and_calls_whatever_the_size(
    ours: tuple[Ours, FakeSlack],
    what: str,
    build: Callable[[int], Review],
    text: str,
    user: str,
) -> None:
    app, fake = ours
    case = [a[0] for a in ANSWERS].index(what)
    counted = {
        n: count_one_answer(
            app,
            fake,
            build(n),
            text,
            f"C0Q{case:02d}{n:04d}",
            user if user == FACILITATOR else f"{user}{n:04d}",
        )
        for n in SIZES
    }
    reads = sum(s.startswith("SELECT") for s in counted[SIZES[0]].sql)
    assert reads == 1, counted[SIZES[0]].sql  # the review, by its thread: read once, not again
    for n, c in counted.items():
        listing = "\n  ".join(c.sql)
        assert len(c.sql) <= MAX_SQL, f"{what}, {n} processes: {len(c.sql)} SQL statements:\n  {listing}"
        assert len(c.web_api) <= MAX_WEB_API, f"{what}, {n} processes: Web API calls {c.web_api}"
        assert c.checkouts <= MAX_CONNECTIONS, f"{what}, {n} processes: {c.checkouts} connections"
        if "chat.postMessage" in c.web_api:  # a question posted is a question marked (with the answer)
            assert c.marked, f"{what}, {n} processes: the posted question is not marked as posted"
    small, large = (counted[n] for n in SIZES)
    assert len(small.sql) == len(large.sql), (small.sql, large.sql)
    assert small.web_api == large.web_api
