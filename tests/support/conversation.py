"""Drive a review in a channel thread the way people do: slash command, replies, buttons, forms."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.slack.ids import OPEN_REPORT
from flows.model import Review
from storage.db import make_engine
from storage.repository import SqlReviewStore
from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import Bot, start_app, stop_bot
from tests.support.fake_slack import Call, UploadedFile

_CHANNELS = itertools.count(1)


def new_channel(prefix: str = "C") -> str:
    """A channel id no other test uses (C… public, G… private, D… a DM), so reviews stay apart."""
    return f"{prefix}0T{next(_CHANNELS):05d}"


@dataclass
class Slack:
    """A fake Slack and the bot serving it, shared by the tests of one module."""

    fake: FakeSlack
    bot: Bot

    def talk(self, channel: str | None = None, team: str = p.TEAM_ID) -> Conversation:
        """A conversation in a channel of its own."""
        return Conversation(self.bot, self.fake, channel or new_channel(), team)


@contextmanager
def bot_with_fake(workdir: Path, name: str = "bot", **env: str) -> Iterator[Slack]:
    """A fake Slack and the app (in this process, `tests.support.bots.start_app`) on its own SQLite file."""
    with FakeSlack() as fake:
        bot = start_app(fake, workdir, f"sqlite:///{workdir / (name + '.db')}", name, **env)
        try:
            yield Slack(fake, bot)
        finally:
            stop_bot(bot)


def shared_bot(name: str, **env: str) -> Any:
    """A module-scoped fixture giving one `Slack` to every test of the module: `slack = shared_bot("x")`."""

    @pytest.fixture(scope="module")
    def fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slack]:
        with bot_with_fake(tmp_path_factory.mktemp(name), name, **env) as slack:
            yield slack
            slack.fake.clear_faults()

    return fixture


def store_of(bot: Bot) -> SqlReviewStore:
    return SqlReviewStore(make_engine(bot.database_url))


class Conversation:
    def __init__(self, bot: Bot, fake: FakeSlack, channel: str = p.CHANNEL_ID, team: str = p.TEAM_ID):
        self.bot, self.fake, self.channel, self.team = bot, fake, channel, team
        self.thread_ts: str | None = None
        self._store: SqlReviewStore | None = None

    @property
    def store(self) -> SqlReviewStore:
        """The bot's database, read from the test process."""
        if self._store is None:
            self._store = store_of(self.bot)
        return self._store

    def review(self) -> Review:
        """The review of this conversation's thread, as saved."""
        assert self.thread_ts, "start the review first"
        review = self.store.find_by_thread(self.team, self.channel, self.thread_ts)
        assert review is not None, f"no review saved for thread {self.thread_ts} in {self.channel}"
        return review

    def answer(self, text: str, user: str = p.USER_ID, *, markup: bool = False) -> None:
        """Give an answer as people do (`reply`: in the thread, or six ratings in a direct message) and check
        it was saved (the review's version moved). `text` is what the person typed (Slack sends it with `&`,
        `<`, `>` encoded); with `markup`, Slack's own markup as it is (a mention `<@U123>`)."""
        before = self.review().version
        self.reply(text, user, markup=markup)
        if self.review().version == before:
            errors = [c.text for c in self.fake.calls("chat.postEphemeral") if c["channel"] == self.channel]
            raise AssertionError(f"reply {text[:60]!r} was not saved; corrections: {errors[-3:]}")

    def settle(self, since: int) -> list[Call]:
        """The Web API calls made since `since`. The app answers a request only after its work is done
        (`process_before_response`), so a request's calls have all arrived when it returns; only the report's
        files upload in the background (wait for them with `wait_for_file`)."""
        return [c for c in self.fake.calls() if c.seq > since]

    def quiet(self) -> list[Call]:
        """The bot's latest Web API call and any after it (e.g. the last reaction to an `answer` burst)."""
        return self.settle(self.fake.mark() - 1)

    def command(self, text: str = "", user: str = p.USER_ID, **fields: Any) -> tuple[int, str, list[Call]]:
        """The slash command in this channel: HTTP status, response body, and the Web API calls it caused."""
        mark = self.fake.mark()
        reply = self.bot.slack.slash_command(
            text, user_id=user, channel_id=self.channel, team_id=self.team, **fields
        )
        return reply.status, reply.text, self.settle(mark)

    def start(self, title: str = "Q3 review", user: str = p.USER_ID) -> str:
        """The slash command that starts a review here; waits for its first question and returns the thread."""
        mark = self.fake.mark()
        reply = self.bot.slack.slash_command(title, user_id=user, channel_id=self.channel, team_id=self.team)
        assert reply.status == 200, reply
        question = self.fake.wait_for(
            "chat.postMessage",
            lambda c: bool(c.get("thread_ts")) and c["channel"] == self.channel,
            since=mark,
            timeout=0,
        )
        self.thread_ts = str(question["thread_ts"])
        return self.thread_ts

    def reply(self, text: str, user: str = p.USER_ID, *, markup: bool = False) -> list[Call]:
        """Six ratings go to the bot in a direct message (`rate`), as ratings are never typed in the thread;
        anything else is said in the thread (`say`)."""
        return self.rate(text, user) if is_rating(text) else self.say(text, user, markup=markup)

    def rate(self, text: str, user: str = p.USER_ID) -> list[Call]:
        """Send `text` to the bot in `user`'s direct message. When the bot asks which of several open rating
        questions it is for, answer with the number it lists for this conversation's channel."""
        calls = self.direct(text, user)
        asked = [c.text for c in calls if c.method == "chat.postMessage" and c["channel"] == dm_of(user)]
        if any("Which one" in t for t in asked):
            mine = [line for t in asked for line in t.splitlines() if f"<#{self.channel}>" in line]
            assert len(mine) == 1, f"not one rating question of {self.channel} listed: {asked}"
            calls += self.direct(f"{mine[0].split('.')[0]}: {text}", user)
        return calls

    def direct(self, text: str, user: str = p.USER_ID, **fields: Any) -> list[Call]:
        """A direct message from `user` to the bot (`message.im`); the Web API calls it caused."""
        mark = self.fake.mark()
        event = p.message_event(
            text, user=user, channel=dm_of(user), channel_type="im", parent_user_id=None, team=self.team
        )
        reply = self.bot.slack.event({**event, **fields})
        assert reply.status == 200, reply
        return self.settle(mark)

    def say(self, text: str, user: str = p.USER_ID, *, markup: bool = False) -> list[Call]:
        """Reply in the thread (`text` as in `answer`); the Web API calls it caused."""
        mark = self.fake.mark()
        reply = self.bot.slack.event(
            p.message_event(
                text if markup else as_slack_sends(text),
                user=user,
                channel=self.channel,
                thread_ts=self.thread_ts,
                team=self.team,
            )
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
        return self.submit_form(opened, values, user)[1]

    def submit_form(
        self,
        opened: Call,
        values: dict[str, dict[str, Any]],
        user: str = p.USER_ID,
        view_id: str | None = None,
    ) -> tuple[dict[str, Any], list[Call]]:
        """`submit`, as Slack does it (`view_id`: the same one when a form is submitted again): the HTTP
        answer's JSON (empty when the form closes, `errors` when it stays open) and the Web API calls caused."""
        view = opened.view or {}
        mark = self.fake.mark()
        reply = self.bot.slack.view_submission(
            view["callback_id"],
            values,
            user_id=user,
            team_id=self.team,
            view_id=view_id,
            blocks=view.get("blocks"),
            private_metadata=view.get("private_metadata", ""),
        )
        assert reply.status == 200, reply
        return (json.loads(reply.text) if reply.text else {}), self.settle(mark)


BOB = "U0BOB"


def dm_of(user: str) -> str:
    """The id of `user`'s direct message with the bot (as the fake names it)."""
    return "D" + user[1:]


def is_rating(text: str) -> bool:
    """Six ratings, as a rater types them (`2 4 2 3 5 2`)."""
    return re.fullmatch(r"[1-5]( [1-5]){5}", text.strip()) is not None


# A whole review as typed replies (the Slack tests also give it as an answers file), with a second rater.
REPLIES = [
    ("3", p.USER_ID),  # organisation: online shop
    ("Blog writing\nWriting blog posts\nSEO audits\nBrand strategy", p.USER_ID),
    ("Key account calls\nWebsite relaunch\nPaid search ads", p.USER_ID),
    ("done", p.USER_ID),
    ("yes", p.USER_ID),  # merge Writing blog posts into Blog writing
    ("1 2 3 4 5", p.USER_ID),  # Paid search ads is not a candidate
    ("3", p.USER_ID),  # competitive advantage: Brand strategy
    ("none", BOB),
    ("skip", p.USER_ID),
    ("none", p.USER_ID),  # step 4: solid authorisation
    ("none", p.USER_ID),
    ("none", p.USER_ID),
    ("3", p.USER_ID),  # face to face: Key account calls
    ("3", p.USER_ID),  # step 5 in progress: Website relaunch
    ("none", p.USER_ID),
    ("none", p.USER_ID),
    ("none", p.USER_ID),
    ("none", p.USER_ID),
    ("risk 2", p.USER_ID),
    ("skip", p.USER_ID),  # service level of Blog writing
    ("1 3 1 3 4 1", p.USER_ID),
    ("2 3 1 3 5 1", BOB),
    ("done", p.USER_ID),
    ("monthly audit, 5 working days", p.USER_ID),
    ("2 4 2 3 5 2", p.USER_ID),
    ("done", p.USER_ID),
    ("done", p.USER_ID),  # metrics: Blog writing
    ("organic sessions per month; 12000; 15000; 11000", p.USER_ID),
    ("done", p.USER_ID),
]
RATING = "2 4 2 3 5 2"  # one rater's six ratings, in the shown factor order
KNOCKOUT_QUESTIONS = 12  # criteria asked in steps 3, 4 and 5


def review_replies(processes: list[str], *, metrics: bool = True) -> list[str]:
    """Typed replies that take a new review from its first question to the end: every process a candidate, no
    knock-outs, equal weights, no service levels, one rating each and (with `metrics`) no metrics."""
    replies = ["skip", "\n".join(processes), "done", "all", *["none"] * KNOCKOUT_QUESTIONS, "ok"]
    for _ in processes:
        replies += ["skip", RATING, "done"]
    if metrics:
        replies += ["done"] * len(processes)
    return replies


def wait_for_file(fake: FakeSlack, channel: str, suffix: str = ".md", timeout: float = 20.0) -> UploadedFile:
    """The file (by name ending) whose upload to `channel` completes first; the report's Markdown by default."""
    found: list[UploadedFile] = []

    def uploaded() -> bool:
        found[:] = [
            f for f in fake.uploaded_files() if f.channel_id == channel and f.filename.endswith(suffix)
        ]
        return bool(found)

    fake.wait_until(uploaded, timeout)
    return found[0]


def report_files(fake: FakeSlack, channel: str, count: int = 1, timeout: float = 20.0) -> list[str]:
    """The Markdown reports uploaded to `channel`, oldest first, once there are at least `count` of them."""
    found: list[UploadedFile] = []

    def uploaded() -> bool:
        found[:] = [
            f for f in fake.uploaded_files() if f.channel_id == channel and f.filename.endswith(".md")
        ]
        return len(found) >= count

    fake.wait_until(uploaded, timeout)
    return [f.content.decode() for f in found]


def last_question(calls: list[Call]) -> Call:
    questions = [c for c in calls if c.method == "chat.postMessage" and c.get("thread_ts")]
    assert questions, f"no question posted: {calls}"
    return questions[-1]


def ephemerals(calls: list[Call]) -> list[str]:
    return [c.text for c in calls if c.method == "chat.postEphemeral"]


def responses(calls: list[Call]) -> list[dict[str, Any]]:
    """What the bot posted to response_urls (`respond()`), as JSON bodies."""
    return [c.args for c in calls if c.method == "response_url"]


def as_slack_sends(typed: str) -> str:
    """A message's text as Slack sends it in events: `&`, `<` and `>` encoded (its markup is not)."""
    return typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def in_channel(calls: list[Call], channel: str) -> list[Call]:
    """Web API calls addressed to `channel`."""
    return [c for c in calls if c.get("channel") == channel or c.get("channel_id") == channel]


def failed(calls: list[Call]) -> list[Call]:
    """Calls Slack refused: the bot logs these and moves on, so a test must look for them."""
    return [c for c in calls if not c.ok]


def report_button(call: Call) -> str | None:
    """The address of the shortlist message's button to the full report page, or None when it has none."""
    for block in call.blocks:
        for element in block.get("elements") or () if block.get("type") == "actions" else ():
            if element.get("action_id") == OPEN_REPORT:
                return str(element["url"])
    return None


def shortlist_posts(calls: list[Call], channel: str) -> list[Call]:
    """The report's messages at the top of `channel` (not in a thread)."""
    return [
        c
        for c in calls
        if c.method == "chat.postMessage"
        and c.get("channel") == channel
        and not c.get("thread_ts")
        and c.text.startswith("Shortlist:")
    ]


def blocks_json(call: Call) -> str:
    return json.dumps(call.blocks)


def mrkdwn_texts(call: Call) -> list[str]:
    """Every string Slack would parse as mrkdwn: the fallback `text`, a file's `initial_comment` and each mrkdwn
    text object in the blocks or the view."""
    found = [str(call.get("text") or ""), str(call.get("initial_comment") or "")]

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
    walk(call.view)
    return found
