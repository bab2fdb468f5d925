"""When Slack says no: the bot not in the channel, an archived channel, rate limits, a failing Web API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import payloads as p
from tests.support.conversation import Slack, failed, last_question, responses, shared_bot

slack = shared_bot("faults")


@pytest.fixture(autouse=True)
def no_faults_left(slack: Slack) -> Iterator[None]:
    yield
    slack.fake.clear_faults()


def saved_in(slack: Slack, channel: str) -> list:  # type: ignore[type-arg]
    """The channel's reviews still open: one whose kickoff Slack refused is saved first (with its kickoff in
    the outbox), then cancelled when the kickoff fails."""
    reviews = slack.talk().store.list_reviews(p.TEAM_ID, 1000)
    return [r for r in reviews if r.channel_id == channel and r.is_open]


def test_not_in_channel_says_how_to_invite_the_bot(slack: Slack) -> None:
    talk = slack.talk()
    slack.fake.remove_bot_from(talk.channel)
    status, body, calls = talk.command("Q3 review")
    assert status == 200 and body.startswith("Starting *Q3 review*")  # at once, before Slack is asked
    refused = [c for c in calls if c.method == "chat.postMessage"]
    assert [c.error for c in refused] == ["not_in_channel"]
    answer = responses(calls)
    assert len(answer) == 1 and answer[0]["response_type"] == "ephemeral"
    assert "/invite @Outsource Review" in answer[0]["text"]
    assert "run the command again" in answer[0]["text"]
    assert saved_in(slack, talk.channel) == []

    # Invited, the same command works.
    slack.fake.add_bot_to(talk.channel)
    talk.start("Q3 review")
    assert len(saved_in(slack, talk.channel)) == 1


def test_a_private_channel_the_bot_cannot_see(slack: Slack) -> None:
    talk = slack.talk()
    talk.channel = talk.channel.replace("C", "G", 1)
    slack.fake.fail("chat.postMessage", "channel_not_found")
    _, _, calls = talk.command("Secret review", channel_name="privategroup")
    assert "/invite @Outsource Review" in responses(calls)[0]["text"]
    assert saved_in(slack, talk.channel) == []


def test_an_archived_channel(slack: Slack) -> None:
    talk = slack.talk()
    slack.fake.archive(talk.channel)
    _, _, calls = talk.command("Q3 review")
    assert [c.error for c in calls if c.method == "chat.postMessage"] == ["is_archived"]
    answer = responses(calls)
    assert len(answer) == 1 and "archived" in answer[0]["text"]
    assert saved_in(slack, talk.channel) == []


def test_a_rate_limited_question_is_retried(slack: Slack) -> None:
    talk = slack.talk()
    thread = talk.start()
    mark = slack.fake.mark()
    slack.fake.rate_limit("chat.postMessage", retry_after=1)
    talk.bot.slack.event(p.message_event("skip", channel=talk.channel, thread_ts=thread))
    posted = slack.fake.wait_for(
        "chat.postMessage", lambda c: c.ok and c.get("thread_ts") == thread, since=mark, timeout=10
    )
    attempts = [c for c in slack.fake.calls("chat.postMessage") if c.seq > mark]
    assert attempts[0].status == 429 and attempts[0].error == "ratelimited"
    assert attempts[1] is posted and attempts[1].text == attempts[0].text
    assert "Step 1 of 7" in posted.all_text()
    assert posted.time - attempts[0].time >= 0.9, "Retry-After was honoured"


def test_a_failing_web_api_loses_no_answer(slack: Slack) -> None:
    talk = slack.talk()
    thread = talk.start()
    slack.fake.fail("chat.postMessage", "channel_not_found", times=None)
    calls = talk.say("skip")
    assert [c.error for c in calls if c.method == "chat.postMessage"] == ["channel_not_found"]
    review = talk.review()
    history = talk.store.history(review.id or "")
    assert [(r.question, r.text) for r in history] == [("intake.organisation", "skip")]

    # The bot still serves: health, other channels, and this review once Slack recovers.
    assert slack.bot.slack.get("/healthz").status == 200
    slack.fake.clear_faults()
    calls = talk.say("Blog writing\nSEO audits")
    assert not failed(calls)
    assert len(talk.store.history(review.id or "")) == 2
    calls = talk.say("done")
    assert "Step 2 of 7" in last_question(calls).all_text()
    assert last_question(calls)["thread_ts"] == thread
    assert slack.bot.running()


def test_a_server_error_is_retried(slack: Slack) -> None:
    talk = slack.talk()
    thread = talk.start()
    mark = slack.fake.mark()
    slack.fake.server_error("chat.postMessage", 503)
    talk.bot.slack.event(p.message_event("skip", channel=talk.channel, thread_ts=thread))
    slack.fake.wait_for(
        "chat.postMessage", lambda c: c.ok and c.get("thread_ts") == thread, since=mark, timeout=10
    )
    assert [c.status for c in slack.fake.calls("chat.postMessage") if c.seq > mark] == [503, 200]


def test_status_and_app_home_say_when_slack_refused_a_reviews_messages(slack: Slack) -> None:
    """A message Slack refuses for good ends its outbox row; the review keeps the problem, and `status` and
    App Home say what it is and what to do, instead of the question silently never appearing."""
    talk = slack.talk()
    talk.start("Archived later")
    slack.fake.archive(talk.channel)
    talk.say("skip")  # saved; its question is refused (the channel is archived)
    _, body, _ = talk.command("status")
    assert "Slack refused" in body and "is_archived" in body and "unarchive it" in body, body
    mark = slack.fake.mark()
    assert talk.bot.slack.event(p.app_home_opened_event("U0HOME")).status == 200
    home = slack.fake.wait_for("views.publish", since=mark)
    assert "Slack refused" in home.all_text()
