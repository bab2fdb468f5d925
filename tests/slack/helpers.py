"""Drive a review in a channel thread the way people do: slash command, replies, buttons, forms."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.slack.conftest import Bot
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.fake_slack import Call

QUIET = 0.15  # seconds without a new Web API call: the bot has finished reacting


class Conversation:
    def __init__(self, bot: Bot, fake: FakeSlack, channel: str = p.CHANNEL_ID, team: str = p.TEAM_ID):
        self.bot, self.fake, self.channel, self.team = bot, fake, channel, team
        self.thread_ts: str | None = None

    def settle(self, since: int, timeout: float = 10.0) -> list[Call]:
        """Wait for the bot's reaction to finish; the calls it made."""
        self.fake.wait_until(lambda: self.fake.mark() > since, timeout)
        last = self.fake.mark()
        while True:
            time.sleep(QUIET)
            now = self.fake.mark()
            if now == last:
                break
            last = now
        return [c for c in self.fake.calls() if c.seq > since]

    def command(self, text: str = "", user: str = p.USER_ID, **fields: Any) -> tuple[int, str, list[Call]]:
        mark = self.fake.mark()
        reply = self.bot.slack.slash_command(
            text, user_id=user, channel_id=self.channel, team_id=self.team, **fields
        )
        try:
            calls = self.settle(mark, timeout=3)
        except AssertionError:
            calls = []
        return reply.status, reply.text, calls

    def start(self, title: str = "Q3 review", user: str = p.USER_ID) -> str:
        status, _, calls = self.command(title, user)
        assert status == 200
        question = next(c for c in calls if c.method == "chat.postMessage" and c.get("thread_ts"))
        self.thread_ts = str(question["thread_ts"])
        return self.thread_ts

    def say(self, text: str, user: str = p.USER_ID) -> list[Call]:
        mark = self.fake.mark()
        reply = self.bot.slack.event(
            p.message_event(text, user=user, channel=self.channel, thread_ts=self.thread_ts, team=self.team)
        )
        assert reply.status == 200, reply
        return self.settle(mark)

    def click(self, call: Call, label: str, user: str = p.USER_ID) -> list[Call]:
        """Click the button labelled `label` in the message posted by `call`."""
        for block in call.blocks:
            for element in block.get("elements", []):
                if element.get("type") == "button" and element["text"]["text"] == label:
                    action = p.button(
                        element["action_id"], element.get("value", ""), block_id=block.get("block_id")
                    )
                    return self._act(action, user)
        raise AssertionError(f"no button {label!r} in {call}")

    def choose(self, call: Call, numbers: list[int], user: str = p.USER_ID) -> list[Call]:
        """Pick options (1-based) in the multi-select of the question posted by `call`."""
        for block in call.blocks:
            for element in block.get("elements", []):
                if element.get("type") == "multi_static_select":
                    action = p.multi_static_select(
                        element["action_id"], [str(n) for n in numbers], block_id=block["block_id"]
                    )
                    return self._act(action, user)
        raise AssertionError(f"no multi-select in {call}")

    def _act(self, action: dict[str, Any], user: str) -> list[Call]:
        mark = self.fake.mark()
        reply = self.bot.slack.block_actions(
            [action], user_id=user, channel_id=self.channel, team_id=self.team, message_ts=self.thread_ts
        )
        assert reply.status == 200, reply
        return self.settle(mark)

    def submit(self, opened: Call, values: dict[str, dict[str, Any]], user: str = p.USER_ID) -> list[Call]:
        """Submit the modal opened by the views.open call `opened` with block_id -> action_id -> value."""
        view = opened.view or {}
        mark = self.fake.mark()
        reply = self.bot.slack.view_submission(
            view["callback_id"],
            values,
            user_id=user,
            team_id=self.team,
            private_metadata=view.get("private_metadata", ""),
        )
        assert reply.status == 200, reply
        return self.settle(mark)


def last_question(calls: list[Call]) -> Call:
    questions = [c for c in calls if c.method == "chat.postMessage" and c.get("thread_ts")]
    assert questions, f"no question posted: {calls}"
    return questions[-1]


def ephemerals(calls: list[Call]) -> list[str]:
    return [c.text for c in calls if c.method == "chat.postEphemeral"]


def blocks_json(call: Call) -> str:
    return json.dumps(call.blocks)


def mrkdwn_texts(call: Call) -> list[str]:
    """Every string Slack would parse as mrkdwn: the fallback `text` and each mrkdwn text object."""
    found = [str(call.get("text") or "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(call.blocks)
    return found
