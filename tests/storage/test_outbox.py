"""The outbox: written with the save that caused it (or not at all), claimed lane by lane, paced, retried.

Every test runs on a SQLite file and on PostgreSQL. Times are passed to `claim` (`now`), never waited for.
"""

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from flows.model import AnswerRecord, Review, utcnow
from flows.ports import DuplicateDelivery, Outgoing, VersionConflict
from storage.outbox import Backlog, OutboxRow, SqlOutbox
from storage.repository import SqlReviewStore
from storage.tables import OutboxItemRow
from tests.support.storage_workers import outbox_items


def message(
    lane: str,
    text: str,
    *,
    review_id: str | None = None,
    enterprise_id: str | None = None,
    pace: str | None = None,
    effect: str | None = None,
    key: str | None = None,
) -> Outgoing:
    item = Outgoing(
        "chat.postMessage",
        {"channel": "C1", "text": text},
        "T1",
        lane,
        review_id=review_id,
        enterprise_id=enterprise_id,
        pace=pace,
        effect=effect,
    )
    return replace(item, key=key) if key is not None else item


def texts(rows: list[OutboxRow]) -> list[str]:
    return [row.args["text"] for row in rows]


def stored_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return len(connection.execute(select(OutboxItemRow.id)).all())


@pytest.fixture
def outbox(engine: Engine) -> SqlOutbox:
    return SqlOutbox(engine, lease=30, pace_interval=1, pace_burst=4)


def new_review(store: SqlReviewStore) -> Review:
    return store.create(Review(title="Q3", facilitator="U1", team_id="T1"))


# Written in the same transaction, or not at all


def test_the_store_writes_to_its_outbox_on_the_same_engine(store: SqlReviewStore, engine: Engine) -> None:
    assert isinstance(store.outbox, SqlOutbox)
    assert store.outbox.engine is engine


def test_create_writes_its_messages_with_the_new_review_id(store: SqlReviewStore) -> None:
    kept = Outgoing("views.publish", {"user_id": "U1"}, "T1", "home:U1", review_id=None, key="home-1")
    review = store.create(
        Review(title="Q3", facilitator="U1", team_id="T1"),
        outbox=[message("", "kickoff", review_id="", effect="thread", enterprise_id="E1"), kept],
    )
    rows = store.outbox.claim("w1", 10)
    assert [(row.review_id, row.lane) for row in rows] == [(review.id, review.id), (None, "home:U1")]
    first = rows[0]
    assert (first.method, first.args, first.team_id, first.enterprise_id, first.effect, first.attempts) == (
        "chat.postMessage",
        {"channel": "C1", "text": "kickoff"},
        "T1",
        "E1",
        "thread",
        1,
    )
    assert rows[1].key == "home-1"


def test_save_writes_its_messages(store: SqlReviewStore) -> None:
    review = new_review(store)
    review.answers = {"q1": "yes"}
    store.save(review, outbox=[message(review.id or "", "next question", review_id=review.id)])
    assert texts(store.outbox.claim("w1", 10)) == ["next question"]


def test_a_version_conflict_writes_no_message(store: SqlReviewStore, engine: Engine) -> None:
    review = new_review(store)
    store.save(review)  # another writer got in first: the stored version moved on
    with pytest.raises(VersionConflict):
        store.save(review, outbox=[message(review.id or "", "next question")])
    assert stored_count(engine) == 0


def test_a_duplicate_delivery_writes_no_message(store: SqlReviewStore, engine: Engine) -> None:
    review = store.save(new_review(store), receipt="Ev1", outbox=[message("L", "first")])
    record = AnswerRecord(review_id=review.id or "", question="q", author="U1", text="x", value="x")
    with pytest.raises(DuplicateDelivery):
        store.save(review, [record], receipt="Ev1", outbox=[message("L", "again")])
    assert stored_count(engine) == 1
    assert texts(store.outbox.claim("w1", 10)) == ["first"]


