"""Input from Slack that used to cost minutes of CPU, reach Slack raw, or be dropped without a word: signed
requests into the real app in-process (`Ours`), and one real `serve` killed while it posts a kickoff."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.slack.listeners.commands import HALF_STARTED, KICKOFF_GRACE
from flows.interview import current_prompt
from flows.model import Review, utcnow
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import start_bot, stop_bot, wait_delivered
from tests.support.conversation import new_channel
from tests.support.fake_slack import Call
from tests.support.harness import (
    SIGNING_SECRET,
    Ours,
    call_wsgi,
    review_at_candidates,
    signed_event,
    wsgi_environ,
)
from tests.support.signed import signed_headers

BIDI_AND_CONTROL = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u0000\u0007\u001b\u007f"
OTHER_TEAM = "T0OTHERCO"  # a Slack Connect member's own workspace


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        yield running


@pytest.fixture(scope="module")
def ours(fake: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ours]:
    app = Ours.start(fake, f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'bot.db'}", count_sql=False)
    yield app
    app.stop()


def command(ours: Ours, text: str, channel: str) -> tuple[int, str]:
    """The status, and what the bot answered: in the HTTP response and to the response_url."""
    fields = p.slash_command(text=text, channel_id=channel, response_url=ours.fake.response_url())
    raw = urlencode(fields).encode()
    environ = wsgi_environ(raw, signed_headers(SIGNING_SECRET, raw))
    environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    status: list[str] = []
    mark = ours.fake.mark()
    out = b"".join(ours.wsgi(environ, lambda line, *_: status.append(line)))
    responded = [c.args.get("text", "") for c in ours.fake.calls("response_url") if c.seq > mark]
    return int(status[0].split()[0]), "\n".join([out.decode(), *responded])


def reply(ours: Ours, text: str, channel: str, thread_ts: str, team: str = p.TEAM_ID) -> int:
    event = p.message_event(text, channel=channel, thread_ts=thread_ts, team=team)
    body, headers = signed_event(event)  # delivered for the workspace that installed the app
    status, _ = call_wsgi(ours.wsgi, body, headers)
    return status


def calls_in(fake: FakeSlack, method: str, channel: str) -> list[Call]:
    return [c for c in fake.calls(method) if c.get("channel") == channel]


# ---------------------------------------------------------------- 1. a reply of any content, at once


class OverBudget(Exception):
    pass


def _expire(*_: object) -> None:
    raise OverBudget("more than 5 s of CPU for one reply")


@pytest.mark.parametrize(
    "text",
    # Within Slack's 40,000 characters; all but the joiners (dropped by cleaning) within the 20,000 a reply
    # may have once cleaned, so they reach the parser.
    ["a" + "\u200d" * 39_990, "a" + "\u0301" * 19_999, " \n" * 9_995, "merge " + " " * 19_990],
    ids=["joiners", "combining marks", "spaces and newlines", "merge and spaces"],
)
def test_a_pathological_reply_is_answered_at_once(ours: Ours, text: str) -> None:
    """Each reply is as long as Slack allows; the slowest took 33 s of CPU and more. The budget counts CPU
    time, not the clock, and is 50 times what the reply needs."""
    channel = new_channel()
    review = ours.seat(review_at_candidates(3), channel)
    previous = signal.signal(signal.SIGPROF, _expire)
    signal.setitimer(signal.ITIMER_PROF, 5.0)
    try:
        assert reply(ours, text, channel, review.thread_ts or "") == 200
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
    # Not an answer to "which of these could be outsourced?": the person is told what the question takes.
    assert calls_in(ours.fake, "chat.postEphemeral", channel)


# ---------------------------------------------------------------- 9. the kickoff: clean title, half-started


def test_the_first_kickoff_message_has_no_bidi_or_control_characters(ours: Ours) -> None:
    channel = new_channel()
    status, _ = command(ours, f"Q3 {BIDI_AND_CONTROL}review", channel)
    assert status == 200
    posts = calls_in(ours.fake, "chat.postMessage", channel)
    assert posts, "no kickoff was posted"
    kickoff = posts[0]
    assert kickoff.get("thread_ts") is None
    assert "Q3 review" in kickoff.text
    for call in [*posts, *calls_in(ours.fake, "chat.update", channel)]:
        shown = call.all_text()
        assert not any(ch in shown for ch in BIDI_AND_CONTROL), repr(shown)


def _half_started(ours: Ours, channel: str) -> tuple[Review, str]:
    """A review whose kickoff has not reached its thread for longer than a kickoff may wait in the outbox
    (a review started before the outbox, or one whose kickoff is stuck): saved without its thread ten minutes
    ago, and a message of the bot's in the channel that is no review's kickoff."""
    started = Review(
        title="Q3 review",
        facilitator=p.USER_ID,
        team_id=p.TEAM_ID,
        channel_id=channel,
        created_at=utcnow() - KICKOFF_GRACE * 2,
    )
    review = ours.service.store.create(started)
    kickoff = ours.fake.client().chat_postMessage(channel=channel, text="Starting an outsource review: Q3")
    return review, str(kickoff["ts"])


def test_a_reply_under_a_kickoff_without_a_review_is_answered(ours: Ours) -> None:
    channel = new_channel()
    _, kickoff_ts = _half_started(ours, channel)
    assert reply(ours, "SEO audits", channel, kickoff_ts) == 200
    told = calls_in(ours.fake, "chat.postEphemeral", channel)
    assert [c.text for c in told] == [HALF_STARTED]
    assert told[0]["user"] == p.USER_ID and told[0]["thread_ts"] == kickoff_ts


def test_a_reply_in_a_thread_of_someone_else_is_still_ignored(ours: Ours) -> None:
    channel = new_channel()
    _half_started(ours, channel)
    event = p.message_event("hi", channel=channel, thread_ts=p.new_ts(), parent_user_id="U0BOB")
    body, headers = signed_event(event)
    assert call_wsgi(ours.wsgi, body, headers)[0] == 200
    assert not calls_in(ours.fake, "chat.postEphemeral", channel)


def test_status_explains_a_review_that_did_not_start(ours: Ours) -> None:
    channel = new_channel()
    _half_started(ours, channel)
    status, text = command(ours, "status", channel)
    assert status == 200 and "did not start properly" in text, text
    # A new start works as usual, and is the channel's review from then on.
    command(ours, "Q3 again", channel)
    status, text = command(ours, "status", channel)
    assert "Q3 again" in text and "did not start" not in text, text


def test_a_kickoff_slack_refuses_leaves_no_review_behind(ours: Ours) -> None:
    channel = new_channel()
    ours.fake.fail("chat.postMessage", "not_in_channel")
    command(ours, "Q3 review", channel)
    _, text = command(ours, "status", channel)
    assert "There is no review in this channel yet" in text, text
    _, listed = command(ours, "list", channel)
    assert channel not in listed


@pytest.mark.slow
def test_killed_while_posting_the_kickoff(tmp_path: Path) -> None:
    """A real `serve`, SIGKILLed after Slack has its kickoff post but before its answer arrives: started again
    on the same database, it finds that post (by the row's key in the message's metadata) instead of posting
    a second kickoff, and the first question follows in its thread, once."""
    channel = new_channel()
    database_url = f"sqlite:///{tmp_path / 'bot.db'}"
    with FakeSlack() as fake:
        fake.latency.methods["chat.postMessage"] = 30.0  # Slack has the post; its answer is on its way
        bot = start_bot(fake, tmp_path, database_url, "first", OUTBOX_LEASE="2")
        bot.slack.settle = None  # the kickoff is not going to be delivered by this process
        answered = bot.slack.slash_command("Q3 review", channel_id=channel)
        assert answered.status == 200 and answered.text.startswith("Starting *Q3 review*")
        fake.wait_until(lambda: len(fake.messages(channel)) == 1, timeout=20)
        stop_bot(bot, kill=True)
        fake.latency.methods["chat.postMessage"] = 0.0
        again = start_bot(fake, tmp_path, database_url, "second", OUTBOX_LEASE="2")
        try:
            fake.wait_until(lambda: len(fake.messages(channel)) == 2, timeout=30)
            wait_delivered(again.slack)
            kickoff, question = fake.messages(channel)
            assert "Q3 review" in kickoff.text and question.thread_ts == kickoff.ts
            status = again.slack.slash_command("status", channel_id=channel)
            assert "Getting started" in status.text and "did not start" not in status.text, status
            assert fake.calls("conversations.history")  # it looked before posting the kickoff again
        finally:
            stop_bot(again)


# ---------------------------------------------------------------- 10. Slack Connect members


def test_a_slack_connect_member_in_the_channel_answers_like_anyone(ours: Ours) -> None:
    """In a channel shared with another company, a member of that company replies in the review's thread:
    `event.team` names their workspace, the delivery names ours. They are in the channel, which is who may
    answer; their answer is taken (it was dropped without a word)."""
    channel = new_channel()
    review = ours.seat(review_at_candidates(3), channel)
    assert reply(ours, "1 2", channel, review.thread_ts or "", team=OTHER_TEAM) == 200
    saved = ours.service.load(review.id or "")
    assert saved.version > review.version
    prompt = current_prompt(review)
    assert prompt is not None and prompt.key in saved.answers
    assert saved.answers[prompt.key]["picked"] == [o.value for o in prompt.options[:2]]


def test_a_slack_connect_member_mentioning_the_bot_in_a_review_thread_gets_no_greeting(ours: Ours) -> None:
    """Their `message` event carries the answer. The `app_mention` of the same reply looks the thread up in
    the workspace the event is delivered for, as every listener does (it looked in their own workspace, found
    no review there, and greeted them in the review's thread)."""
    channel = new_channel()
    review = ours.seat(review_at_candidates(3), channel)
    event = p.app_mention_event("1 2", channel=channel, thread_ts=review.thread_ts, team=OTHER_TEAM)
    body, headers = signed_event(event)
    mark = ours.fake.mark()
    status, _ = call_wsgi(ours.wsgi, body, headers)
    assert status == 200
    assert [c for c in calls_in(ours.fake, "chat.postMessage", channel) if c.seq > mark] == []
