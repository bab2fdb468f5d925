"""The store's side of idempotency: a receipt is claimed in the answer's own transaction, on SQLite and
PostgreSQL, and the new review fields are kept."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from flows.model import AnswerRecord, Review
from flows.ports import DuplicateDelivery, VersionConflict
from flows.service import Reply, ReviewService
from storage.db import make_engine
from storage.migrate import upgrade
from storage.repository import SqlReviewStore
from tests.support.postgres import postgres_available, postgres_url  # noqa: F401  (fixtures)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> SqlReviewStore:
    return SqlReviewStore(engine)


def new_review(store: SqlReviewStore) -> Review:
    return store.create(Review(title="Receipts", facilitator="U1", team_id="T1", enterprise_id="E1"))


def record(review: Review, text: str) -> AnswerRecord:
    return AnswerRecord(review.id or "", "intake.organisation", "U1", text, None)


def test_a_receipt_is_claimed_with_the_answer_and_only_once(store: SqlReviewStore) -> None:
    review = new_review(store)
    saved = store.save(review, [record(review, "first")], receipt="event:Ev1")
    assert store.has_receipt("T1", "event:Ev1") and saved.version == 2
    with pytest.raises(DuplicateDelivery):
        store.save(saved, [record(saved, "again")], receipt="event:Ev1")
    assert store.get(review.id or "") == saved  # nothing of the second save: not even the version
    assert [r.text for r in store.history(review.id or "")] == ["first"]
    assert not store.claim_receipt("T1", "event:Ev1")
    assert store.claim_receipt("T2", "event:Ev1")  # receipts are per team


def test_a_save_that_fails_leaves_its_receipt_free(store: SqlReviewStore) -> None:
    review = new_review(store)
    store.save(review)  # someone else saved: `review` is stale now
    with pytest.raises(VersionConflict):
        store.save(review, [record(review, "lost race")], receipt="event:Ev2")
    assert not store.has_receipt("T1", "event:Ev2")
    fresh = store.get(review.id or "")
    assert fresh is not None
    store.save(fresh, [record(fresh, "retried")], receipt="event:Ev2")
    assert [r.text for r in store.history(review.id or "")] == ["retried"]


def test_a_receipt_claimed_before_refuses_the_save(store: SqlReviewStore) -> None:
    review = new_review(store)
    assert store.claim_receipt("T1", "action:U1:reply:1.1")
    with pytest.raises(DuplicateDelivery):
        store.save(review, [record(review, "x")], receipt="action:U1:reply:1.1")
    assert store.history(review.id or "") == []


def test_the_same_delivery_from_many_threads_is_applied_once(store: SqlReviewStore) -> None:
    service = ReviewService(store)
    review = service.start(title="Race", facilitator="U1", team_id="T1").review
    service.reply(review.id or "", Reply("U1", "skip"))
    start = threading.Barrier(8)
    turns = []

    def deliver() -> None:
        start.wait()
        turns.append(
            service.reply(
                review.id or "", Reply("U1", "Blog writing", delivery_key="event:Ev3"), team_id="T1"
            )
        )

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(t.duplicate for t in turns) == [False] + [True] * 7
    assert [r.text for r in store.history(review.id or "")] == ["skip", "Blog writing"]
    assert store.get(review.id or "").drafts["simplify.processes"] == ["Blog writing"]  # type: ignore[union-attr]


def test_posted_question_and_enterprise_are_kept(store: SqlReviewStore) -> None:
    review = new_review(store)
    review.posted_question = "intake.organisation"
    saved = store.save(review)
    loaded = store.get(review.id or "")
    assert loaded is not None and loaded == saved
    assert (loaded.posted_question, loaded.enterprise_id) == ("intake.organisation", "E1")


def test_old_receipts_can_be_forgotten(store: SqlReviewStore) -> None:
    store.claim_receipt("T1", "event:old")
    assert store.forget_receipts(datetime.now(UTC) - timedelta(minutes=1)) == 0
    assert store.forget_receipts(datetime.now(UTC) + timedelta(minutes=1)) == 1
    assert not store.has_receipt("T1", "event:old")