def test_claim_receipt_writes_its_messages_only_when_it_claims(store: SqlReviewStore, engine: Engine) -> None:
    assert store.claim_receipt("T1", "click-1", outbox=[message("L", "answered")])
    assert not store.claim_receipt("T1", "click-1", outbox=[message("L", "answered twice")])
    assert texts(store.outbox.claim("w1", 10)) == ["answered"]
    assert stored_count(engine) == 1


def test_a_message_key_is_written_once(outbox: SqlOutbox, engine: Engine) -> None:
    outbox.enqueue([message("L", "one", key="k1")])
    with pytest.raises(IntegrityError):
        outbox.enqueue([message("L", "two"), message("L", "one again", key="k1")])
    assert stored_count(engine) == 1


# Claiming: lanes, leases


def test_a_lane_is_delivered_one_row_at_a_time_in_order(outbox: SqlOutbox) -> None:
    outbox.enqueue(outbox_items(lanes=2, per_lane=3))  # L0/0 L1/0 L0/1 L1/1 L0/2 L1/2
    first = outbox.claim("w1", 10)
    assert texts(first) == ["0/0", "1/0"]  # each lane's head only
    assert outbox.claim("w2", 10) == []  # both heads are out
    outbox.done(first[0])
    assert texts(outbox.claim("w2", 10)) == ["0/1"]
    outbox.done(first[1])
    second = outbox.claim("w1", 10)
    assert texts(second) == ["1/1"]


def test_a_claim_marks_the_rows_sent_done_first_and_may_take_their_lanes_next_rows(outbox: SqlOutbox) -> None:
    outbox.enqueue(outbox_items(lanes=2, per_lane=2))
    first = outbox.claim("w1", 10)
    sent = [(first[0], {"ts": "1.1", "channel": "C1"}), (first[1], None)]
    assert texts(outbox.claim("w1", 10, delivered=sent)) == ["0/1", "1/1"]
    assert outbox.backlog().count == 2  # the two sent are done; the two just claimed are out
    assert outbox.claim("w2", 0, delivered=sent) == []  # marking again changes nothing
    assert outbox.backlog().count == 2


def test_a_claim_does_not_mark_done_a_row_another_worker_has_taken_since(outbox: SqlOutbox) -> None:
    outbox.enqueue(outbox_items(lanes=1, per_lane=2))
    now = utcnow()
    [lost] = outbox.claim("w1", 10, now=now)
    [again] = outbox.claim("w2", 10, now=now + timedelta(seconds=31))  # w1's lease ran out
    assert outbox.claim("w1", 10, now=now + timedelta(seconds=31), delivered=[(lost, None)]) == []
    assert outbox.done(again)  # still w2's to end: w1's mark came too late


def test_a_limit_takes_the_oldest_heads(outbox: SqlOutbox) -> None:
    outbox.enqueue(outbox_items(lanes=5, per_lane=1))
    assert texts(outbox.claim("w1", 2)) == ["0/0", "1/0"]
    assert texts(outbox.claim("w1", 10)) == ["2/0", "3/0", "4/0"]
    assert outbox.claim("w1", 0) == []


def test_a_row_waiting_for_a_retry_holds_its_lane_only(outbox: SqlOutbox) -> None:
    outbox.enqueue(outbox_items(lanes=2, per_lane=2))
    head, other = outbox.claim("w1", 10)
    assert outbox.retry(head, "timeout", delay=60)
    outbox.done(other)
    now = utcnow()
    [later] = outbox.claim("w1", 10, now=now)
    assert later.args["text"] == "1/1"  # lane 0 waits for its head; lane 1 goes on
    outbox.done(later)
    again = outbox.claim("w1", 10, now=now + timedelta(seconds=61))
    assert [(row.args["text"], row.attempts) for row in again] == [("0/0", 2)]


