"""Delivery: outbox rows in a real SQLite file, sent to the fake Slack Web API in order, once, with effects."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.slack.effects import slack_time
from bot.slack.posted import metadata_for
from flows.model import utcnow
from flows.ports import Outgoing
from storage.reminders import ScheduledReminder, reminders_beside
from tests.support import FakeSlack
from tests.support.delivery import TEAM, Outbox, keys_in, post

CHANNEL = "C0REVIEW"


def test_a_lane_is_delivered_in_order_in_the_reviews_thread(fake_slack: FakeSlack, outbox: Outbox) -> None:
    review = outbox.service.start(title="Q3", facilitator="U0ALICE", team_id=TEAM).review
    rid = review.id or ""
    kickoff = post(CHANNEL, "kickoff", rid, review_id=rid, effect="thread")
    replies = [post(CHANNEL, f"question {n}", rid, review_id=rid, thread=True) for n in range(5)]
    outbox.enqueue(kickoff, *replies)
    with outbox.delivering() as delivery:
        delivery.drain()
    review = outbox.service.load(rid)
    assert review.channel_id == CHANNEL and review.thread_ts is not None
    assert keys_in(fake_slack, CHANNEL, review.thread_ts) == [row.key for row in (kickoff, *replies)]
    thread = fake_slack.messages(CHANNEL, thread_ts=review.thread_ts)
    assert [m.text for m in thread] == ["kickoff"] + [f"question {n}" for n in range(5)]
    assert all(m.thread_ts == review.thread_ts for m in thread[1:])
    assert [(r.status, r.attempts) for r in outbox.rows()] == [("done", 1)] * 6
    assert outbox.store.result(rid, "thread") == {"channel": CHANNEL, "ts": review.thread_ts}


def test_lanes_do_not_wait_for_each_other_but_keep_their_own_order(
    fake_slack: FakeSlack, outbox: Outbox
) -> None:
    rows = [post(f"C0LANE{n % 3}", f"m{n}", f"lane-{n % 3}") for n in range(12)]
    outbox.enqueue(*rows)
    with outbox.delivering() as delivery:
        delivery.drain()
    for lane in range(3):
        assert keys_in(fake_slack, f"C0LANE{lane}") == [r.key for r in rows[lane::3]]


def test_posted_effect_keeps_slacks_time_of_the_question(fake_slack: FakeSlack, outbox: Outbox) -> None:
    review = outbox.service.start(title="Q3", facilitator="U0ALICE", team_id=TEAM).review
    rid = review.id or ""
    edition = outbox.service.prompt(review).edition  # type: ignore[union-attr]
    outbox.service.mark_posted(rid, edition)  # as the save that wrote the row does
    outbox.enqueue(post(CHANNEL, "the question", rid, review_id=rid, effect=f"posted:{edition}"))
    with outbox.delivering() as delivery:
        delivery.drain()
    posted = outbox.service.load(rid)
    assert posted.posted_question == edition
    assert posted.posted_at == slack_time(fake_slack.messages(CHANNEL)[0].ts)


def test_posted_effect_leaves_a_question_that_moved_on_alone(fake_slack: FakeSlack, outbox: Outbox) -> None:
    review = outbox.service.start(title="Q3", facilitator="U0ALICE", team_id=TEAM).review
    rid = review.id or ""
    before = outbox.service.mark_posted(rid, "a later question")
    outbox.enqueue(post(CHANNEL, "an old question", rid, review_id=rid, effect="posted:old"))
    with outbox.delivering() as delivery:
        delivery.drain()
    after = outbox.service.load(rid)
    assert (after.posted_question, after.posted_at, after.version) == (
        "a later question",
        before.posted_at,
        before.version,
    )


def test_reminder_effect_keeps_the_scheduled_message(fake_slack: FakeSlack, outbox: Outbox) -> None:
    review = outbox.service.start(title="Q3", facilitator="U0ALICE", team_id=TEAM).review
    rid = review.id or ""
    post_at = int((utcnow() + timedelta(days=3)).timestamp())
    args = {"channel": CHANNEL, "post_at": post_at, "text": "Time for the check-in"}
    outbox.enqueue(
        Outgoing("chat.scheduleMessage", args, TEAM, rid, review_id=rid, effect=f"reminder:{post_at}")
    )
    with outbox.delivering() as delivery:
        delivery.drain()
    (scheduled,) = fake_slack.scheduled_messages()
    assert reminders_beside(outbox.service.store).get(rid) == ScheduledReminder(post_at, scheduled)
    assert "checkin.reminder" not in outbox.service.load(rid).answers  # Slack's state, not an answer
    assert outbox.store.result(rid, "reminder") == {
        "channel": CHANNEL,
        "scheduled_message_id": scheduled,
        "post_at": post_at,
    }


def test_every_post_carries_its_rows_key(fake_slack: FakeSlack, outbox: Outbox) -> None:
    (row,) = outbox.enqueue(post(CHANNEL, "hello", "lane"))
    with outbox.delivering() as delivery:
        delivery.drain()
    assert fake_slack.last("chat.postMessage").json_arg("metadata") == metadata_for(row.key)


def test_a_retried_row_slack_already_has_is_not_posted_again(fake_slack: FakeSlack, outbox: Outbox) -> None:
    (row,) = outbox.enqueue(post(CHANNEL, "hello", "lane"))
    # A worker claimed it, posted it and died before marking it done; its lease has run out since.
    assert len(outbox.died_holding(1)) == 1
    earlier = fake_slack.client().chat_postMessage(
        channel=CHANNEL, text="hello", metadata=metadata_for(row.key)
    )
    with outbox.delivering() as delivery:
        delivery.drain()
    assert len(fake_slack.calls("chat.postMessage")) == 1 and keys_in(fake_slack, CHANNEL) == [row.key]
    assert fake_slack.last("conversations.history")["include_all_metadata"] in ("1", "true", True)
    (done,) = outbox.rows()
    assert (done.status, done.attempts) == ("done", 2)
    assert json.loads(done.result or "{}") == {"channel": CHANNEL, "ts": earlier["ts"]}


def test_a_retried_thread_reply_is_looked_for_in_the_thread(fake_slack: FakeSlack, outbox: Outbox) -> None:
    review = outbox.service.start(title="Q3", facilitator="U0ALICE", team_id=TEAM).review
    rid = review.id or ""
    parent = fake_slack.client().chat_postMessage(channel=CHANNEL, text="kickoff")
    outbox.service.attach_thread(review, CHANNEL, parent["ts"])
    posted, lost = outbox.enqueue(
        post(CHANNEL, "reached Slack", rid, review_id=rid, thread=True),
        post(CHANNEL, "never sent", "other-lane", review_id=rid, thread=True),
    )
    assert len(outbox.died_holding(2)) == 2
    fake_slack.client().chat_postMessage(
        channel=CHANNEL, thread_ts=parent["ts"], text="reached Slack", metadata=metadata_for(posted.key)
    )
    with outbox.delivering() as delivery:
        delivery.drain()
    assert keys_in(fake_slack, CHANNEL, parent["ts"]) == [posted.key, lost.key]
    assert all(call["ts"] == parent["ts"] for call in fake_slack.calls("conversations.replies"))
    assert [r.attempts for r in outbox.rows()] == [2, 2]


def test_drain_gives_up_after_its_timeout(fake_slack: FakeSlack, outbox: Outbox) -> None:
    fake_slack.latency.methods["chat.postMessage"] = 3.0
    outbox.enqueue(post(CHANNEL, "slow", "lane"))
    with outbox.delivering() as delivery, pytest.raises(TimeoutError):
        delivery.drain(timeout=0.2)


def test_stop_finishes_the_deliveries_in_hand_and_takes_no_more(
    fake_slack: FakeSlack, outbox: Outbox
) -> None:
    fake_slack.latency.methods["chat.postMessage"] = 1.0
    outbox.enqueue(*[post(CHANNEL, f"m{n}", "lane") for n in range(3)])
    with outbox.delivering() as delivery:
        fake_slack.wait_until(lambda: fake_slack.in_flight.now == 1)
        assert delivery.stop(timeout=10) is True
    assert [r.status for r in outbox.rows()] == ["done", "pending", "pending"]
    assert len(fake_slack.calls("chat.postMessage")) == 1


def test_stop_cuts_a_delivery_short_after_its_timeout(fake_slack: FakeSlack, outbox: Outbox) -> None:
    fake_slack.latency.methods["chat.postMessage"] = 5.0
    outbox.enqueue(post(CHANNEL, "slow", "lane"))
    with outbox.delivering() as delivery:
        fake_slack.wait_until(lambda: fake_slack.in_flight.now == 1)
        assert delivery.stop(timeout=0.1) is False
    (row,) = outbox.rows()
    assert row.status == "sending"  # taken again once its lease runs out, and looked for first
