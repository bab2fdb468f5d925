"""SQL statements and Slack Web API calls per typed answer: few, and the same for 12 processes as for 300.

One signed thread reply goes through the real app in this process (`create_app` + `build_wsgi`, a SQLite file,
the fake Web API); the app answers only after its listener has finished, so everything the answer caused has
happened when the request returns. SQL statements are counted on the engine (`before_cursor_execute`), Web API
calls on the fake. The counts are also printed by the benchmarks (tests/benchmarks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from flows.model import Review
from tests.support import FakeSlack
from tests.support.harness import FACILITATOR, Ours, review_at_rating
from tests.support.query_counts import (
    ANSWERS,
    MAX_CONNECTIONS,
    MAX_SQL,
    MAX_WEB_API,
    SIZES,
    count_one_answer,
)


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Ours, FakeSlack]]:
    with FakeSlack() as fake:
        app = Ours.start(fake, f"sqlite:///{tmp_path_factory.mktemp('counts') / 'counts.db'}")
        warm = app.seat(review_at_rating(3), "C0WARM000")
        assert app.answer(warm) == 200  # Bolt's first request also asks auth.test
        yield app, fake
        app.stop()


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