def test_a_failed_row_ends_and_frees_its_lane(outbox: SqlOutbox) -> None:
    outbox.enqueue([message("L", "kickoff", review_id="R1"), message("L", "question", review_id="R1")])
    [head] = outbox.claim("w1", 10)
    assert outbox.fail(head, "channel_not_found")
    assert texts(outbox.claim("w1", 10)) == ["question"]
    [problem] = outbox.problems("R1")
    assert (problem.method, problem.error, problem.review_id) == (
        "chat.postMessage",
        "channel_not_found",
        "R1",
    )


def test_an_expired_lease_is_claimed_again_with_the_attempt_counted(outbox: SqlOutbox) -> None:
    outbox.enqueue(outbox_items(lanes=1, per_lane=2))
    now = utcnow()
    [lost] = outbox.claim("w1", 10, now=now)
    assert outbox.claim("w2", 10, now=now + timedelta(seconds=30)) == []  # the lease holds until its end
    [again] = outbox.claim("w2", 10, now=now + timedelta(seconds=31))
    assert (again.id, again.key, again.attempts) == (lost.id, lost.key, 2)
    assert not outbox.done(lost)  # w1 woke up too late: w2 holds the row now
    assert not outbox.retry(lost, "late", delay=0)
    assert outbox.done(again, {"ts": "1.2", "channel": "C0"})
    assert texts(outbox.claim("w2", 10, now=now + timedelta(seconds=31))) == ["0/1"]


def test_a_renewed_lease_holds_the_row_until_its_new_end_and_only_for_its_holder(outbox: SqlOutbox) -> None:
    outbox.enqueue([message("L", "one")])
    now = utcnow()
    [row] = outbox.claim("w1", 10, now=now)
    assert outbox.extend([row], now=now + timedelta(seconds=25)) == 1
    assert outbox.claim("w2", 10, now=now + timedelta(seconds=31)) == []  # the first lease's end is past
    [again] = outbox.claim("w2", 10, now=now + timedelta(seconds=56))
    assert outbox.extend([row], now=now + timedelta(seconds=56)) == 0  # w1 lost it: nothing renewed
    assert outbox.extend([again], now=now + timedelta(seconds=56)) == 1
    assert outbox.done(again)
    assert outbox.extend([again]) == 0  # a row ended has no lease


def test_postpone_puts_a_row_back_without_counting_the_attempt(outbox: SqlOutbox) -> None:
    outbox.enqueue([message("L", "one")])
    [row] = outbox.claim("w1", 10)
    assert outbox.postpone(row, delay=10)
    now = utcnow()
    assert outbox.claim("w1", 10, now=now) == []
    [again] = outbox.claim("w1", 10, now=now + timedelta(seconds=11))
    assert again.attempts == 1  # the refused try never reached Slack
    assert outbox.retry(again, "HTTP 503", delay=0)
    [third] = outbox.claim("w1", 10, now=now + timedelta(seconds=11))
    assert third.attempts == 2  # this one may have


def test_a_finished_row_is_not_finished_again(outbox: SqlOutbox) -> None:
    outbox.enqueue([message("L", "one")])
    [row] = outbox.claim("w1", 10)
    assert outbox.done(row)
    assert not outbox.fail(row, "too late")
    assert not outbox.postpone(row, delay=1)


# Pacing


def test_a_pace_key_allows_a_burst_then_one_per_interval(outbox: SqlOutbox) -> None:
    outbox.enqueue(outbox_items(lanes=6, per_lane=1, pace="C1"))
    outbox.enqueue([message("other", "elsewhere", pace="C2"), message("free", "unpaced")])
    now = utcnow()
    assert texts(outbox.claim("w1", 10, now=now)) == ["0/0", "1/0", "2/0", "3/0", "elsewhere", "unpaced"]
    assert outbox.claim("w1", 10, now=now + timedelta(seconds=0.5)) == []
    assert texts(outbox.claim("w1", 10, now=now + timedelta(seconds=1))) == ["4/0"]
    assert texts(outbox.claim("w1", 10, now=now + timedelta(seconds=2))) == ["5/0"]


