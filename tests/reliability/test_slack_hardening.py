"""What a black-box probe found, each fixed: replies judged against the question open when they were typed,
a reopened review revised only by its facilitator, and clicks only from members of the review's channel.

The real app runs in this process (`tests.support.bots.start_app`: a SQLite file, the fake Web API, the
delivery threads); requests are signed and dispatched into it, and each waits until what it wrote to the
outbox is delivered.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.slack.text import question_token
from flows.interview import current_prompt
from flows.method import Stage
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import Bot, start_app, stop_bot
from tests.support.chat import ALICE, BOB, Chat, last_question
from tests.support.checkin import SESSIONS_LABEL, finished_review, load, values_for
from tests.support.conversation import ephemerals

CAROL = "U0CAROL"
ADMIN = "U0ADMIN"
OUTSIDER = "U0OUTSIDE"
KNOCKOUTS = ["none"] * 12
TO_KNOCKOUTS = ["skip", "Blog writing\nSEO audits", "done", "all"]
RATING = "2 4 2 3 5 2"


@pytest.fixture
def app(fake_slack: FakeSlack, tmp_path: Path) -> Iterator[Bot]:
    """The app in this process (with its delivery threads), as `serve` builds it."""
    bot = start_app(fake_slack, tmp_path, f"sqlite:///{tmp_path / 'bot.db'}")
    yield bot
    stop_bot(bot)


def said(calls: list[Any]) -> str:
    return " ".join(ephemerals(calls))


def finished(chat: Chat) -> None:
    """Two processes, none excluded, equal weights, Alice the one rater; then finished (step 7 skipped)."""
    chat.start()
    chat.say_all([*TO_KNOCKOUTS, *KNOCKOUTS, "ok"])
    for _ in range(2):
        chat.say_all(["skip", RATING, "done"])
    chat.say_all(["done", "done"])
    assert chat.review().state is Stage.DONE, current_prompt(chat.review())


# ---------------------------------------------------------------- 2. ordering


def test_a_reply_typed_before_the_next_question_was_posted_does_not_answer_it(
    app: Bot, fake_slack: FakeSlack
) -> None:
    chat = Chat(app, fake_slack)
    chat.start()
    chat.say_all(TO_KNOCKOUTS)
    first = current_prompt(chat.review())
    assert first is not None
    # Alice and Bob both type `none` to the first knock-out question, at the same moment: both messages are
    # dated before the next question is posted. Alice's arrives first.
    typed_alice, typed_bob = p.new_ts(), p.new_ts()
    event = p.message_event("none", user=ALICE, channel=chat.channel, thread_ts=chat.thread, ts=typed_alice)
    chat.event(p.event_callback(event))
    second = current_prompt(chat.review())
    assert second is not None and second.key != first.key and first.key in chat.review().answers

    event = p.message_event("none", user=BOB, channel=chat.channel, thread_ts=chat.thread, ts=typed_bob)
    _, calls = chat.event(p.event_callback(event))
    review = chat.review()
    assert second.key not in review.answers  # Bob's `none` was for the first question
    assert current_prompt(review) == second
    late = [r for r in chat.history() if r.author == BOB]
    assert [(r.question, r.value) for r in late] == [(first.key, {"late": True})]
    told = said(calls)
    assert "moved on" in told and second.text[:40] in told, told

    # Typed after the second question was posted, Bob's reply answers it.
    chat.say("none", BOB)
    assert second.key in chat.review().answers


# ---------------------------------------------------------------- 3. a reopened review is the facilitator's


def test_only_the_facilitator_or_an_admin_finishes_or_changes_a_reopened_review(
    app: Bot, fake_slack: FakeSlack
) -> None:
    fake_slack.set_user(ADMIN, "ada", is_admin=True)
    chat = Chat(app, fake_slack)
    finished(chat)
    chat.command("reopen", ALICE)
    assert chat.review().state is Stage.REPORT

    reports = len([c for c in fake_slack.calls("chat.postMessage") if not c.get("thread_ts")])
    calls = chat.say("done", BOB)
    assert "Only the facilitator" in said(calls) and chat.review().state is Stage.REPORT
    assert len([c for c in fake_slack.calls("chat.postMessage") if not c.get("thread_ts")]) == reports

    answered = list(chat.review().answered)
    calls = chat.say("change 2", BOB)
    assert "Only the facilitator" in said(calls) and chat.review().answered == answered
    calls = chat.say("merge SEO audits into Blog writing", BOB)
    assert "Only the facilitator" in said(calls) and chat.review().answered == answered

    chat.say("change 2", ADMIN)  # an admin may
    assert chat.review().answered != answered
    chat.say_all(["Blog writing\nSEO audits", "done"])  # the reopened answer, given again
    assert chat.review().is_open is False

    chat.command("reopen", ALICE)
    chat.say("done", ALICE)  # and the facilitator finishes
    assert chat.review().state is Stage.DONE


def test_anyone_may_still_change_an_answer_during_the_first_run(app: Bot, fake_slack: FakeSlack) -> None:
    chat = Chat(app, fake_slack)
    chat.start()
    chat.say_all(TO_KNOCKOUTS)
    chat.say("change 2", BOB)
    assert current_prompt(chat.review()).key == "simplify.processes"  # type: ignore[union-attr]


# ---------------------------------------------------------------- 4. clicks only from channel members


def test_a_click_from_someone_outside_the_reviews_channel_changes_nothing(
    app: Bot, fake_slack: FakeSlack
) -> None:
    chat = Chat(app, fake_slack)
    fake_slack.add_channel(chat.channel, members=[ALICE, BOB])
    chat.start()
    question = last_question(fake_slack.calls())
    before = chat.review()
    reply, calls = chat.click(question, "Skip", OUTSIDER)
    assert reply.status == 200
    assert "Only members" in said(calls)
    assert chat.review().version == before.version and chat.history() == []

    _, calls = chat.click(question, "Skip", BOB)
    assert [(r.author, r.text) for r in chat.history()] == [(BOB, "skip")]


def test_a_form_from_someone_outside_the_reviews_channel_changes_nothing(
    app: Bot, fake_slack: FakeSlack
) -> None:
    chat = Chat(app, fake_slack)
    fake_slack.add_channel(chat.channel, members=[ALICE, BOB])
    chat.start()
    chat.say("skip")
    review = chat.review()
    prompt = current_prompt(review)
    assert prompt is not None
    metadata = {"r": review.id, "q": question_token(prompt.key), "c": chat.channel, "t": review.thread_ts}
    for user in (OUTSIDER, BOB):
        mark = fake_slack.mark()
        reply = app.slack.view_submission(
            "list_view",
            {"lines": {"lines_input": p.text_value("Blog writing")}},
            user_id=user,
            team_id=chat.team,
            private_metadata=json.dumps(metadata),
        )
        assert reply.status == 200
        if user == OUTSIDER:
            assert "Only members" in said(chat.since(mark))
            assert chat.review().version == review.version
    assert [(r.author, r.text) for r in chat.history()] == [(ALICE, "skip"), (BOB, "Blog writing")]


def test_a_checkin_from_someone_outside_the_reviews_channel_records_nothing(
    app: Bot, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel(p.CHANNEL_ID, members=[ALICE])
    review, _ = finished_review(app, fake_slack)
    reply = app.slack.slash_command("checkin", channel_id=p.CHANNEL_ID, user_id=ALICE)
    assert reply.status == 200
    opened = fake_slack.last("views.open").view or {}
    values = values_for(opened, None, **{SESSIONS_LABEL: "12500"})
    for user in (OUTSIDER, ALICE):
        mark = fake_slack.mark()
        reply = app.slack.view_submission(
            opened["callback_id"],
            values,
            user_id=user,
            private_metadata=opened.get("private_metadata", ""),
        )
        assert reply.status == 200
        if user == OUTSIDER:
            refusals = [c.text for c in fake_slack.calls() if c.seq > mark and c.get("channel") == OUTSIDER]
            assert refusals and "Only members" in refusals[0]
            assert load(app, review.id or "").answers == review.answers
    checkins = [k for k in load(app, review.id or "").answers if k.startswith("checkin")]
    assert checkins and checkins != [k for k in review.answers if k.startswith("checkin")]


# ---------------------------------------------------------------- 5. access checks within the request's second

SLOW_CHECK = 1.0  # seconds Slack takes: past the checks' time (CHECK_TIMEOUT), within slack_sdk's old 2 s


def test_a_membership_check_slack_does_not_answer_in_time_refuses_and_asks_to_try_again(
    app: Bot, fake_slack: FakeSlack
) -> None:
    chat = Chat(app, fake_slack)
    fake_slack.add_channel(chat.channel, members=[ALICE, BOB])
    chat.start()
    question = last_question(fake_slack.calls())
    before = chat.review()
    fake_slack.latency.methods["conversations.members"] = SLOW_CHECK
    reply, calls = chat.click(question, "Skip", BOB)
    assert reply.status == 200
    assert "couldn't check that you are in the review's channel" in said(calls)
    assert chat.review().version == before.version and chat.history() == []

    fake_slack.latency.methods["conversations.members"] = 0.0
    chat.click(question, "Skip", BOB)  # a no for want of an answer was not kept
    assert [(r.author, r.text) for r in chat.history()] == [(BOB, "skip")]


def test_the_facilitator_and_named_raters_act_without_a_membership_check(
    app: Bot, fake_slack: FakeSlack
) -> None:
    """They are never kept waiting for Slack's member list, nor refused when it is too slow to come."""
    chat = Chat(app, fake_slack)
    fake_slack.add_channel(chat.channel, members=[ALICE, BOB, CAROL])
    chat.start()
    chat.say(f"raters <@{BOB}>")
    question = last_question(fake_slack.calls())
    fake_slack.latency.methods["conversations.members"] = SLOW_CHECK
    mark = fake_slack.mark()
    chat.click(question, "Skip", BOB)
    assert [(r.author, r.text) for r in chat.history()][-1] == (BOB, "skip")
    question = last_question(fake_slack.calls())
    _, calls = chat.click(question, "Add in a form", ALICE)
    assert [c.method for c in calls if c.method == "views.open"] == ["views.open"]
    assert not [c for c in fake_slack.calls("conversations.members") if c.seq > mark]

    _, calls = chat.click(question, "Add in a form", CAROL)  # not named: looked up, and Slack is too slow
    assert "couldn't check that you are in the review's channel" in said(calls)
    assert not [c for c in calls if c.method == "views.open"]
    # The lookup went on: once Slack has answered, her next click finds the list kept and is not refused.
    fake_slack.wait_until(
        lambda: any(c.seq > mark and c.response for c in fake_slack.calls("conversations.members")), 5
    )
    _, calls = chat.click(question, "Add in a form", CAROL)
    assert [c.method for c in calls if c.method == "views.open"] == ["views.open"]
    assert len([c for c in fake_slack.calls("conversations.members") if c.seq > mark]) == 1


def test_an_admin_check_slack_does_not_answer_in_time_grants_nothing(app: Bot, fake_slack: FakeSlack) -> None:
    fake_slack.set_user(ADMIN, "ada", is_admin=True)
    chat = Chat(app, fake_slack)
    chat.start()
    fake_slack.latency.methods["users.info"] = SLOW_CHECK
    reply, _ = chat.command("cancel", ADMIN)
    assert reply.status == 200 and "couldn't check with Slack that you are an admin" in reply.text
    assert chat.review().is_open

    fake_slack.latency.methods["users.info"] = 0.0
    chat.command("cancel", ADMIN)  # asked again: a no for want of an answer was not kept
    assert chat.review().state is Stage.CANCELLED
