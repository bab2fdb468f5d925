"""App Home reads what Slack refused for all the reviews it lists in one query, whatever their number, and
still shows each refusal on its own review."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.ports import Outgoing
from storage.outbox import SqlOutbox
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.harness import Ours, call_wsgi, review_at_rating, signed_event

VIEWER = "U0HOMEVIEW"


@pytest.fixture
def ours(fake_slack: FakeSlack, tmp_path: Path) -> Iterator[Ours]:
    app = Ours.start(fake_slack, f"sqlite:///{tmp_path / 'home.db'}")
    yield app
    app.stop()


def open_home(app: Ours) -> list[str]:
    """The SQL statements one app_home_opened costs."""
    body, headers = signed_event(p.app_home_opened_event(VIEWER))
    with app.counter.counting() as statements:
        status, _ = call_wsgi(app.answer_only, body, headers)
    assert status == 200
    return list(statements)


def warnings(view: dict[str, Any] | None) -> list[str]:
    """The lines of a published Home that warn about something Slack refused."""
    blocks = (view or {}).get("blocks", [])
    lines = [b["text"]["text"] for b in blocks if isinstance(b.get("text"), dict)]
    return [line for line in lines if ":warning:" in line]


def outbox_reads(statements: list[str]) -> int:
    return sum(s.startswith("SELECT") and "FROM outbox" in s for s in statements)


def test_app_home_reads_every_reviews_problems_in_one_query(ours: Ours, fake_slack: FakeSlack) -> None:
    first = ours.seat(review_at_rating(3), "C0HOME0001")
    open_home(ours)  # Bolt's first request asks auth.test; not what is counted
    one = open_home(ours)
    others = [ours.seat(review_at_rating(3), f"C0HOME{n:04d}") for n in range(2, 8)]
    many = open_home(ours)
    assert outbox_reads(many) == outbox_reads(one) == 1, many
    assert len(many) == len(one), many

    # A row of one review refused for good: noted on that review only.
    outbox: SqlOutbox = ours.service.store.outbox  # type: ignore[attr-defined]
    refused = others[2]
    rid = refused.id or ""
    fake_slack.archive("C0GONE")
    outbox.enqueue(
        [Outgoing("chat.postMessage", {"channel": "C0GONE", "text": "x"}, p.TEAM_ID, rid, review_id=rid)]
    )
    ours.delivery.wake()
    ours.delivery.drain(10)
    assert [problem.error for problem in outbox.problems(rid)] == ["is_archived"]
    open_home(ours)
    # An earlier Home's views.publish may reach Slack after this request (a busy machine): wait for the one
    # that warns, and fail if none does.
    view = fake_slack.wait_for(
        "views.publish", lambda c: c["user_id"] == VIEWER and bool(warnings(c.view))
    ).view
    warned = warnings(view)
    assert len(warned) == 1 and "<#C0HOME0004>" in warned[0] and "archived" in warned[0], warned
    assert first.id is not None
