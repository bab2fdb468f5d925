"""The bot under test, against the fake Slack Web API: in this process, or as an `outsource-review serve` process.

`start_app` builds the real app as `serve` does (`create_app` on a migrated SQLite file, behind `build_wsgi`) and
hands signed requests straight to its WSGI callable: the signature check, Bolt, the listeners, the database and
the Web API calls over HTTP to the fake are all real; only the HTTP hop into our own server is skipped. Most
tests use it. `start_bot` starts a real `python -m bot serve` process for the tests that need one (restarts,
crashes, many processes, the server's own HTTP handling).
"""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.config import Settings
from bot.slack.app import create_app
from bot.slack.delivery import start_delivery
from bot.slack.requestlog import Redact
from bot.slack.run import build_wsgi
from bot.web.routes import report_pages
from bot.wiring import open_service
from tests.support.fake_slack import FakeSlack
from tests.support.signed import USER_AGENT, Reply, SignedClient

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
IN_PROCESS_URL = "http://in-process.invalid"
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"  # as `outsource-review` logs (bot.cli.setup_logging)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Bot:
    """A running bot: `slack` sends it signed requests; `output()` is what it logged."""

    url: str
    process: subprocess.Popen[bytes] | None  # None: the app runs in this process (`start_app`)
    slack: SignedClient
    database_url: str
    log: Path
    stop: Callable[[], None] | None = field(default=None, repr=False)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def running(self) -> bool:
        """The `serve` process has not exited (in this process, the app cannot have: a crash in a listener
        would have failed the request instead)."""
        return self.process is None or self.process.poll() is None


def bot_env(fake: FakeSlack, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        SLACK_API_URL=fake.api_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        DATABASE_URL=database_url,
        LOG_LEVEL="INFO",
        # Most tests are about something else than Slack's one post a second per channel.
        OUTBOX_PACE="0",
    )
    env.update(extra)
    return env


# ---------------------------------------------------------------- a real `serve` process


def start_bot(fake: FakeSlack, workdir: Path, database_url: str, name: str = "bot", **extra: str) -> Bot:
    """`python -m bot serve` on a free port, its output in `workdir/<name>.log`; waits for /healthz."""
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
    client.settle = lambda: wait_delivered(client)
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


SETTLE_SECONDS = 10.0


def wait_delivered(client: SignedClient, timeout: float = SETTLE_SECONDS) -> None:
    """Until the served bot's /healthz says its outbox is empty (rows waiting for a retry count: after
    `timeout` seconds the test goes on and its own assertions say what is missing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            health = client.get("/healthz")
            if health.status == 200 and (health.json().get("outbox") or {}).get("backlog") == 0:
                return
        except (OSError, ValueError):
            return  # the bot is gone (a test that kills it)
        time.sleep(0.02)


def stop_bot(bot: Bot, kill: bool = False) -> None:
    if bot.process is None:
        if bot.stop is not None:
            bot.stop()
        return
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


# ---------------------------------------------------------------- the same app, in this process


class InProcessClient(SignedClient):
    """A `SignedClient` whose requests go straight to a WSGI app instead of over a socket: the bytes and
    headers Slack would send, signed the same way."""

    def __init__(self, app: WSGIApp, signing_secret: str, **options: Any) -> None:
        super().__init__(IN_PROCESS_URL, signing_secret, **options)
        self.app = app

    def request(
        self, method: str, path: str, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> Reply:
        target = urlsplit(self._prefix + path)
        all_headers = {"User-Agent": USER_AGENT, "Host": "in-process.invalid", **(headers or {})}
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": target.path,
            "QUERY_STRING": target.query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "SERVER_NAME": "in-process.invalid",
            "SERVER_PORT": "80",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        if body or method == "POST":
            environ["CONTENT_LENGTH"] = str(len(body))
        for name, value in all_headers.items():
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
            else:
                environ["HTTP_" + key] = value
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(status: str, response_headers: list[tuple[str, str]], *_exc: Any) -> None:
            started.append((status, response_headers))

        result = self.app(environ, start_response)
        try:
            data = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, response_headers = started[-1]
        return Reply(
            int(status.split()[0]),
            {k.lower(): v for k, v in response_headers},
            data.decode("utf-8", "replace"),
        )


def settings_from(env: Mapping[str, str]) -> Settings:
    """The settings `serve` would read from `env` (and nothing else: no .env file, no other variables)."""
    values = {name: env.get(name.upper()) for name in Settings.model_fields}
    return Settings(_env_file=None, **{k: v for k, v in values.items() if v is not None})  # type: ignore[call-arg]


def start_app(fake: FakeSlack, workdir: Path, database_url: str, name: str = "bot", **extra: str) -> Bot:
    """The app `serve` runs, built in this process on `database_url`; its log (as `serve` writes it, secrets
    masked) in `workdir/<name>.log`. Stop it with `stop_bot`."""
    settings = settings_from(bot_env(fake, database_url, **extra))
    service = open_service(settings.database_url)
    delivery = start_delivery(settings, service)
    app = create_app(settings, service, wake=delivery.wake)
    log = workdir / f"{name}.log"
    handler = logging.FileHandler(log, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(
        Redact([settings.slack_bot_token, settings.slack_signing_secret, settings.slack_client_secret])
    )
    root, ours = logging.getLogger(), logging.getLogger("bot")
    level_before = ours.level
    ours.setLevel(settings.log_level_number)
    root.addHandler(handler)

    def stop() -> None:
        delivery.stop(2.0)
        root.removeHandler(handler)
        ours.setLevel(level_before)
        handler.close()
        engine = getattr(service.store, "engine", None)
        if engine is not None:
            engine.dispose()

    client = InProcessClient(
        build_wsgi(
            app, settings.slack_signing_secret, delivery.outbox.backlog, report_pages(settings, service)
        ),
        SIGNING_SECRET,
    )
    client.response_url = fake.response_url
    client.settle = lambda: delivery.drain(SETTLE_SECONDS)
    return Bot(IN_PROCESS_URL, None, client, database_url, log, stop)
