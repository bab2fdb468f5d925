"""Broken, hostile and odd input over HTTP: each gets a clear reply or a 4xx, nothing is saved that should not
be, and the bot keeps serving (every test ends with a normal reply that works)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.method import Stage
from tests.support import FakeSlack, Signing
from tests.support import payloads as p
from tests.support.bots import Bot, start_bot, stop_bot
from tests.support.chat import ALICE, BOB, Chat, last_question
from tests.support.conversation import ephemerals, mrkdwn_texts

pytestmark = pytest.mark.slow  # a real `outsource-review serve` process


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Bot, FakeSlack]]:
    """One bot for the module: the point is that it keeps serving through all of this."""
    workdir: Path = tmp_path_factory.mktemp("bad-input")
    with FakeSlack() as fake:
        bot = start_bot(fake, workdir, f"sqlite:///{workdir / 'bot.db'}")
        yield bot, fake
        stop_bot(bot)


@pytest.fixture
def chat(shared: tuple[Bot, FakeSlack]) -> Iterator[Chat]:
    bot, fake = shared
    fake.clear_faults()
    talk = Chat(bot, fake)
    talk.start("Bad input")
    yield talk
    # The bot still serves, and this review still takes a normal answer.
    assert bot.process.poll() is None and bot.slack.get("/healthz").status == 200
    before = len(talk.history())
    open_review = talk.review().is_open
    reply, _ = talk.event(talk.message("help"))
    assert reply.status == 200
    if open_review:
        fresh = Chat(bot, fake)
        fresh.start("Still serving")
        fresh.say("skip")
        assert len(fresh.history()) == 1
    assert len(talk.history()) == before


def saved_texts(chat: Chat) -> list[str]:
    return [r.text for r in chat.history()]


# ---------------------------------------------------------------- bodies Bolt cannot read


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('payload={"type":"block_actions","user":{"id":"U0ALICE"', "application/x-www-form-urlencoded"),
        ("payload=not json at all", "application/x-www-form-urlencoded"),
        ('{"type": "event_callback", "event": {"type": "message", "text": "sk', "application/json"),
        ("[1, 2, 3]", "application/json"),
        ('"just a string"', "application/json"),
        (b'{"type": "event_callback", "x": "\xff\xfe"}', "application/json"),
    ],
    ids=["truncated-payload", "payload-not-json", "truncated-event", "a-list", "a-string", "not-utf8"],
)
def test_a_body_that_is_not_json_where_json_belongs_is_a_400(
    chat: Chat, body: str | bytes, content_type: str
) -> None:
    mark = chat.fake.mark()
    reply = chat.bot.slack.post(body, content_type)
    assert reply.status == 400, reply
    assert chat.since(mark) == [] and chat.history() == []


def test_an_unsigned_broken_body_is_a_401(chat: Chat) -> None:
    reply = chat.bot.slack.post(
        "payload={broken", "application/x-www-form-urlencoded", signing=Signing.UNSIGNED
    )
    assert reply.status == 401
    reply = chat.bot.slack.post(
        "payload={broken", "application/x-www-form-urlencoded", signing=Signing.FORGED
    )
    assert reply.status == 401


def test_a_huge_body_is_refused(chat: Chat) -> None:
    """Over a megabyte: refused from its Content-Length, before the body is read."""
    port = int(chat.bot.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 5000000\r\n\r\n{"
        )
        status_line = conn.makefile("rb").readline()
    assert status_line.split()[1] == b"413", status_line


# ---------------------------------------------------------------- well-formed but wrong


def test_an_unknown_action_id_is_acknowledged_and_explained(chat: Chat) -> None:
    reply, calls = chat.act(p.button("no_such_action", "whatever"))
    assert reply.status == 200
    assert "don't know that button" in " ".join(ephemerals(calls))
    assert chat.history() == []
    reply, calls = chat.act(p.button("reply:yes", "not json"))  # ours, but a value we never wrote
    assert reply.status == 200 and chat.history() == []


@pytest.mark.parametrize("missing", ["user_id", "channel_id", "team_id"])
def test_a_command_missing_a_field_gets_a_clear_reply(chat: Chat, missing: str) -> None:
    fields = p.slash_command(
        text="Another review", channel_id=chat.channel, response_url=chat.fake.response_url()
    )
    del fields[missing]
    mark = chat.fake.mark()
    reply = chat.bot.slack.command(fields)
    assert reply.status == 200
    assert reply.text == f"That request came without its {missing.removesuffix('_id')}, so I did nothing."
    assert chat.since(mark) == []
    assert len([r for r in chat.store.list_reviews(p.TEAM_ID, 1000) if r.channel_id == chat.channel]) == 1


def test_an_interaction_or_event_missing_its_user_or_team_is_a_400(chat: Chat) -> None:
    question = last_question(chat.fake.calls())
    skip = next(
        e
        for b in question.blocks
        for e in b.get("elements", [])
        if isinstance(e, dict) and e.get("type") == "button" and e["text"]["text"] == "Skip"
    )
    payload = p.block_actions([p.button(skip["action_id"], skip["value"])], channel_id=chat.channel)
    del payload["user"]
    assert chat.bot.slack.interaction(payload).status == 400
    payload = p.block_actions([p.button(skip["action_id"], skip["value"])], channel_id=chat.channel)
    payload["team"] = None
    payload["user"].pop("team_id")
    assert chat.bot.slack.interaction(payload).status == 400
    callback = chat.message("skip")
    callback.pop("team_id")
    callback.pop("context_team_id")
    callback["event"].pop("team")
    assert chat.bot.slack.event(callback).status == 400
    # A thread reply without a channel or a user is no answer: acknowledged, ignored.
    for field in ("channel", "user"):
        callback = chat.message("skip")
        callback["event"].pop(field)
        reply, calls = chat.event(callback)
        assert reply.status == 200 and calls == []
    assert chat.history() == []


# ---------------------------------------------------------------- big and odd replies


def test_a_40000_character_reply_is_refused_with_a_clear_reply(chat: Chat) -> None:
    chat.say("skip")
    calls = chat.say("x" * 40_000)
    assert "That reply is 40,000 characters long; I take at most 20,000" in " ".join(ephemerals(calls))
    assert saved_texts(chat) == ["skip"] and "simplify.processes" not in chat.review().drafts


def test_500_processes_in_one_message_work(chat: Chat) -> None:
    chat.say("skip")
    names = [f"{uuid.uuid4().hex[:10]} {uuid.uuid4().hex[:10]}" for _ in range(500)]
    calls = chat.say("\n".join(names))
    assert "Added 500 (500 so far)" in " ".join(ephemerals(calls))
    calls = chat.say("done")
    assert chat.review().answers["simplify.processes"] == names
    assert chat.questions(calls), "the next question is posted (split as Block Kit needs)"
    assert all(c.ok for c in calls), [c for c in calls if not c.ok]


def test_more_than_1000_processes_get_a_clear_limit(chat: Chat) -> None:
    chat.say("skip")
    calls = chat.say("\n".join(f"p{i}" for i in range(1001)))
    assert "at most 1000" in " ".join(ephemerals(calls))
    assert "simplify.processes" not in chat.review().drafts


def test_emoji_right_to_left_text_and_control_characters_in_names(chat: Chat) -> None:
    chat.say("skip")
    names = "Blog writing 📝\nتدقيق السيو\n👩\u200d💻 Dev relations\nNews\x00letter\x07\nE\u202email"
    chat.say(names)
    chat.say("done")
    assert chat.review().answers["simplify.processes"] == [
        "Blog writing 📝",
        "تدقيق السيو",
        "👩\u200d💻 Dev relations",
        "Newsletter",
        "Email",
    ]
    assert all("\x00" not in r.text and "\u202e" not in r.text for r in chat.history())
    question = last_question(chat.fake.calls())
    assert "تدقيق السيو" in question.all_text() and "👩\u200d💻 Dev relations" in question.all_text()


def test_mentions_and_links_are_never_live(chat: Chat) -> None:
    hostile = "<!channel> now\n<!here> too\n<@U0BOSS> duty\n<https://evil.example|click me> & more"
    mark = chat.fake.mark()
    chat.say("skip")
    chat.say(hostile)
    chat.say("<!everyone> is not an option", BOB)
    chat.say("done")
    chat.say("<!channel> 1")  # a bad pick echoed back in the correction
    _, status_calls = chat.command("status")
    chat.command("<@U0BOSS> <!here> titled review")
    texts = [t for c in chat.since(mark) for t in mrkdwn_texts(c)]
    texts += [str(c.get("text") or "") for c in status_calls]
    everything = "\n".join(texts)
    for live in ("<!channel>", "<!here>", "<!everyone>", "<@U0BOSS>", "<https://evil"):
        assert live not in everything, live
    # Slack's markup is read as the words its author saw (`bot.slack.text.typed_text`), and shown as words.
    assert "@channel now" in everything and "click me &amp; more" in everything


# ---------------------------------------------------------------- answers that go nowhere


def test_answers_to_a_cancelled_review(chat: Chat) -> None:
    chat.say("skip")
    chat.command("cancel")
    assert chat.review().state is Stage.CANCELLED
    saved = len(chat.history())
    calls = chat.say("Blog writing", BOB)
    assert "This review is cancelled" in " ".join(ephemerals(calls))
    assert len(chat.history()) == saved and chat.questions(calls) == []


def test_answers_to_a_finished_review(chat: Chat) -> None:
    chat.say_all(
        ["skip", "Blog writing", "done", "all", *["none"] * 12, "ok", "skip", "2 4 2 3 5 2", "done", "done"]
    )
    assert chat.review().state is Stage.DONE
    saved = len(chat.history())
    calls = chat.say("2 2 2 2 2 2", BOB)
    assert "This review is finished" in " ".join(ephemerals(calls))
    assert len(chat.history()) == saved


def test_replies_in_a_thread_that_is_not_a_review_are_ignored(chat: Chat) -> None:
    other = Chat(chat.bot, chat.fake, channel=chat.channel, thread=p.new_ts())
    reply, calls = other.event(other.message("skip"))
    assert reply.status == 200 and calls == []
    reply, calls = other.event(other.message("1 2 3", ALICE))
    assert calls == []
    assert chat.history() == []
