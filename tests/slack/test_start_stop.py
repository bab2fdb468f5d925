"""Starting and stopping real `serve` and `socket` processes: a quiet start, one line when Slack cannot be
reached, many idle connections, and SIGTERM finishing the answer in hand before exiting 0."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.support import FakeSlack, FakeSocketMode
from tests.support.bots import Bot, bot_env, free_port, start_bot, stop_bot
from tests.support.chat import Chat, wait_until
from tests.support.fake_slack import Call

pytestmark = pytest.mark.slow

APP_TOKEN = "xapp-1-A0TEST-1-socket"


def quiet(output: str, *, allowed: tuple[str, ...] = ()) -> None:
    """Nothing at WARNING or above (but lines starting with one of `allowed`), and no traceback."""
    noisy = [
        line
        for line in output.splitlines()
        if line.startswith(("WARNING", "ERROR", "CRITICAL")) and not line.startswith(allowed)
    ]
    assert not noisy, output
    assert "Traceback" not in output, output


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def terminate(process: subprocess.Popen[Any]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(30)


# ---------------------------------------------------------------- start-up


@pytest.mark.parametrize(
    "oauth",
    [{}, {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "oauth-secret"}],
    ids=["bot-token", "oauth"],
)
def test_serve_starts_without_a_warning_and_exits_0_on_sigterm(
    oauth: dict[str, str], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    bot = start_bot(fake_slack, tmp_path, f"sqlite:///{tmp_path / 'bot.db'}", **oauth)
    try:
        assert bot.slack.get("/healthz").status == 200
        assert terminate(bot.process) == 0
    finally:
        stop_bot(bot)
    quiet(bot.output())
    assert "listening on http://127.0.0.1:" in bot.output()


def test_socket_mode_starts_without_a_warning_and_sigterm_closes_the_socket(
    fake_slack: FakeSlack, fake_socket: FakeSocketMode, tmp_path: Path
) -> None:
    log = tmp_path / "socket.log"
    env = bot_env(fake_slack, f"sqlite:///{tmp_path / 'socket.db'}", SLACK_APP_TOKEN=APP_TOKEN)
    del env["SLACK_SIGNING_SECRET"]  # Socket Mode does not need it
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "socket"],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        connection = fake_socket.wait_for_connection(timeout=60)
        wait_until(lambda: "connected over Socket Mode" in log.read_text(), 30, "the start-up line")
        assert terminate(process) == 0
        wait_until(lambda: connection.closed, 10, "the socket closed")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    quiet(log.read_text())


@pytest.mark.parametrize("command", ["serve", "socket"])
def test_slack_unreachable_at_start_is_one_line_and_exit_1(command: str, tmp_path: Path) -> None:
    with FakeSlack() as fake:
        env = bot_env(fake, f"sqlite:///{tmp_path / 'bot.db'}", SLACK_APP_TOKEN=APP_TOKEN)
    env["SLACK_API_URL"] = f"http://127.0.0.1:{free_port()}/api/"  # a closed port
    done = run([command, "--port", str(free_port())] if command == "serve" else [command], env, tmp_path)
    assert done.returncode == 1, done
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"cannot reach Slack's Web API at {env['SLACK_API_URL']} (Connection refused); "
        "check the network, or SLACK_API_URL"
    ]


def test_a_refused_bot_token_is_one_line_and_exit_2(fake_slack: FakeSlack, tmp_path: Path) -> None:
    env = bot_env(fake_slack, f"sqlite:///{tmp_path / 'bot.db'}")
    fake_slack.revoke(env["SLACK_BOT_TOKEN"])
    done = run(["serve", "--port", str(free_port())], env, tmp_path)
    assert done.returncode == 2, done
    assert done.stderr.splitlines() == [
        "Slack refused SLACK_BOT_TOKEN (token_revoked); copy the Bot User OAuth Token (xoxb-) again from "
        "OAuth & Permissions"
    ]


# ---------------------------------------------------------------- limits


def test_healthz_answers_with_150_idle_connections_open(fake_slack: FakeSlack, tmp_path: Path) -> None:
    bot = start_bot(fake_slack, tmp_path, f"sqlite:///{tmp_path / 'bot.db'}")
    port = int(bot.url.rsplit(":", 1)[1])
    with ExitStack() as idle:
        try:
            for _ in range(150):
                idle.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10))
            with socket.create_connection(("127.0.0.1", port), timeout=20) as probe:
                probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n\r\n")
                answer = b""
                while chunk := probe.recv(4096):
                    answer += chunk
            assert answer.startswith(b"HTTP/1.1 200"), answer
            assert answer.endswith(b"}\n") and b'"ok": true' in answer
        finally:
            stop_bot(bot)
    # waitress says so when a request waited for a free thread: on a busy machine 150 connections at once may
    # make one wait a moment. What this test is about is that /healthz was answered.
    quiet(bot.output(), allowed=("WARNING waitress.queue: Task queue depth",))


# ---------------------------------------------------------------- graceful stop


class Held:
    """Holds every chat.postMessage at the fake until released, telling when the first one arrives."""

    def __init__(self, fake: FakeSlack) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()
        self._post = fake._api_chat_postMessage  # the fake's own answer, given after the hold

    def __call__(self, call: Call) -> dict[str, Any]:
        self.arrived.set()
        self.release.wait(30)
        return dict(self._post(call))


@pytest.fixture
def bot(fake_slack: FakeSlack, tmp_path: Path) -> Iterator[Bot]:
    running = start_bot(fake_slack, tmp_path, f"sqlite:///{tmp_path / 'bot.db'}")
    yield running
    stop_bot(running)


def test_sigterm_during_an_answer_saves_it_posts_the_next_question_and_exits_0(
    bot: Bot, fake_slack: FakeSlack
) -> None:
    chat = Chat(bot, fake_slack)
    chat.start("Graceful review")
    answers_before = len(chat.history())
    held = Held(fake_slack)
    fake_slack.on("chat.postMessage", held)

    reply: dict[str, Any] = {}

    def send() -> None:
        try:
            reply["done"] = chat.event(chat.message("skip"))
        except Exception as exc:  # shown by the assertion below
            reply["failed"] = exc

    sending = threading.Thread(target=send)
    sending.start()
    assert held.arrived.wait(30), "the answer's next question never reached Slack"
    bot.process.send_signal(signal.SIGTERM)
    wait_until(lambda: "stopping: finishing the requests in hand" in bot.output(), 30, "the bot got SIGTERM")
    held.release.set()
    sending.join(30)

    assert "done" in reply, f"no HTTP response: {reply.get('failed')!r}\n{bot.output()}"
    status, calls = reply["done"]
    assert status.status == 200
    assert bot.process.wait(30) == 0
    assert len(chat.history()) == answers_before + 1
    posted = [c for c in calls if c.method == "chat.postMessage" and c.get("thread_ts") == chat.thread]
    assert posted and posted[-1].ok and "Step 1 of 7" in posted[-1].all_text()
    quiet(bot.output())
