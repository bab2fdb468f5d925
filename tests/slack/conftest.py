"""A real `outsource-review serve` process against the fake Slack Web API, driven by signed requests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import FakeSlack, SignedClient
from tests.support import payloads as p
from tests.support.fixtures import fake_slack, fake_socket  # noqa: F401  (fixtures)

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Bot:
    url: str
    process: subprocess.Popen[bytes]
    slack: SignedClient
    database_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def bot_env(fake: FakeSlack, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        SLACK_API_URL=fake.api_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        DATABASE_URL=database_url,
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def start_bot(fake: FakeSlack, workdir: Path, database_url: str, name: str = "bot", **extra: str) -> Bot:
    port = free_port()
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(port)],
            env=bot_env(fake, database_url, **extra),
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}"
    client = SignedClient(url, SIGNING_SECRET, response_url=fake.response_url)
    deadline = time.monotonic() + 30
    while True:
        try:
            if client.get("/healthz").status == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the bot did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.05)
    return Bot(url, process, client, database_url, log)


def stop_bot(bot: Bot, kill: bool = False) -> None:
    if bot.process.poll() is None:
        if kill:
            bot.process.kill()
        else:
            bot.process.terminate()
        try:
            bot.process.wait(10)
        except subprocess.TimeoutExpired:
            bot.process.kill()
            bot.process.wait(10)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bot.db'}"


@pytest.fixture
def bot(fake_slack: FakeSlack, tmp_path: Path, database_url: str) -> Iterator[Bot]:  # noqa: F811
    running = start_bot(fake_slack, tmp_path, database_url)
    yield running
    stop_bot(running)


__all__ = ["BOT_TOKEN", "SIGNING_SECRET", "Bot", "p", "start_bot", "stop_bot"]
