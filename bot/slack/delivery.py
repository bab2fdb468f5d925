"""Delivery: sends the outbox to Slack, from background threads, each running an asyncio loop.

Each loop claims rows (`SqlOutbox.claim`: a lane's rows one at a time, in order; a channel's paced), sends
each one as a task (`bot.slack.sending`) through slack_sdk's AsyncWebClient on one aiohttp session (its
connections kept open and reused; no retry handlers, the outbox retries), and settles it:

- done: marked done with the useful parts of Slack's answer;
- 429: the channel (the row's `pace`, else the workspace's method) is paused for Retry-After and the row waits
  that long; nothing else is held up;
- a moment's trouble (5xx, timeouts, the network): tried again after 1, 2, 4 ... 300 s; failed after 20 tries;
- refused for good (channel_not_found, not_in_channel, invalid_auth, ...): failed, one log line, and the person
  who asked is told through the row's `response_url` when it has one.

It claims again when `wake()` says rows were written, when a delivery ends (its lane's next row is free), and
every POLL seconds (rows written by other processes, retries coming due). `stop()` takes no more rows and lets
the deliveries in hand finish; `drain()` waits until nothing is left to claim (for tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.slack.failures import (
    AUTH_PROBLEMS,
    MAX_ATTEMPTS,
    DeliveryError,
    backoff,
    classify,
    expected,
    fix_for,
    told,
)
from bot.slack.sending import RESPONSE_URL, Sender
from bot.slack.tokens import Tokens, bot_tokens
from flows.model import utcnow
from flows.service import ReviewService
from storage.outbox import OutboxRow, SqlOutbox

log = logging.getLogger("bot.slack.delivery")

POLL = 0.25  # seconds between claims when nobody wakes the loop
IN_HAND = 100  # deliveries in flight at once, per loop
CALL_TIMEOUT = 30.0  # seconds a Web API call may take
DB_THREADS = 4  # for the database work of the deliveries (claims, marks, effects)


class Delivery:
    def __init__(
        self,
        settings: Settings,
        outbox: SqlOutbox,
        service: ReviewService,
        tokens: Tokens,
        *,
        threads: int = 1,
        name: str | None = None,
    ) -> None:
        self.settings = settings
        self.outbox = outbox
        self.service = service
        self.tokens = tokens
        self.threads = threads
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self._executor = ThreadPoolExecutor(DB_THREADS, thread_name_prefix="delivery-db")
        self._changed = threading.Condition()
        self._wakers: list[Callable[[], object]] = []
        self._running: list[threading.Thread] = []
        self._stopping = False
        self._stop_timeout = 10.0
        self._asked = 0  # drain() requests so far
        self._quiet = 0  # the latest request answered by a claim that found nothing, with nothing in hand
        self._in_hand = 0
        self._settled = 0  # deliveries settled so far
        self._left = 0  # deliveries cut short by stop()
        self._crash: BaseException | None = None

    # ------------------------------------------------------------ the interface

    def start(self) -> Delivery:
        for n in range(self.threads):
            ready = threading.Event()
            thread = threading.Thread(target=self._main, args=(n, ready), name=f"delivery-{n}", daemon=True)
            thread.start()
            ready.wait(10)
            self._running.append(thread)
        return self

    def wake(self) -> None:
        """Rows were written: claim now."""
        with self._changed:
            wakers = list(self._wakers)
        for waker in wakers:
            with contextlib.suppress(RuntimeError):  # that loop has ended
                waker()

    def stop(self, timeout: float = 10.0) -> bool:
        """Take no more rows, let the deliveries in hand finish (at most `timeout` s) and end the threads.
        False when some were cut short: their rows are delivered again after their lease, once."""
        with self._changed:
            self._stopping, self._stop_timeout = True, timeout
        self.wake()
        for thread in self._running:
            thread.join(timeout + 5)
        self._executor.shutdown(wait=False)
        return self._left == 0 and not any(t.is_alive() for t in self._running)

    def drain(self, timeout: float = 10.0) -> None:
        """Block until a claim finds nothing to take and nothing is in hand (rows waiting for a retry, a
        pause or another process's lease are left). TimeoutError when that takes longer than `timeout`."""
        if not self._running:
            return
        with self._changed:
            self._asked += 1
            asked = self._asked
        self.wake()
        with self._changed:
            if not self._changed.wait_for(lambda: self._quiet >= asked or self._crash is not None, timeout):
                raise TimeoutError(f"the outbox was not drained within {timeout}s")
            if self._crash is not None:
                raise RuntimeError("the delivery thread stopped") from self._crash

    # ------------------------------------------------------------ the loop

    def _main(self, n: int, ready: threading.Event) -> None:
        try:
            asyncio.run(self._run(f"{self.name}/{n}", ready))
        except BaseException as exc:
            log.exception("the delivery thread stopped")
            with self._changed:
                self._crash = exc
                self._changed.notify_all()

    async def _run(self, worker: str, ready: threading.Event) -> None:
        wake = asyncio.Event()
        loop = asyncio.get_running_loop()
        with self._changed:
            self._wakers.append(lambda: loop.call_soon_threadsafe(wake.set))
        ready.set()
        timeout = aiohttp.ClientTimeout(total=CALL_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            sender = Sender(
                self.service, self.outbox, self.tokens, _clients(self.settings, session), self._executor
            )
            tasks: set[asyncio.Task[None]] = set()
            while not self._stopping:
                wake.clear()
                claimed = await self._claim(sender, worker, IN_HAND - len(tasks))
                for row in claimed:
                    task = asyncio.create_task(self._deliver(sender, session, row))
                    tasks.add(task)
                    task.add_done_callback(lambda t: self._settle(t, tasks, wake))
                if not wake.is_set():
                    await self._nap(sender, wake, idle=not tasks)
            await self._finish(tasks)

    async def _claim(self, sender: Sender, worker: str, free: int) -> list[OutboxRow]:
        with self._changed:
            asked, settled = self._asked, self._settled
        try:
            rows = await sender.blocking(self.outbox.claim, worker, free) if free > 0 else []
        except Exception:
            log.exception("claiming outbox rows failed; trying again")
            return []
        with self._changed:
            self._in_hand += len(rows)
            if not rows and free > 0 and self._in_hand == 0 and self._settled == settled:
                self._quiet = max(self._quiet, asked)
                self._changed.notify_all()
        return rows

    async def _nap(self, sender: Sender, wake: asyncio.Event, idle: bool) -> None:
        wait = POLL
        if idle:
            try:
                due = await sender.blocking(self.outbox.next_due)
            except Exception:
                due = None
            if due is not None:
                wait = min(POLL, max(0.0, (due - utcnow()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), wait)

    def _settle(self, task: asyncio.Task[None], tasks: set[asyncio.Task[None]], wake: asyncio.Event) -> None:
        tasks.discard(task)
        with self._changed:
            self._in_hand -= 1
            self._settled += 1
        wake.set()  # the lane's next row may be claimed now

    async def _finish(self, tasks: set[asyncio.Task[None]]) -> None:
        if not tasks:
            return
        log.info("stopping: finishing %d deliveries in hand", len(tasks))
        _done, cut = await asyncio.wait(set(tasks), timeout=self._stop_timeout)
        for task in cut:
            task.cancel()
        await asyncio.gather(*cut, return_exceptions=True)
        with self._changed:
            self._left += len(cut)

    # ------------------------------------------------------------ one row

    async def _deliver(self, sender: Sender, session: aiohttp.ClientSession, row: OutboxRow) -> None:
        try:
            try:
                result = await sender.send(row)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not expected(exc):
                    log.exception("delivering outbox row %s raised", row.id)
                await self._failed(sender, session, row, classify(exc))
            else:
                await sender.blocking(self.outbox.done, row, result)
        except asyncio.CancelledError:
            raise
        except Exception:  # the database: the row's lease runs out and it is delivered again, once
            log.exception("settling outbox row %s failed", row.id)

    async def _failed(
        self, sender: Sender, session: aiohttp.ClientSession, row: OutboxRow, failure: DeliveryError
    ) -> None:
        if failure.retry_after is not None:
            await sender.blocking(
                self.outbox.pause, row.pace or f"{row.team_id}:{row.method}", failure.retry_after
            )
            await sender.blocking(self.outbox.postpone, row, failure.retry_after)
            log.info(
                "rate limited method=%s pace=%s retry_after=%s", row.method, row.pace, failure.retry_after
            )
        elif failure.permanent or row.attempts >= MAX_ATTEMPTS:
            await sender.blocking(self.outbox.fail, row, failure.error)
            level = logging.ERROR if failure.error in AUTH_PROBLEMS else logging.WARNING
            log.log(
                level,
                "delivery failed method=%s team=%s review=%s error=%s attempts=%d: %s",
                row.method,
                row.team_id,
                row.review_id,
                failure.error,
                row.attempts,
                fix_for(failure.error),
            )
            url = row.args.get(RESPONSE_URL)
            if url:
                await _tell(session, str(url), told(failure.error))
        else:
            delay = backoff(row.attempts)
            await sender.blocking(self.outbox.retry, row, failure.error, delay)
            log.info(
                "delivery will be tried again method=%s error=%s in=%ss", row.method, failure.error, delay
            )


def start_delivery(settings: Settings, service: ReviewService, threads: int | None = None) -> Delivery:
    """The Delivery of `serve` / `socket` (DELIVERY_THREADS loops; 0: none, the workers deliver) or, with
    `threads`, of `outsource-review worker`; started."""
    engine = getattr(service.store, "engine", None)
    if engine is None:
        raise ValueError("delivery needs the review store's database engine (a SqlReviewStore)")
    outbox = SqlOutbox(
        engine,
        lease=settings.outbox_lease,
        pace_interval=settings.outbox_pace,
        pace_burst=settings.outbox_burst,
    )
    count = settings.delivery_threads if threads is None else threads
    return Delivery(settings, outbox, service, bot_tokens(settings, engine), threads=count).start()


def _clients(settings: Settings, session: aiohttp.ClientSession) -> Callable[[str], AsyncWebClient]:
    """A client per token, all on `session`."""
    made: dict[str, AsyncWebClient] = {}

    def client_for(token: str) -> AsyncWebClient:
        if token not in made:
            made[token] = AsyncWebClient(
                token=token, base_url=settings.slack_api_url, session=session, retry_handlers=[]
            )
        return made[token]

    return client_for


async def _tell(session: aiohttp.ClientSession, url: str, text: str) -> None:
    """Say `text` to the person through a slash command's response_url (only they see it)."""
    message: dict[str, Any] = {"response_type": "ephemeral", "replace_original": False, "text": text}
    try:
        async with session.post(url, json=message) as answer:
            if answer.status >= 400:
                log.warning("telling the person failed status=%s", answer.status)
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("telling the person failed error=%s", type(exc).__name__)
