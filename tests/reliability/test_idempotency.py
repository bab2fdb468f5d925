"""Slack delivers twice: a retried event and a double-clicked button are applied once, across restarts too,
and a delivery whose answer was never saved is applied by its retry."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.support import FakeSlack
from tests.support.bots import Bot, start_bot, stop_bot
from tests.support.chat import ALICE, BOB, Chat, button, last_question
from tests.support.conversation import ephemerals


def receipts(chat: Chat) -> set[str]:
    with chat.store.engine.connect() as connection:
        return {row[0] for row in connection.execute(text("SELECT key FROM receipt"))}


@pytest.mark.slow
def test_a_retried_event_is_applied_once_also_after_a_restart(
    bot: Bot, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    chat = Chat(bot, fake_slack)
    chat.start()
    chat.say("skip")
    callback = chat.message("Blog writing\nSEO audits", event_id="Ev0RETRY1")
    reply, calls = chat.event(callback)
    assert reply.status == 200 and "Added 2" in " ".join(ephemerals(calls))
    reply, calls = chat.event(callback, retry_num=1, retry_reason="http_timeout")
    # Nothing applied or posted again: what the first delivery showed was saved with its answer (the outbox).
    assert reply.status == 200 and calls == []

    stop_bot(bot, kill=True)
    chat.bot = start_bot(fake_slack, tmp_path, bot.database_url, "restarted")
    try:
        reply, calls = chat.event(callback, retry_num=2, retry_reason="http_error")
        assert reply.status == 200 and calls == []
        assert [r.text for r in chat.history()] == ["skip", "Blog writing\nSEO audits"]
        assert chat.review().drafts["simplify.processes"] == ["Blog writing", "SEO audits"]
        # The next reply is a new delivery and is applied.
        calls = chat.say("done")
        assert "Step 2 of 7" in last_question(calls).all_text()
        assert "event:Ev0RETRY1" in receipts(chat)
    finally:
        stop_bot(chat.bot)


@pytest.mark.slow
def test_a_double_clicked_button_is_applied_once_also_after_a_restart(
    bot: Bot, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    chat = Chat(bot, fake_slack)
    chat.start()
    click = button(last_question(fake_slack.calls()), "Skip")  # one action_ts for every repeat
    first, calls = chat.act(click)
    again, repeat = chat.act(click)
    assert first.status == again.status == 200
    assert len(chat.questions(calls)) == 1 and repeat == []

    stop_bot(bot, kill=True)
    chat.bot = start_bot(fake_slack, tmp_path, bot.database_url, "restarted")
    try:
        reply, calls = chat.act(click)
        # Nothing posted, nothing asked of Slack (the facilitator clicked: no membership lookup).
        assert reply.status == 200 and calls == []
        assert [(r.question, r.text) for r in chat.history()] == [("intake.organisation", "skip")]
        # Someone else's click on the same button is their own delivery: told it is answered already.
        reply, calls = chat.act(dict(click, action_ts="1690009999.000100"), BOB)
        assert "answered already" in " ".join(ephemerals(calls))
    finally:
        stop_bot(chat.bot)


def test_an_answer_that_failed_to_save_is_applied_by_the_retry(bot: Bot, fake_slack: FakeSlack) -> None:
    """The receipt is claimed in the answer's own transaction: when the save fails, the receipt is not taken,
    and Slack's retry (sent because the bot did not answer 200) applies the answer."""
    chat = Chat(bot, fake_slack)
    chat.start()
    with chat.store.engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TRIGGER no_saves BEFORE UPDATE ON review BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        )
    callback = chat.message("skip", event_id="Ev0FAILED")
    reply, _ = chat.event(callback)
    assert reply.status == 500  # Slack will retry
    assert chat.history() == [] and "event:Ev0FAILED" not in receipts(chat)

    with chat.store.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER no_saves"))
    reply, calls = chat.event(callback, retry_num=1, retry_reason="http_error")
    assert reply.status == 200
    assert [r.text for r in chat.history()] == ["skip"]
    assert "Step 1 of 7" in last_question(calls).all_text()
    assert "event:Ev0FAILED" in receipts(chat)
    reply, calls = chat.event(callback, retry_num=2, retry_reason="http_error")
    assert calls == [] and len(chat.history()) == 1


@pytest.mark.slow
def test_killed_while_saving_the_retry_applies_the_answer_once(
    served_bot: Bot, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """SIGKILL while the answer waits for the database: nothing was committed, so the retry that reaches the
    restarted bot applies it, once."""
    bot = served_bot
    chat = Chat(bot, fake_slack)
    chat.start()
    chat.say("skip")
    path = chat.store.engine.url.database
    assert path
    blocker = sqlite3.connect(path, isolation_level=None, timeout=5)
    blocker.execute("BEGIN IMMEDIATE")  # holds the write lock: the bot's save waits (busy timeout)
    callback = chat.message("Blog writing", user=BOB, event_id="Ev0KILLED")
    outcome: list[object] = []
    sender = threading.Thread(target=lambda: outcome.append(_send(chat, callback)))
    sender.start()
    time.sleep(1.0)
    stop_bot(bot, kill=True)
    sender.join(10)
    blocker.execute("ROLLBACK")
    blocker.close()
    assert outcome and not isinstance(outcome[0], int)  # the connection broke: no 200 reached Slack
    assert [r.text for r in chat.history()] == ["skip"]

    chat.bot = start_bot(fake_slack, tmp_path, bot.database_url, "restarted")
    try:
        for retry in (1, 2):
            reply, _ = chat.event(callback, retry_num=retry, retry_reason="http_timeout")
            assert reply.status == 200
        assert [(r.author, r.text) for r in chat.history()] == [(ALICE, "skip"), (BOB, "Blog writing")]
    finally:
        stop_bot(chat.bot)


def _send(chat: Chat, callback: dict[str, object]) -> object:
    try:
        return chat.bot.slack.event(callback).status
    except OSError as error:
        return error