def test_a_paced_row_held_back_does_not_hold_other_keys_back(engine: Engine) -> None:
    outbox = SqlOutbox(engine, pace_interval=1, pace_burst=1)
    outbox.enqueue(outbox_items(lanes=8, per_lane=1, pace="busy"))
    outbox.enqueue([message("quiet", "quiet", pace="quiet")])
    now = utcnow()
    assert texts(outbox.claim("w1", 1, now=now)) == ["0/0"]
    assert texts(outbox.claim("w1", 1, now=now)) == ["quiet"]  # not crowded out by the busy key's rows


def test_pace_interval_zero_does_not_pace(engine: Engine) -> None:
    outbox = SqlOutbox(engine, pace_interval=0)
    outbox.enqueue(outbox_items(lanes=10, per_lane=1, pace="C1"))
    assert len(outbox.claim("w1", 20)) == 10


def test_a_pause_holds_its_key_until_it_ends(outbox: SqlOutbox) -> None:
    outbox.enqueue(outbox_items(lanes=2, per_lane=1, pace="C1"))
    outbox.enqueue([message("other", "elsewhere", pace="C2")])
    outbox.pause("C1", 20)
    outbox.pause("C1", 5)  # a shorter pause does not cut the longer one short
    now = utcnow()
    assert texts(outbox.claim("w1", 10, now=now)) == ["elsewhere"]
    assert outbox.claim("w1", 10, now=now + timedelta(seconds=15)) == []
    assert texts(outbox.claim("w1", 10, now=now + timedelta(seconds=21))) == ["0/0", "1/0"]


def test_a_pause_of_a_workspace_method_holds_its_rows_without_a_pace(outbox: SqlOutbox) -> None:
    outbox.enqueue([Outgoing("views.publish", {"user_id": "U1"}, "T1", "home:U1"), message("L", "post")])
    outbox.pause("T1:views.publish", 30)
    now = utcnow()
    [post] = outbox.claim("w1", 10, now=now)
    assert post.method == "chat.postMessage"
    outbox.done(post)
    assert [row.method for row in outbox.claim("w1", 10, now=now + timedelta(seconds=31))] == [
        "views.publish"
    ]


def test_the_pace_is_charged_only_for_rows_claimed(engine: Engine) -> None:
    outbox = SqlOutbox(engine, pace_interval=1, pace_burst=2)
    outbox.enqueue(outbox_items(lanes=3, per_lane=1, pace="C1"))
    now = utcnow()
    assert texts(outbox.claim("w1", 1, now=now)) == ["0/0"]  # the limit stopped the second, not the pace
    assert texts(outbox.claim("w1", 10, now=now)) == ["1/0"]  # the burst's second row
    assert outbox.claim("w1", 10, now=now) == []
    assert texts(outbox.claim("w1", 10, now=now + timedelta(seconds=1))) == ["2/0"]


# Reading: backlog, problems, results, next_due, forget


def test_backlog_counts_pending_and_sending_rows(outbox: SqlOutbox) -> None:
    assert outbox.backlog() == Backlog(count=0, oldest=None)
    before = utcnow()
    outbox.enqueue(outbox_items(lanes=3, per_lane=1))
    after = utcnow()
    first, *_ = outbox.claim("w1", 1)
    backlog = outbox.backlog()
    assert backlog.count == 3
    assert backlog.oldest is not None and before <= backlog.oldest <= after
    assert outbox.backlog(now=before - timedelta(seconds=1)).count == 0
    outbox.done(first)
    assert outbox.backlog().count == 2


