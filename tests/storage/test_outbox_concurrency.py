"""Several processes claiming from one outbox: no row is claimed twice, lanes keep their order, pacing holds.

Runs on a SQLite file (compare-and-set) and on PostgreSQL (FOR UPDATE SKIP LOCKED); each process builds its
own engine from the URL.
"""

from collections import Counter, defaultdict
from itertools import pairwise
from typing import Any

from sqlalchemy import Engine

from flows.model import Review
from storage.outbox import SqlOutbox
from storage.repository import SqlReviewStore
from tests.support.storage_workers import (
    claim_once_in_process,
    deliver_in_process,
    fresh_processes,
    outbox_items,
    run_processes,
    save_with_outbox_in_process,
)

PROCESSES = fresh_processes()
WORKERS = 3


def test_workers_deliver_every_row_once_and_each_lane_in_order(database_url: str, engine: Engine) -> None:
    lanes, per_lane = 12, 8
    SqlOutbox(engine).enqueue(outbox_items(lanes=lanes, per_lane=per_lane))
    start, results = PROCESSES.Barrier(WORKERS), PROCESSES.Queue()
    processes = [
        PROCESSES.Process(target=deliver_in_process, args=(database_url, f"w{n}", start, results))
        for n in range(WORKERS)
    ]
    seen: list[Any] = [row for batch in run_processes(processes, results) for row in batch]

    assert Counter(row_id for row_id, *_ in seen) == Counter(range(1, lanes * per_lane + 1))  # each once
    assert {attempts for *_, attempts, _claimed, _finishing in seen} == {1}  # no lease ran out
    by_lane: dict[str, list[Any]] = defaultdict(list)
    for row in seen:
        by_lane[row[1]].append(row)
    for lane, rows in by_lane.items():
        rows.sort(key=lambda row: row[2])  # by its place in the lane
        assert [row[2] for row in rows] == list(range(per_lane)), lane
        assert [row[0] for row in rows] == sorted(row[0] for row in rows), lane
        for earlier, later in pairwise(rows):
            # The next row of a lane was claimed only after the one before it was being marked done.
            assert later[4] > earlier[5], (lane, earlier, later)
    assert SqlOutbox(engine).backlog().count == 0


def test_workers_claiming_at_once_never_share_a_row(database_url: str, engine: Engine) -> None:
    SqlOutbox(engine).enqueue(outbox_items(lanes=10, per_lane=2))
    start, results = PROCESSES.Barrier(WORKERS), PROCESSES.Queue()
    processes = [
        PROCESSES.Process(target=claim_once_in_process, args=(database_url, f"w{n}", 5, start, results))
        for n in range(WORKERS)
    ]
    claims: list[list[int]] = run_processes(processes, results)
    ids = [row_id for claim in claims for row_id in claim]
    assert sorted(ids) == list(range(1, 11))  # the ten lane heads, each by one worker only


def test_workers_claiming_at_once_take_each_expired_lease_once(database_url: str, engine: Engine) -> None:
    SqlOutbox(engine).enqueue(outbox_items(lanes=10, per_lane=2))
    lost = SqlOutbox(engine, lease=0).claim("dead", 10)  # a worker that died: its leases end at once
    assert len(lost) == 10
    start, results = PROCESSES.Barrier(WORKERS), PROCESSES.Queue()
    processes = [
        PROCESSES.Process(target=claim_once_in_process, args=(database_url, f"w{n}", 5, start, results))
        for n in range(WORKERS)
    ]
    claims: list[list[int]] = run_processes(processes, results)
    assert sorted(row_id for claim in claims for row_id in claim) == [row.id for row in lost]


def test_workers_claiming_at_once_share_one_pace(database_url: str, engine: Engine) -> None:
    SqlOutbox(engine).enqueue(outbox_items(lanes=20, per_lane=1, pace="C1"))
    start, results = PROCESSES.Barrier(WORKERS), PROCESSES.Queue()
    processes = [
        PROCESSES.Process(target=claim_once_in_process, args=(database_url, f"w{n}", 10, start, results))
        for n in range(WORKERS)
    ]
    claims: list[list[int]] = run_processes(processes, results)
    ids = [row_id for claim in claims for row_id in claim]
    # One burst (4) for the channel, whoever claimed it. Which rows is open: with SKIP LOCKED a worker may
    # skip rows 1-10 that another locked and win the pace with 11-14 (the lanes differ: no order between them).
    assert len(ids) == len(set(ids)) == 4


def test_a_reviews_rows_are_numbered_in_the_order_its_saves_commit(database_url: str, engine: Engine) -> None:
    store = SqlReviewStore(engine)
    review_id = store.create(Review(title="Q3", facilitator="U1", team_id="T1")).id or ""
    start, results = PROCESSES.Barrier(WORKERS), PROCESSES.Queue()
    processes = [
        PROCESSES.Process(
            target=save_with_outbox_in_process, args=(database_url, review_id, f"w{n}", 8, start, results)
        )
        for n in range(WORKERS)
    ]
    run_processes(processes, results)
    versions = []
    while rows := store.outbox.claim("w", 10):
        versions += [row.args["version"] for row in rows]
        for row in rows:
            store.outbox.done(row)
    assert versions == list(range(2, 2 + WORKERS * 8))  # one lane, in the order of the versions saved
