"""Drive a bot over HTTP for the reliability tests; the bot answers Slack only after its work is done.

Because the app processes before it responds, every Web API call a request causes has reached the fake by the
time the request's HTTP response arrives: no waiting for the bot to go quiet.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.model import AnswerRecord, Review
from storage.db import make_engine
from storage.repository import SqlReviewStore
from tests.support import FakeSlack, Reply
from tests.support import payloads as p
from tests.support.bots import Bot, start_bot, stop_bot
from tests.support.conversation import dm_of, is_rating, new_channel
from tests.support.fake_slack import Call

ALICE = p.USER_ID  # starts the reviews: the facilitator
BOB = "U0BOB"
CAROL = "U0CAROL"


@dataclass
class Chat:
    """One review's conversation in one channel, over whichever bot process `bot` is now."""

    bot: Bot
    fake: FakeSlack
    channel: str = field(default_factory=new_channel)
    team: str = p.TEAM_ID
    thread: str | None = None
    replies: int = 0  # thread replies answered with 200 so far
    _stores: dict[str, SqlReviewStore] = field(default_factory=dict)

    # ------------------------------------------------------------ requests

    def command(self, text: str = "", user: str = ALICE, **fields: Any) -> tuple[Reply, list[Call]]:
        fields.setdefault("channel_id", self.channel)
        fields.setdefault("team_id", self.team)
        mark = self.fake.mark()
        reply = self.bot.slack.slash_command(text, user_id=user, **fields)
        return reply, self.since(mark)

    def start(self, title: str = "Q3 review", user: str = ALICE) -> str:
        reply, calls = self.command(title, user)
        assert reply.status == 200, reply
        question = next(c for c in calls if c.method == "chat.postMessage" and c.get("thread_ts"))
        self.thread = str(question["thread_ts"])
        return self.thread

    def event(self, callback: dict[str, Any], **options: Any) -> tuple[Reply, list[Call]]:
        mark = self.fake.mark()
        reply = self.bot.slack.event(callback, **options)
        return reply, self.since(mark)

    def message(self, text: str, user: str = ALICE, **fields: Any) -> dict[str, Any]:
        """The event_callback of a reply in this review's thread (send it with `event`)."""
        event = p.message_event(text, user=user, channel=self.channel, thread_ts=self.thread, team=self.team)
        return p.event_callback(event, team_id=self.team, **fields)

    def direct(self, text: str, user: str = ALICE, **fields: Any) -> dict[str, Any]:
        """The event_callback of a direct message from `user` to the bot (send it with `event`)."""
        event = p.message_event(
            text, user=user, channel=dm_of(user), channel_type="im", parent_user_id=None, team=self.team
        )
        return p.event_callback(event, team_id=self.team, **fields)

    def say(self, text: str, user: str = ALICE) -> list[Call]:
        reply, calls = self.event(self.message(text, user))
        assert reply.status == 200, reply
        self.replies += 1
        return calls

    def rate(self, text: str, user: str = ALICE) -> list[Call]:
        """Six ratings sent to the bot in a direct message (where ratings are given, never in the thread);
        when the bot asks which open rating question they are for, the one of this chat's channel."""
        reply, calls = self.event(self.direct(text, user))
        assert reply.status == 200, reply
        self.replies += 1
        asked = [c.text for c in calls if c.method == "chat.postMessage" and c["channel"] == dm_of(user)]
        if any("Which one" in t for t in asked):
            mine = [line for t in asked for line in t.splitlines() if f"<#{self.channel}>" in line]
            assert len(mine) == 1, f"not one rating question of {self.channel} listed: {asked}"
            reply, more = self.event(self.direct(f"{mine[0].split('.')[0]}: {text}", user))
            calls += more
        return calls

    def say_all(self, texts: list[str], user: str = ALICE) -> list[Call]:
        """Each reply in turn, as people give them: six ratings in a direct message (`rate`), the rest in the
        thread."""
        calls: list[Call] = []
        for text in texts:
            calls = self.rate(text, user) if is_rating(text) else self.say(text, user)
        return calls

    def click(self, question: Call, label: str, user: str = ALICE, **fields: Any) -> tuple[Reply, list[Call]]:
        """Click the button labelled `label` under the question posted by `question`."""
        return self.act(button(question, label), user, **fields)

    def act(self, action: dict[str, Any], user: str = ALICE, **fields: Any) -> tuple[Reply, list[Call]]:
        fields.setdefault("channel_id", self.channel)
        fields.setdefault("team_id", self.team)
        fields.setdefault("message_ts", self.thread)
        mark = self.fake.mark()
        reply = self.bot.slack.block_actions([action], user_id=user, **fields)
        return reply, self.since(mark)

    def since(self, mark: int) -> list[Call]:
        return [c for c in self.fake.calls() if c.seq > mark]

    # ------------------------------------------------------------ what was saved

    @property
    def store(self) -> SqlReviewStore:
        url = self.bot.database_url
        if url not in self._stores:
            self._stores[url] = SqlReviewStore(make_engine(url))
        return self._stores[url]

    def review(self) -> Review:
        assert self.thread, "start the review first"
        review = self.store.find_by_thread(self.team, self.channel, self.thread)
        assert review is not None
        return review

    def history(self) -> list[AnswerRecord]:
        return self.store.history(self.review().id or "")

    def questions(self, calls: list[Call] | None = None) -> list[Call]:
        """The questions posted in this review's thread (by `calls`, or ever)."""
        source = self.fake.calls("chat.postMessage") if calls is None else calls
        return [
            c
            for c in source
            if c.method == "chat.postMessage" and c.ok and c.get("thread_ts") == self.thread and c.blocks
        ]


def button(question: Call, label: str) -> dict[str, Any]:
    for block in question.blocks:
        for element in block.get("elements", []):
            if element.get("type") == "button" and element["text"]["text"] == label:
                return p.button(
                    element["action_id"], element.get("value", ""), block_id=block.get("block_id")
                )
    raise AssertionError(f"no button {label!r} in {question}")


def question_text(call: Call) -> str:
    return call.all_text()


def last_question(calls: list[Call]) -> Call:
    found = [c for c in calls if c.method == "chat.postMessage" and c.get("thread_ts") and c.blocks]
    assert found, f"no question posted: {calls}"
    return found[-1]


def wait_until(condition: Any, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        time.sleep(0.02)


@contextmanager
def running_bot(
    fake: FakeSlack, workdir: Path, database_url: str, name: str = "bot", **env: str
) -> Iterator[Bot]:
    bot = start_bot(fake, workdir, database_url, name, **env)
    try:
        yield bot
    finally:
        stop_bot(bot)


def json_blocks(call: Call) -> str:
    return json.dumps(call.blocks)
