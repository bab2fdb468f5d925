"""Work done in other processes by the concurrency tests (importable, so a fresh process can find it).

Each process builds its own engine from a URL: nothing is inherited from the parent.
"""

import multiprocessing
import queue
import time
from collections.abc import Sequence
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Barrier
from typing import Any

from flows.model import AnswerRecord
from flows.ports import Outgoing, VersionConflict
from storage.db import make_engine
from storage.migrate import upgrade
from storage.outbox import SqlOutbox
from storage.repository import SqlReviewStore


def fresh_processes() -> BaseContext:
    """Processes that inherit nothing from the test process: forked from a server process started afresh
    (`forkserver`) that has imported this module once, so each child skips the second or so `spawn` spends
    importing SQLAlchemy and the project again."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def run_processes(processes: Sequence[BaseProcess], results: Any, timeout: float = 120) -> list[Any]:
    """Start the processes, collect one result from each, and check that every one exited cleanly."""
    for process in processes:
        process.start()
    collected: list[Any] = []
    deadline = time.monotonic() + timeout
    while len(collected) < len(processes) and time.monotonic() < deadline:
        try:
            collected.append(results.get(timeout=0.5))
        except queue.Empty:
            if not any(process.is_alive() for process in processes) and results.empty():
                break  # a process died without answering: its exit code says so below
    for process in processes:
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()
    assert [process.exitcode for process in processes] == [0] * len(processes)
    assert len(collected) == len(processes)
    return collected


def add_answers(store: SqlReviewStore, review_id: str, worker: str, count: int) -> int:
    """Give `count` answers to the review, each exactly once, reloading and retrying on VersionConflict.

    Returns how many conflicts were met (proof that the writers really raced).
    """
    conflicts = 0
    for n in range(count):
        question = f"{worker}-q{n}"
        while True:
            review = store.get(review_id)
            assert review is not None
            review.answers = {**review.answers, question: n}
            review.answered = [*review.answered, question]
            record = AnswerRecord(review_id=review_id, question=question, author=worker, text=str(n), value=n)
            try:
                store.save(review, [record])
                break
            except VersionConflict:
                conflicts += 1
    return conflicts


def answer_in_process(
    url: str, review_id: str, worker: str, count: int, start: Barrier, results: Any
) -> None:
    engine = make_engine(url)
    try:
        start.wait()
        results.put(add_answers(SqlReviewStore(engine), review_id, worker, count))
    finally:
        engine.dispose()


def claim_in_process(url: str, team_id: str, key: str, start: Barrier, results: Any) -> None:
    engine = make_engine(url)
    try:
        start.wait()
        results.put(SqlReviewStore(engine).claim_receipt(team_id, key))
    finally:
        engine.dispose()


def upgrade_in_process(url: str, start: Barrier) -> None:
    engine = make_engine(url)
    try:
        start.wait()
        upgrade(engine)
    finally:
        engine.dispose()


def outbox_items(lanes: int, per_lane: int, pace: str | None = None) -> list[Outgoing]:
    """`per_lane` messages in each of `lanes` lanes, interleaved (lane 0 row 0, lane 1 row 0, ...); each
    message's args say its lane and its place in the lane."""
    return [
        Outgoing(
            "chat.postMessage",
            {"channel": f"C{lane}", "text": f"{lane}/{n}", "lane": f"L{lane}", "n": n},
            "T1",
            f"L{lane}",
            review_id=f"L{lane}",
            pace=pace,
        )
        for n in range(per_lane)
        for lane in range(lanes)
    ]


def deliver_in_process(url: str, worker: str, start: Barrier, results: Any) -> None:
    """Claim (three at a time) and mark done until nothing is undelivered. Puts a list of (row id, lane, n,
    attempts, claimed, finishing): `claimed` is when the claim returned, `finishing` when `done` was called
    (time.monotonic_ns: one clock for every process on the machine)."""
    engine = make_engine(url)
    try:
        outbox = SqlOutbox(engine, pace_interval=0)
        seen: list[tuple[int, str, int, int, int, int]] = []
        start.wait()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            rows = outbox.claim(worker, limit=3)
            claimed = time.monotonic_ns()
            if not rows:
                if outbox.backlog().count == 0:
                    break
                time.sleep(0.002)  # the heads left are another process's: wait for it to mark them done
                continue
            for row in rows:
                finishing = time.monotonic_ns()
                assert outbox.done(row)
                seen.append((row.id, row.args["lane"], row.args["n"], row.attempts, claimed, finishing))
        results.put(seen)
    finally:
        engine.dispose()


def claim_once_in_process(url: str, worker: str, limit: int, start: Barrier, results: Any) -> None:
    """One claim, as soon as every process is ready; puts the ids claimed."""
    engine = make_engine(url)
    try:
        outbox = SqlOutbox(engine, pace_interval=3600, pace_burst=4)
        start.wait()
        results.put([row.id for row in outbox.claim(worker, limit)])
    finally:
        engine.dispose()


def save_with_outbox_in_process(
    url: str, review_id: str, worker: str, count: int, start: Barrier, results: Any
) -> None:
    """`count` saves of the review, each with one outbox row naming the version it makes (retrying on
    VersionConflict); puts how many conflicts were met."""
    engine = make_engine(url)
    try:
        store = SqlReviewStore(engine)
        conflicts = 0
        start.wait()
        for n in range(count):
            while True:
                review = store.get(review_id)
                assert review is not None
                review.answers = {**review.answers, f"{worker}-q{n}": n}
                item = Outgoing("chat.postMessage", {"version": review.version + 1}, "T1", review_id)
                try:
                    store.save(review, outbox=[item])
                    break
                except VersionConflict:
                    conflicts += 1
        results.put(conflicts)
    finally:
        engine.dispose()
