"""`outsource-review socket`: the same app over a (fake) Socket Mode WebSocket."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import (
    FakeSlack,
    FakeSocketMode,
    events_api_envelope,
    slash_command_envelope,
)
from tests.support import payloads as p
from tests.support.bots import bot_env

pytestmark = pytest.mark.slow  # a real `outsource-review socket` process

APP_TOKEN = "xapp-1-A0TEST-1-socket"
CHANNEL = "C0SOCKET"


@pytest.fixture
def socket_bot(
    fake_slack: FakeSlack, fake_socket: FakeSocketMode, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    log = tmp_path / "socket.log"
    env = bot_env(fake_slack, f"sqlite:///{tmp_path / 'socket.db'}", SLACK_APP_TOKEN=APP_TOKEN)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "socket"],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        try:
            fake_socket.wait_for_connection(timeout=30)
        except AssertionError:
            process.kill()
            raise AssertionError(f"no Socket Mode connection:\n{log.read_text(errors='replace')}") from None
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_a_slash_command_over_socket_mode(
    socket_bot: subprocess.Popen[bytes], fake_slack: FakeSlack, fake_socket: FakeSocketMode
) -> None:
    # The app token opened the connection; the bot token is what posts.
    opened = fake_slack.last("apps.connections.open")
    assert opened.token == APP_TOKEN and opened.ok

    command = p.slash_command(
        text="Socket review", channel_id=CHANNEL, response_url=fake_slack.response_url()
    )
    envelope_id = fake_socket.send_envelope(slash_command_envelope(command))
    ack = fake_socket.wait_for_ack(envelope_id)
    assert ack["envelope_id"] == envelope_id

    kickoff = fake_slack.wait_for("chat.postMessage", lambda c: c["channel"] == CHANNEL, timeout=10)
    assert kickoff.token == "xoxb-test-token"
    assert not kickoff.get("thread_ts") and "Socket review" in kickoff.text
    question = fake_slack.wait_for(
        "chat.postMessage", lambda c: c.get("thread_ts") == kickoff.response["ts"], timeout=10
    )
    assert "Answer here in the thread" in question.all_text()

    # A typed reply arrives as an events_api envelope and moves the interview on.
    mark = fake_slack.mark()
    reply = p.event_callback(p.message_event("skip", channel=CHANNEL, thread_ts=kickoff.response["ts"]))
    fake_socket.wait_for_ack(fake_socket.send_envelope(events_api_envelope(reply)))
    step = fake_slack.wait_for(
        "chat.postMessage", lambda c: c.get("thread_ts") == kickoff.response["ts"], since=mark, timeout=10
    )
    assert "Step 1 of 7" in step.all_text()
    assert socket_bot.poll() is None


def test_help_comes_back_in_the_ack(socket_bot: subprocess.Popen[bytes], fake_socket: FakeSocketMode) -> None:
    envelope_id = fake_socket.send_envelope(slash_command_envelope(text="help", channel_id=CHANNEL))
    ack = fake_socket.wait_for_ack(envelope_id)
    assert "/outsource-review status" in ack["payload"]["text"]
