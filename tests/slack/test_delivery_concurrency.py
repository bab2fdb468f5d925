"""Delivery against a slow Slack: many channels at once, each in order; one channel paced under Slack's limit."""

from __future__ import annotations

from tests.support import FakeSlack
from tests.support.delivery import Outbox, keys_in, post

CHANNELS = 50


def test_a_slow_slack_still_gets_fifty_channels_at_once(fake_slack: FakeSlack, database_url: str) -> None:
    fake_slack.latency.default = 0.5
    outbox = Outbox(fake_slack, database_url)
    try:
        rows = {
            n: outbox.enqueue(*[post(f"C0MANY{n:02d}", f"m{i}", f"lane-{n}") for i in range(2)])
            for n in range(CHANNELS)
        }
        with outbox.delivering() as delivery:
            delivery.drain(timeout=60)
        for n, written in rows.items():
            assert keys_in(fake_slack, f"C0MANY{n:02d}") == [row.key for row in written]
        assert len(fake_slack.calls("chat.postMessage")) == 2 * CHANNELS
        assert fake_slack.in_flight.peak == CHANNELS  # every channel's head was in flight at once
        assert fake_slack.connections_accepted <= CHANNELS  # the second posts reused the connections
    finally:
        outbox.close()


def test_one_channel_is_paced_under_slacks_limit(fake_slack: FakeSlack, database_url: str) -> None:
    posts = 6
    fake_slack.limit_posts(per_second=1.0, burst=4)
    outbox = Outbox(fake_slack, database_url, OUTBOX_PACE="1", OUTBOX_BURST="3")
    try:
        written = outbox.enqueue(*[post("C0PACED", f"m{n}", f"lane-{n}") for n in range(posts)])
        with outbox.delivering():
            fake_slack.wait_until(lambda: len(keys_in(fake_slack, "C0PACED")) == posts, timeout=20)
        assert sorted(keys_in(fake_slack, "C0PACED")) == sorted(row.key for row in written)
        assert [c.status for c in fake_slack.calls("chat.postMessage")] == [200] * posts  # never a 429
    finally:
        outbox.close()
