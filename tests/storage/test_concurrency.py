"""Many writers, one review: every answer lands exactly once, and the version counts them.

Runs on a SQLite file and on PostgreSQL, from threads (one engine, its pool) and from processes (an engine each).
"""

import threading
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import Engine

from flows.model import Review
from storage.db import make_engine
from storage.repository import SqlReviewStore
from tests.support.storage_workers import (
    add_answers,
    answer_in_process,
    claim_in_process,
    fresh_processes,
    run_processes,
)

WRITERS = 4
ANSWERS_EACH = 10
PROCESSES = fresh_processes()  # children build their own engines; nothing is inherited


def run_threads(target: Any, args: list[tuple[Any, ...]]) -> list[Any]:
    """Run `target` once per args tuple, all released at once; their results, re-raising any error here."""
    start = threading.Barrier(len(args))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(*arguments: Any) -> None:
        try:
            start.wait()
            results.append(target(*arguments))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=arguments) for arguments in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    assert len(results) == len(args)
    return results


def assert_every_answer_landed_once(store: SqlReviewStore, review_id: str, workers: list[str]) -> None:
    review = store.get(review_id)
    assert review is not None
    expected = {f"{worker}-q{n}" for worker in workers for n in range(ANSWERS_EACH)}
    assert set(review.answers) == expected
    assert Counter(review.answered) == Counter(expected)  # each exactly once
    assert Counter(record.question for record in store.history(review_id)) == Counter(expected)
    assert review.version == 1 + len(expected)  # created at 1, then one save per answer


def test_concurrent_saves_from_threads(engine: Engine) -> None:
    store = SqlReviewStore(engine)
    review_id = store.create(Review(title="threads", facilitator="U")).id or ""
    workers = [f"t{i}" for i in range(WRITERS)]
    conflicts = run_threads(add_answers, [(store, review_id, worker, ANSWERS_EACH) for worker in workers])
    print(f"threads met and retried {sum(conflicts)} version conflicts")
    assert_every_answer_landed_once(store, review_id, workers)


@pytest.mark.slow
def test_concurrent_saves_from_processes(database_url: str, engine: Engine) -> None:
    store = SqlReviewStore(engine)
    review_id = store.create(Review(title="processes", facilitator="U")).id or ""
    workers = [f"p{i}" for i in range(WRITERS)]
    start, results = PROCESSES.Barrier(WRITERS), PROCESSES.Queue()
    processes = [
        PROCESSES.Process(
            target=answer_in_process, args=(database_url, review_id, worker, ANSWERS_EACH, start, results)
        )
        for worker in workers
    ]
    conflicts = run_processes(processes, results)
    print(f"processes met and retried {sum(conflicts)} version conflicts")
    assert_every_answer_landed_once(store, review_id, workers)


@pytest.mark.slow
def test_claim_receipt_from_many_processes_exactly_one_wins(database_url: str, engine: Engine) -> None:
    claimants = 4
    start, results = PROCESSES.Barrier(claimants), PROCESSES.Queue()
    processes = [
        PROCESSES.Process(target=claim_in_process, args=(database_url, "T1", "Ev-retried", start, results))
        for _ in range(claimants)
    ]
    claimed = run_processes(processes, results, timeout=60)
    assert sorted(claimed) == [False] * (claimants - 1) + [True]
    assert SqlReviewStore(engine).claim_receipt("T1", "Ev-retried") is False


def test_claim_receipt_from_many_threads_exactly_one_wins(engine: Engine) -> None:
    store = SqlReviewStore(engine)
    claimants = 8
    claimed = run_threads(store.claim_receipt, [("T1", "double-click")] * claimants)
    assert sorted(claimed) == [False] * (claimants - 1) + [True]


def test_a_second_engine_sees_saves_at_once(database_url: str, engine: Engine) -> None:
    """No caching between calls: a review saved through one engine is current through another."""
    first = SqlReviewStore(engine)
    other_engine = make_engine(database_url)
    try:
        second = SqlReviewStore(other_engine)
        created = first.create(Review(title="shared", facilitator="U"))
        loaded = second.get(created.id or "")
        assert loaded == created
        assert loaded is not None
        saved = second.save(loaded)
        assert first.get(created.id or "") == saved
    finally:
        other_engine.dispose()
