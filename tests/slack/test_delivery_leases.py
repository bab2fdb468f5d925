"""A delivery slower than the outbox lease keeps its row: the worker renews the lease while the call is in hand,
so another worker sharing the database never takes the row and sends it a second time."""

from __future__ import annotations

from flows.ports import Outgoing
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.delivery import TEAM, Outbox

SLOW = 3.0  # seconds Slack takes to answer: three leases


def test_a_call_slower_than_the_lease_is_sent_once_by_two_deliveries(
    fake_slack: FakeSlack, database_url: str
) -> None:
    fake_slack.latency.methods["chat.postEphemeral"] = SLOW
    outbox = Outbox(fake_slack, database_url, OUTBOX_LEASE="1")
    try:
        # An ephemeral message has no metadata to look for: only the lease keeps it from being sent twice.
        outbox.enqueue(
            Outgoing(
                "chat.postEphemeral",
                {"channel": p.CHANNEL_ID, "user": p.USER_ID, "text": "only you see this"},
                TEAM,
                "lane-slow",
            )
        )
        with outbox.delivering() as first, outbox.delivering() as second:
            fake_slack.wait_until(lambda: outbox.rows()[0].status == "done", timeout=SLOW * 4)
            first.drain(timeout=SLOW * 4)
            second.drain(timeout=SLOW * 4)
        assert len(fake_slack.calls("chat.postEphemeral")) == 1
        [row] = outbox.rows()
        assert (row.status, row.attempts) == ("done", 1)
    finally:
        outbox.close()
