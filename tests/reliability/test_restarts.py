"""SIGKILL the bot in the middle of a review, start a new process on the same database, and go on: the review
continues at the same question with every answer kept, and the kickoff message and App Home show where it is."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from flows.interview import current_prompt
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import Bot, start_bot, stop_bot, wait_delivered
from tests.support.chat import ALICE, BOB, Chat, last_question
from tests.support.conversation import report_files
from tests.support.fake_slack import Call, SlackError

pytestmark = pytest.mark.slow  # a real `outsource-review serve` process

KNOCKOUTS = ["none"] * 12


def restart(chat: Chat, fake: FakeSlack, workdir: Path, name: str) -> None:
    """SIGKILL the bot serving `chat` and start a new process on the same database."""
    stop_bot(chat.bot, kill=True)
    assert chat.bot.process.returncode == -9
    chat.bot = start_bot(fake, workdir, chat.bot.database_url, name)


@pytest.fixture
def bot(served_bot: Bot) -> Bot:
    """These tests SIGKILL the bot: a real `serve` process, not the app in this process."""
    return served_bot


def open_question(chat: Chat) -> str | None:
    prompt = current_prompt(chat.review())
    return prompt.key if prompt else None


def home_of(chat: Chat, fake: FakeSlack, user: str = BOB) -> str:
    mark = fake.mark()
    reply = chat.bot.slack.event(p.app_home_opened_event(user), team_id=chat.team)
    assert reply.status == 200
    return fake.wait_for("views.publish", since=mark).all_text()


def kickoff(chat: Chat, fake: FakeSlack) -> str:
    assert chat.thread
    return fake.message(chat.channel, chat.thread).all_text()


def test_killed_at_each_step_the_review_goes_on_where_it_was(
    bot: Bot, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    chat = Chat(bot, fake_slack)
    chat.start("Restart review")
    try:
        # Step 1, half-way through drafting the list.
        chat.say_all(["skip", "Blog writing\nSEO audits"])
        restart(chat, fake_slack, tmp_path, "after-drafting")
        assert open_question(chat) == "simplify.processes"
        calls = chat.say("Newsletter")
        assert "Added 1 (3 so far)" in " ".join(c.text for c in calls if c.method == "chat.postEphemeral")
        calls = chat.say("done")
        assert "Step 2 of 7" in last_question(calls).all_text()
        assert chat.review().answers["simplify.processes"] == ["Blog writing", "SEO audits", "Newsletter"]

        # Step 6, in the middle of a rating round.
        chat.say_all(["all", *KNOCKOUTS, "ok", "skip", "2 4 2 3 5 2"])
        before = open_question(chat)
        assert before == "prioritise.rate:Blog writing"
        restart(chat, fake_slack, tmp_path, "in-a-rating-round")
        assert open_question(chat) == before
        assert "Step 6 of 7" in kickoff(chat, fake_slack)
        assert "Restart review" in home_of(chat, fake_slack) and "Step 6 of 7" in home_of(chat, fake_slack)
        chat.rate("1 3 1 3 4 1", BOB)
        calls = chat.say("done")
        assert (
            "Newsletter" in last_question(calls).all_text() or "SEO audits" in last_question(calls).all_text()
        )
        rated = chat.review().answers["prioritise.rate:Blog writing"]
        assert set(rated) == {ALICE, BOB}
        assert "Step 6 of 7" in kickoff(chat, fake_slack)

        # Step 7, one metric given, another still to come.
        for _ in range(2):
            chat.say_all(["skip", "2 4 2 3 5 2", "done"])
        first_metrics = open_question(chat) or ""
        assert first_metrics.startswith("metrics:")
        chat.say("organic sessions per month; 12000; 15000; 11000")
        restart(chat, fake_slack, tmp_path, "in-the-metrics")
        assert open_question(chat) == first_metrics
        assert "Step 7 of 7" in kickoff(chat, fake_slack) and "Step 7 of 7" in home_of(chat, fake_slack)
        chat.say("leads per month; 40; 60")
        calls = chat.say_all(["done", "done", "done"])
        review = chat.review()
        assert review.state.value == "done"
        assert [m["name"] for m in review.answers[first_metrics]] == [
            "organic sessions per month",
            "leads per month",
        ]
        # Every reply is in the history, once, across the four processes that served them.
        assert len(chat.history()) == chat.replies
        assert "Finished" in kickoff(chat, fake_slack)
        shortlist = "\n".join(c.all_text() for c in calls if c.method == "chat.postMessage")
        assert "Blog writing (rank" in shortlist
        # The metric given before the restart is in the full report, the Markdown file in the thread.
        (markdown,) = report_files(fake_slack, chat.channel)
        assert "organic sessions per month" in markdown and "leads per month" in markdown
        assert "Finished" in home_of(chat, fake_slack)
    finally:
        stop_bot(chat.bot)


@pytest.mark.parametrize("reached_slack", [True, False], ids=["post reached Slack", "post lost"])
def test_killed_while_posting_the_next_question(
    fake_slack: FakeSlack, tmp_path: Path, database_url: str, reached_slack: bool
) -> None:
    """The answer is saved with the next question's outbox row (and the question marked as posted) before any
    Web API call; the process dies while its delivery thread posts that question. The restarted bot takes the
    row again when its lease runs out, looks for the row's key in the channel's messages, and posts the
    question only when the dying process's post never got there: once either way."""
    chat = Chat(start_bot(fake_slack, tmp_path, database_url, "first", OUTBOX_LEASE="1"), fake_slack)
    chat.start()
    assert chat.thread

    def questions() -> list[Any]:
        return [
            m
            for m in fake_slack.messages(chat.channel, thread_ts=chat.thread)
            if m.ts != chat.thread and "Step 1 of 7" in m.all_text()  # not the kickoff, which shows the step
        ]

    release, entered = threading.Event(), threading.Event()
    post = fake_slack._api_chat_postMessage

    def lost_post(call: Call) -> Any:
        entered.set()
        release.wait(10)
        raise SlackError("internal_error")

    if reached_slack:  # Slack keeps the post at once; its answer is on its way when the process dies
        fake_slack.latency.methods["chat.postMessage"] = 30.0
    else:
        fake_slack.on("chat.postMessage", lost_post)
    chat.bot.slack.settle = None  # this process is not going to deliver it
    said = fake_slack.add_message(chat.channel, "skip", user=ALICE, thread_ts=chat.thread)  # in the thread
    event = p.message_event("skip", user=ALICE, channel=chat.channel, thread_ts=chat.thread, ts=said.ts)
    reply, _ = chat.event(p.event_callback(event, team_id=chat.team, event_id="Ev0SLOWPOST"))
    assert reply.status == 200  # at once: the question waits in the outbox
    assert [r.text for r in chat.history()] == ["skip"]
    assert chat.review().posted_question == "simplify.processes"  # marked with the answer
    if reached_slack:
        fake_slack.wait_until(lambda: len(questions()) == 1, timeout=20)
    else:
        assert entered.wait(20)
    stop_bot(chat.bot, kill=True)
    fake_slack.latency.methods["chat.postMessage"] = 0.0
    fake_slack.on("chat.postMessage", post)
    release.set()
    chat.bot = start_bot(fake_slack, tmp_path, database_url, "restarted", OUTBOX_LEASE="1")
    try:
        fake_slack.wait_until(lambda: len(questions()) == 1, timeout=30)
        wait_delivered(chat.bot.slack)
        assert len(questions()) == 1  # the question follows the reply once, whoever posted it
        assert fake_slack.calls("conversations.replies")  # the restarted bot looked before posting again
        assert len(chat.history()) == 1 and chat.review().posted_question == "simplify.processes"
    finally:
        stop_bot(chat.bot)
