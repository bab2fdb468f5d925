"""The outbox's delivery under test: rows written into a real database, delivered to the fake Slack Web API.

    outbox = Outbox(fake, database_url)
    outbox.enqueue(post("C0ONE", "hello", lane="L1"))
    with outbox.delivering() as delivery:
        delivery.drain()
    assert keys_in(fake, "C0ONE") == [...]

`start_worker` runs a real `outsource-review worker` process on the same database instead.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.config import Settings
from bot.slack.delivery import Delivery, start_delivery
from bot.slack.posted import EVENT_TYPE
from flows.ports import THREAD, Outgoing
from flows.service import ReviewService
from storage.db import make_engine
from storage.outbox import OutboxRow, SqlOutbox
from storage.tables import OutboxItemRow
from tests.support import payloads as p
from tests.support.bots import bot_env, settings_from
from tests.support.fake_slack import FakeSlack

TEAM = p.TEAM_ID
UNPACED = {"OUTBOX_PACE": "0"}  # most tests are about something else than Slack's one post a second


def post(
    channel: str,
    text: str,
    lane: str,
    *,
    thread: bool = False,
    effect: str | None = None,
    review_id: str | None = None,
    **args: Any,
) -> Outgoing:
    """A chat.postMessage row, paced by its channel; `thread`: a reply in the review's thread ("$thread")."""
    where = {"thread_ts": THREAD} if thread else {}
    return Outgoing(
        "chat.postMessage",
        {"channel": channel, "text": text, **where, **args},
        TEAM,
        lane,
        review_id=review_id,
        pace=channel,
        effect=effect,
    )


class Outbox:
    """The parts a Delivery needs, on `database_url` (migrated), with the settings `serve` would read."""

    def __init__(self, fake: FakeSlack, database_url: str, **env: str) -> None:
        from bot.wiring import open_service

        self.settings: Settings = settings_from(bot_env(fake, database_url, **{**UNPACED, **env}))
        self.service: ReviewService = open_service(database_url)
        self.store: SqlOutbox = self.service.store.outbox  # type: ignore[attr-defined]

    def enqueue(self, *items: Outgoing) -> list[Outgoing]:
        self.store.enqueue(items)
        return list(items)

    @contextmanager
    def delivering(self) -> Iterator[Delivery]:
        delivery = start_delivery(self.settings, self.service)
        try:
            yield delivery
        finally:
            delivery.stop(timeout=5)

    def died_holding(self, count: int) -> list[OutboxRow]:
        """`count` rows claimed by a worker that died at once: their lease is over already."""
        engine = self.service.store.engine  # type: ignore[attr-defined]
        return SqlOutbox(engine, lease=0, pace_interval=0).claim("died", count)

    def rows(self) -> list[OutboxItemRow]:
        return outbox_rows(self.service.store.engine)  # type: ignore[attr-defined]

    def close(self) -> None:
        self.service.store.engine.dispose()  # type: ignore[attr-defined]


def outbox_rows(engine_or_url: Any) -> list[OutboxItemRow]:
    """Every outbox row, in order (status, attempts, error, result, claimed_by ...)."""
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    with engine.connect() as connection:
        found = [OutboxItemRow(**row._mapping) for row in connection.execute(select(OutboxItemRow.__table__))]  # type: ignore[attr-defined]
    if isinstance(engine_or_url, str):
        engine.dispose()
    return sorted(found, key=lambda row: row.id or 0)


def keys_in(fake: FakeSlack, channel: str, thread_ts: str | None = None) -> list[str]:
    """The outbox keys of the messages in `channel` (or in one thread, its parent included), oldest first."""
    return [
        str(m.metadata["event_payload"]["key"])
        for m in fake.messages(channel, thread_ts=thread_ts)
        if m.metadata and m.metadata.get("event_type") == EVENT_TYPE
    ]


def start_worker(
    fake: FakeSlack, workdir: Path, database_url: str, name: str, **env: str
) -> subprocess.Popen[bytes]:
    """`python -m bot worker` on `database_url`; returns once it says it is delivering. Output in `<name>.log`."""
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "worker"],
            env=bot_env(fake, database_url, **{**UNPACED, **env}),
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + 30
    while "is delivering" not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the worker did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.05)
    return process
