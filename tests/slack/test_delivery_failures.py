"""Delivery when Slack says no: a 429 pauses only its channel, a bad moment is tried again later, a refusal
ends the row with one log line (and a word to the person who asked)."""

from __future__ import annotations

import logging

import pytest

from bot.slack.failures import MAX_BACKOFF, backoff
from flows.ports import Outgoing
from tests.support import FakeSlack
from tests.support.delivery import TEAM, Outbox, keys_in, post


def test_a_429_pauses_only_its_channel(fake_slack: FakeSlack, outbox: Outbox) -> None:
    fake_slack.limit_posts(per_second=0.5, burst=5)
    for n in range(5):  # the busy channel's allowance is used up: its next post waits 2 s
        fake_slack.client().chat_postMessage(channel="C0BUSY", text=f"before {n}")
    (waiting,) = outbox.enqueue(post("C0BUSY", "waits its turn", "busy"))
    flowing = outbox.enqueue(*[post("C0CALM", f"calm {n}", f"calm-{n % 2}") for n in range(5)])
    with outbox.delivering() as delivery:
        delivery.drain()
        assert sorted(keys_in(fake_slack, "C0CALM")) == sorted(row.key for row in flowing)
        assert keys_in(fake_slack, "C0BUSY") == []
        held = next(row for row in outbox.rows() if row.key == waiting.key)
        assert (held.status, held.attempts) == ("pending", 0)  # a 429 is not the row's fault
        fake_slack.wait_until(lambda: keys_in(fake_slack, "C0BUSY") == [waiting.key], timeout=15)
        delivery.drain()
    refused = [c for c in fake_slack.calls("chat.postMessage") if c.status == 429]
    assert [c["channel"] for c in refused] == ["C0BUSY"]  # asked once, then it waited as told


def test_a_server_error_is_tried_again_after_a_while(fake_slack: FakeSlack, outbox: Outbox) -> None:
    fake_slack.server_error("chat.postMessage", 503, times=2)
    (row,) = outbox.enqueue(post("C0FLAKY", "hello", "lane"))
    with outbox.delivering() as delivery:
        delivery.drain()
        first = outbox.rows()[0]
        assert (first.status, first.attempts, first.error) == ("pending", 1, "http_503")
        fake_slack.wait_until(lambda: keys_in(fake_slack, "C0FLAKY") == [row.key], timeout=15)
        delivery.drain()
    assert [c.status for c in fake_slack.calls("chat.postMessage")] == [503, 503, 200]
    (done,) = outbox.rows()
    assert (done.status, done.attempts) == ("done", 3)


def test_backoff_doubles_up_to_five_minutes() -> None:
    assert [backoff(n) for n in range(1, 6)] == [1, 2, 4, 8, 16]
    assert backoff(20) == MAX_BACKOFF == 300


def test_a_refusal_fails_the_row_logs_one_line_and_tells_the_person(
    fake_slack: FakeSlack, outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    review = outbox.service.start(title="Q3", facilitator="U0ALICE", team_id=TEAM).review
    rid = review.id or ""
    fake_slack.remove_bot_from("C0NOTIN")
    url = fake_slack.response_url()
    _refused, after = outbox.enqueue(
        post("C0NOTIN", "kickoff", rid, review_id=rid, effect="thread", response_url=url),
        post("C0OTHER", "the lane goes on", rid, review_id=rid),
    )
    with caplog.at_level(logging.INFO, logger="bot.slack.delivery"), outbox.delivering() as delivery:
        delivery.drain()
    failed = [r for r in caplog.records if r.getMessage().startswith("delivery failed")]
    assert len(failed) == 1 and "error=not_in_channel" in failed[0].getMessage()
    assert "/invite" in failed[0].getMessage()
    assert [(p.method, p.error) for p in outbox.store.problems(rid)] == [
        ("chat.postMessage", "not_in_channel")
    ]
    told = fake_slack.wait_for("response_url")
    assert "/invite @Outsource Review" in told["text"] and told["response_type"] == "ephemeral"
    assert "response_url" not in fake_slack.calls("chat.postMessage")[0].args
    assert keys_in(fake_slack, "C0OTHER") == [after.key]  # a failed row does not hold its lane
    assert [r.status for r in outbox.rows()] == ["failed", "done"]


def test_replies_after_a_failed_kickoff_fail_too(fake_slack: FakeSlack, outbox: Outbox) -> None:
    review = outbox.service.start(title="Q3", facilitator="U0ALICE", team_id=TEAM).review
    rid = review.id or ""
    fake_slack.archive("C0ARCHIVED")
    outbox.enqueue(
        post("C0ARCHIVED", "kickoff", rid, review_id=rid, effect="thread"),
        post("C0ARCHIVED", "first question", rid, review_id=rid, thread=True),
    )
    with outbox.delivering() as delivery:
        delivery.drain()
    assert [(p.error) for p in outbox.store.problems(rid)] == ["no_thread", "is_archived"]
    assert fake_slack.messages("C0ARCHIVED") == []


def test_a_reply_waits_for_its_thread(fake_slack: FakeSlack, outbox: Outbox) -> None:
    review = outbox.service.start(title="Q3", facilitator="U0ALICE", team_id=TEAM).review
    rid = review.id or ""
    outbox.enqueue(post("C0REVIEW", "first question", "a-lane-of-its-own", review_id=rid, thread=True))
    with outbox.delivering() as delivery:
        delivery.drain()
    (row,) = outbox.rows()
    assert (row.status, row.error) == ("pending", "no_thread_yet")


def test_a_workspace_without_a_token_fails_its_rows(fake_slack: FakeSlack, database_url: str) -> None:
    parts = Outbox(fake_slack, database_url, SLACK_BOT_TOKEN="")
    try:
        parts.enqueue(Outgoing("views.publish", {"user_id": "U0ALICE", "view": {}}, TEAM, "home"))
        with parts.delivering() as delivery:
            delivery.drain()
        (row,) = parts.rows()
        assert (row.status, row.error) == ("failed", "no_token")
        assert fake_slack.calls() == []
    finally:
        parts.close()


def test_withdrawing_a_reminder_that_is_gone_already_is_done_not_failed(
    fake_slack: FakeSlack, outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    review = outbox.service.start(title="Q3", facilitator="U0ALICE", team_id=TEAM).review
    rid = review.id or ""
    # The reminder fired (or was withdrawn) before this row was delivered: Slack no longer knows its id.
    outbox.enqueue(
        Outgoing(
            "chat.deleteScheduledMessage",
            {"channel": "C0REVIEW", "scheduled_message_id": "Q0LONGGONE"},
            TEAM,
            rid,
            review_id=rid,
        )
    )
    with caplog.at_level(logging.INFO, logger="bot.slack.delivery"), outbox.delivering() as delivery:
        delivery.drain()
    [call] = fake_slack.calls("chat.deleteScheduledMessage")
    assert call.error == "invalid_scheduled_message_id"
    [row] = outbox.rows()
    assert (row.status, row.error) == ("done", None)
    assert outbox.store.problems(rid) == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
