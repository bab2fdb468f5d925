"""Delivery: sends the outbox to Slack, from background threads, each running an asyncio loop.

Each loop claims rows (`SqlOutbox.claim`: a lane's rows one at a time, in order; a channel's paced) and
delivers each one as a task (`bot.slack.settling`: sent by `bot.slack.sending`, then done, put back or failed;
a row sent is marked done by the loop's next claim, in the claim's transaction: one write per claim, not one
more per row),
through slack_sdk's AsyncWebClient on one aiohttp session: its connections are kept open and reused, and it has
no retry handlers (the outbox retries, without holding anything up).

It claims again when `wake()` says rows were written, when a delivery ends (its lane's next row is free), and
every POLL seconds (rows written by other processes, retries coming due). While rows are in hand, it renews
their lease every third of it (`SqlOutbox.extend`): a delivery slower than the lease is not taken and sent
again by another worker. `stop()` takes no more rows and lets
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
from functools import partial

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.slack.sending import Sender
from bot.slack.settling import deliver
from bot.slack.tokens import Tokens, bot_tokens
from flows.model import utcnow
from flows.service import ReviewService
from storage.outbox import Delivered, OutboxRow, SqlOutbox

log = logging.getLogger("bot.slack.delivery")

POLL = 0.25  # seconds between claims when nobody wakes the loop
MIN_NAP = 0.02  # when something is due already and yet nothing could be claimed, it is not claimed in a spin
IN_HAND = 100  # deliveries in flight at once, per loop
DB_TROUBLE_NAP = 2.0  # seconds before claiming again when the database did not answer
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
        self._claiming = 0  # claims under way, in all loops
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
        """Block until a claim finds nothing to take and nothing is in hand: rows waiting for a retry, a pause,
        their channel's pace or another process's lease are left. At once when no loop runs (threads=0).
        TimeoutError when that takes longer than `timeout`."""
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
            held: dict[int, OutboxRow] = {}
            sent: list[Delivered] = []  # marked done by the next claim, in its transaction
            keeper = asyncio.create_task(self._keep_leases(sender, held))
            while not self._stopping:
                wake.clear()
                claimed = await self._claim(sender, worker, IN_HAND - len(tasks), sent)
                if claimed is None:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), DB_TROUBLE_NAP)
                    continue
                for row in claimed:
                    held[row.id] = row
                    task = asyncio.create_task(deliver(sender, session, row, sent.append))
                    tasks.add(task)
                    task.add_done_callback(partial(self._settle, tasks=tasks, wake=wake, held=held, row=row))
                if not wake.is_set():
                    await self._nap(sender, wake, idle=not tasks)
            await self._finish(tasks)
            await self._claim(sender, worker, 0, sent)  # the last rows sent marked done
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)

    async def _claim(
        self, sender: Sender, worker: str, free: int, sent: list[Delivered]
    ) -> list[OutboxRow] | None:
        """The rows claimed (a drain waiting learns when there were none); None when the database failed.
        The rows in `sent` are marked done in the claim's transaction (kept for the next claim if it fails)."""
        with self._changed:
            asked, settled = self._asked, self._settled
            self._claiming += 1
        marks, sent[:] = sent[:], []
        try:
            rows = (
                await sender.blocking(self.outbox.claim, worker, max(free, 0), None, marks)
                if free > 0 or marks
                else []
            )
        except Exception as exc:
            sent[:0] = marks
            with self._changed:
                self._claiming -= 1
            log.warning("claiming outbox rows failed error=%s; trying again", type(exc).__name__)
            log.debug("the claim's failure", exc_info=exc)
            return None
        with self._changed:
            self._claiming -= 1
            self._in_hand += len(rows)
            # Quiet only when no other loop's claim is under way: it may have taken the rows this one did not see.
            alone = self._claiming == 0
            if alone and not rows and free > 0 and self._in_hand == 0 and self._settled == settled:
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
                wait = min(POLL, max(MIN_NAP, (due - utcnow()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), wait)

    async def _keep_leases(self, sender: Sender, held: dict[int, OutboxRow]) -> None:
        """Every third of the lease, renew the lease of the rows in hand: a delivery that takes longer than the
        lease (a big upload, a slow Slack) keeps its rows, and no other worker sends them a second time. A
        loop that hangs renews nothing, and its rows are taken again after their lease."""
        every = max(self.outbox.lease.total_seconds() / 3, 0.01)
        while True:
            await asyncio.sleep(every)
            rows = list(held.values())
            if not rows:
                continue
            try:
                await sender.blocking(self.outbox.extend, rows)
            except Exception as exc:
                log.warning("renewing the leases of %d rows failed error=%s", len(rows), type(exc).__name__)

    def _settle(
        self,
        task: asyncio.Task[None],
        *,
        tasks: set[asyncio.Task[None]],
        wake: asyncio.Event,
        held: dict[int, OutboxRow],
        row: OutboxRow,
    ) -> None:
        tasks.discard(task)
        held.pop(row.id, None)
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
