"""One structured line per request (team, review, action, outcome, duration); tokens, secrets and what people
typed never reach the log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support import FakeSlack
from tests.support import payloads as p
from tests.support.bots import BOT_TOKEN, SIGNING_SECRET, Bot, start_bot, stop_bot
from tests.support.chat import BOB, Chat, last_question, wait_until

pytestmark = pytest.mark.slow  # a real `outsource-review serve` process


@pytest.fixture
def bot(served_bot: Bot) -> Bot:
    """What a real `serve` process writes to its output (logging set up by the CLI, secrets masked)."""
    return served_bot


SECRET = "hunter2-PASSWORD-7f3c9e"
TOKEN = "xoxb-998877-665544-SeCrEtToKeNvAlUe"
LINE = re.compile(
    r"request team=(?P<team>\S+) enterprise=\S+ review=(?P<review>\S+) action=(?P<action>\S+) "
    r"outcome=(?P<outcome>\S+) status=(?P<status>\S+) slack_errors=\S+ duration_ms=(?P<ms>\d+\.\d)$"
)


def request_lines(bot: Bot) -> list[dict[str, str]]:
    found = []
    for line in bot.output().splitlines():
        match = LINE.search(line)
        if match:
            found.append(match.groupdict())
    return found


def test_one_line_per_request_with_team_review_action_outcome_and_duration(
    bot: Bot, fake_slack: FakeSlack
) -> None:
    chat = Chat(bot, fake_slack)
    chat.start("Logged review")
    chat.say("skip")
    chat.click(last_question(fake_slack.calls()), "Add in a form", BOB)
    chat.say("not an answer to anything? 7", BOB)
    chat.event(chat.message("Blog writing", event_id="Ev0LOGGED"))
    chat.event(chat.message("Blog writing", event_id="Ev0LOGGED"), retry_num=1)
    bot.slack.post("payload=broken", "application/x-www-form-urlencoded")
    review = chat.review().id

    lines = request_lines(bot)
    assert [(x["action"], x["outcome"], x["status"]) for x in lines] == [
        ("command:start", "ok", "200"),
        ("event:message", "answered", "200"),
        ("action:open_list", "ok", "200"),
        ("event:message", "answered", "200"),  # a list takes any line
        ("event:message", "answered", "200"),
        ("event:message", "duplicate", "200"),
        ("unreadable", "rejected", "400"),
    ]
    assert {x["team"] for x in lines[:-1]} == {p.TEAM_ID}
    assert {x["review"] for x in lines[1:-1]} == {review}
    assert all(float(x["ms"]) >= 0 for x in lines)


def test_tokens_secrets_and_message_text_are_never_logged(bot: Bot, fake_slack: FakeSlack) -> None:
    chat = Chat(bot, fake_slack)
    chat.start(f"Review {SECRET}")
    chat.say("skip")
    typed = f"my password is {SECRET} and the token is {TOKEN}"
    chat.say(typed)
    fake_slack.fail("chat.postEphemeral", "not_in_channel", times=None)  # a failure is logged too
    chat.say(f"{SECRET}\n{TOKEN}", BOB)
    chat.command(f"status {SECRET}")
    reply, _ = chat.event(chat.message(f"<@U0BOT> {TOKEN}"))
    assert reply.status == 200
    assert len(request_lines(bot)) >= 5
    output = bot.output()
    for never in (SECRET, TOKEN, "my password", BOT_TOKEN, SIGNING_SECRET):
        assert never not in output, never


def test_even_debug_output_masks_tokens_and_secrets(fake_slack: FakeSlack, tmp_path: Path) -> None:
    """LOG_LEVEL=DEBUG shows the libraries' own request traces (what people typed among them); tokens and
    secrets are masked there too."""
    bot = start_bot(fake_slack, tmp_path, f"sqlite:///{tmp_path / 'debug.db'}", "debug", LOG_LEVEL="DEBUG")
    try:
        chat = Chat(bot, fake_slack)
        chat.start(f"Review {TOKEN}")  # echoed in the kickoff message, which slack_sdk logs at DEBUG
        chat.say("skip")
        wait_until(lambda: "xoxb-***" in bot.output(), what="a masked token in the debug output")
        output = bot.output()
        assert TOKEN not in output and BOT_TOKEN not in output and SIGNING_SECRET not in output
    finally:
        stop_bot(bot)