def test_problems_are_the_reviews_failed_rows_newest_first(outbox: SqlOutbox) -> None:
    outbox.enqueue(
        [
            message("A", "a1", review_id="R1"),
            message("B", "b1", review_id="R1"),
            message("C", "c1", review_id="R2"),
        ]
    )
    a1, b1, c1 = outbox.claim("w1", 10)
    outbox.fail(a1, "is_archived")
    outbox.fail(b1, "not_in_channel")
    outbox.fail(c1, "invalid_auth")
    assert [problem.error for problem in outbox.problems("R1")] == ["not_in_channel", "is_archived"]
    assert outbox.problems("R3") == []
    found = outbox.problems_of(["R1", "R2", "R3"])
    assert {rid: [problem.error for problem in problems] for rid, problems in found.items()} == {
        "R1": ["not_in_channel", "is_archived"],
        "R2": ["invalid_auth"],
    }
    assert outbox.problems_of([]) == {}


def test_result_is_the_newest_delivered_rows_with_that_effect(outbox: SqlOutbox) -> None:
    outbox.enqueue(
        [
            message("R1", "p1", review_id="R1", effect="posted:1"),
            message("R1", "p2", review_id="R1", effect="posted:2"),
            message("R1", "p3", review_id="R1", effect="posted:3"),
            message("R1", "kick", review_id="R1", effect="thread"),
        ]
    )
    for ts in ("1", "2"):
        [row] = outbox.claim("w1", 10)
        outbox.done(row, {"ts": ts, "channel": "C1"})
    [third] = outbox.claim("w1", 10)
    outbox.fail(third, "is_archived")  # not delivered: not a result
    assert outbox.result("R1", "posted:") == {"ts": "2", "channel": "C1"}
    assert outbox.result("R1", "posted:1") == {"ts": "1", "channel": "C1"}
    assert outbox.result("R1", "thread") is None  # not delivered yet
    assert outbox.result("R1", "post%") is None  # the prefix is taken literally
    assert outbox.result("R2", "posted:") is None


def test_next_due_is_none_when_nothing_is_left(outbox: SqlOutbox) -> None:
    assert outbox.next_due() is None
    outbox.enqueue([message("L", "one")])
    [row] = outbox.claim("w1", 10)
    outbox.done(row)
    assert outbox.next_due() is None


def test_next_due_is_now_or_earlier_for_work_ready_now(outbox: SqlOutbox) -> None:
    outbox.enqueue([message("L", "one")])
    due = outbox.next_due()
    assert due is not None and due <= utcnow()


def test_next_due_waits_for_a_retry_a_lease_a_pace_slot_and_a_pause(outbox: SqlOutbox) -> None:
    outbox.enqueue([message("L", "one")])
    now = utcnow()
    [row] = outbox.claim("w1", 10, now=now)
    assert outbox.next_due() == now + timedelta(seconds=30)  # the lease's end
    before = utcnow()
    outbox.retry(row, "timeout", delay=60)
    after = utcnow()
    due = outbox.next_due()
    assert due is not None and before + timedelta(seconds=60) <= due <= after + timedelta(seconds=60)

    outbox.enqueue(outbox_items(lanes=5, per_lane=1, pace="C1"))
    now = utcnow()
    assert len(outbox.claim("w1", 10, now=now)) == 4  # the burst; the fifth waits for a slot
    assert outbox.next_due() == now + timedelta(seconds=1)  # the slot, before the leases end
    outbox.pause("C1", 600)
    due = outbox.next_due()
    assert due is not None and now + timedelta(seconds=30) == due  # the leases end before the pause


def test_forget_deletes_delivered_rows_finished_before_a_time(outbox: SqlOutbox, engine: Engine) -> None:
    outbox.enqueue(outbox_items(lanes=3, per_lane=1))
    done, failed, _pending = outbox.claim("w1", 10)
    outbox.done(done)
    outbox.fail(failed, "is_archived")
    assert outbox.forget(utcnow() - timedelta(hours=1)) == 0
    assert outbox.forget(utcnow() + timedelta(seconds=1)) == 1
    assert stored_count(engine) == 2  # the failed row stays a Problem; the undelivered one stays
