"""The fake Web API can be slow and rate-limited like Slack, and hides message metadata unless asked for it."""

from __future__ import annotations

import threading

import pytest
from slack_sdk.errors import SlackApiError

from tests.support import FakeSlack
from tests.support.slack_limits import Latency, PostLimit

KEY = {"event_type": "outsource_review_post", "event_payload": {"key": "k1"}}


def test_latency_per_method_falls_back_on_the_default() -> None:
    latency = Latency(default=0.5, methods={"chat.postMessage": 2.0})
    assert (latency.of("chat.postMessage"), latency.of("auth.test")) == (2.0, 0.5)


def test_a_slow_answer_arrives_after_the_message_exists(fake_slack: FakeSlack) -> None:
    fake_slack.latency.methods["chat.postMessage"] = 2.0
    client = fake_slack.client()
    thread = threading.Thread(target=client.chat_postMessage, kwargs={"channel": "C0SLOW", "text": "hi"})
    thread.start()
    fake_slack.wait_until(lambda: len(fake_slack.messages("C0SLOW")) == 1)
    assert fake_slack.in_flight.now == 1 and fake_slack.calls("chat.postMessage") == []
    thread.join()
    assert fake_slack.in_flight.now == 0 and fake_slack.in_flight.peak == 1
    assert fake_slack.last("chat.postMessage").ok


def test_post_limit_lets_a_burst_through_then_asks_to_wait() -> None:
    limit = PostLimit(per_second=1.0, burst=3)
    assert [limit.retry_after("C1", now=100.0) for _ in range(4)] == [0, 0, 0, 1]
    assert limit.retry_after("C2", now=100.0) == 0  # another channel has its own allowance
    assert limit.retry_after("C1", now=101.0) == 0
    assert limit.retry_after("C1", now=101.0) == 1


def test_limit_posts_answers_429_with_retry_after_per_channel(fake_slack: FakeSlack) -> None:
    fake_slack.limit_posts(per_second=0.1, burst=2)
    client = fake_slack.client()
    for _ in range(2):
        client.chat_postMessage(channel="C0BUSY", text="ok")
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C0BUSY", text="too soon")
    assert e.value.response.status_code == 429 and e.value.response.headers["Retry-After"] == "10"
    assert client.chat_postMessage(channel="C0CALM", text="elsewhere")["ok"]
    assert client.chat_update(channel="C0BUSY", ts=fake_slack.messages("C0BUSY")[0].ts, text="x")["ok"]


def test_posts_are_not_limited_by_default(fake_slack: FakeSlack) -> None:
    client = fake_slack.client()
    for _ in range(10):
        client.chat_postMessage(channel="C0BUSY", text="ok")
    assert fake_slack.post_limit is None and len(fake_slack.messages("C0BUSY")) == 10


def test_metadata_only_with_include_all_metadata(fake_slack: FakeSlack) -> None:
    client = fake_slack.client()
    parent = client.chat_postMessage(channel="C0META", text="kickoff", metadata=KEY)
    client.chat_postMessage(channel="C0META", text="reply", thread_ts=parent["ts"], metadata=KEY)
    plain = client.conversations_history(channel="C0META")["messages"]
    full = client.conversations_history(channel="C0META", include_all_metadata=True)["messages"]
    assert "metadata" not in plain[0] and full[0]["metadata"] == KEY
    thread = client.conversations_replies(channel="C0META", ts=parent["ts"], include_all_metadata=True)
    assert [m.get("metadata") for m in thread["messages"]] == [KEY, KEY]
    hidden = client.conversations_replies(channel="C0META", ts=parent["ts"])["messages"]
    assert all("metadata" not in m for m in hidden)


def test_history_after_oldest(fake_slack: FakeSlack) -> None:
    client = fake_slack.client()
    said = [client.chat_postMessage(channel="C0HIST", text=f"m{i}")["ts"] for i in range(3)]
    after = client.conversations_history(channel="C0HIST", oldest=said[0])["messages"]
    assert [m["text"] for m in after] == ["m2", "m1"]
    inclusive = client.conversations_history(channel="C0HIST", oldest=said[0], inclusive=True)
    assert [m["text"] for m in inclusive["messages"]] == ["m2", "m1", "m0"]
