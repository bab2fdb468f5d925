"""Work done in other processes by the concurrency tests (importable, so a fresh process can find it).

Each process builds its own engine from a URL: nothing is inherited from the parent.
"""

import multiprocessing
from multiprocessing.context import BaseContext
from multiprocessing.synchronize import Barrier
from typing import Any

from flows.model import AnswerRecord
from flows.ports import VersionConflict
from storage.db import make_engine
from storage.migrate import upgrade
from storage.repository import SqlReviewStore


def fresh_processes() -> BaseContext:
    """Processes that inherit nothing from the test process: forked from a server process started afresh
    (`forkserver`) that has imported this module once, so each child skips the second or so `spawn` spends
    importing SQLAlchemy and the project again."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


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
