"""/healthz says how many messages wait in the outbox and how old the oldest is; it answers 200 regardless."""

from __future__ import annotations

import pytest

from bot.slack.run import health
from storage.outbox import Backlog
from tests.support import FakeSlack
from tests.support.bots import Bot
from tests.support.delivery import Outbox, post


def test_health_counts_the_undelivered_rows(fake_slack: FakeSlack, database_url: str) -> None:
    outbox = Outbox(fake_slack, database_url)
    try:
        assert health(outbox.store.backlog) == {"ok": True, "outbox": {"backlog": 0, "oldest_seconds": 0.0}}
        outbox.enqueue(post("C0WAIT", "one", "lane"), post("C0WAIT", "two", "lane"))
        said = health(outbox.store.backlog)
        assert said["outbox"]["backlog"] == 2 and said["outbox"]["oldest_seconds"] >= 0
    finally:
        outbox.close()


def test_health_without_an_outbox_or_its_database() -> None:
    def broken() -> Backlog:
        raise ConnectionError("the database is down")

    assert health(None) == {"ok": True}
    assert health(broken) == {"ok": True, "outbox": None}


@pytest.mark.slow
def test_serve_reports_its_backlog(served_bot: Bot) -> None:
    answer = served_bot.slack.get("/healthz")
    assert answer.status == 200 and answer.json() == {
        "ok": True,
        "outbox": {"backlog": 0, "oldest_seconds": 0.0},
    }
