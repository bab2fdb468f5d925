"""`SqlReviewStore`: the flows.ports.ReviewStore on SQLite or PostgreSQL.

Rows (storage.tables) and the flows dataclasses stay apart; this module converts between them. Every method
uses its own short connection: nothing is held between calls, so one store serves many threads. Statements
run on SQLAlchemy Core connections.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any
from uuid import uuid4

import orjson
from sqlalchemy import Connection, Engine, bindparam, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, insert, select, update

from flows.method import Stage
from flows.model import AnswerRecord, Review, utcnow
from flows.ports import DuplicateDelivery, Outgoing, VersionConflict
from flows.report import Report
from storage.db import as_utc, json_text, writing
from storage.outbox import SqlOutbox, with_review
from storage.tables import (
    AnswerRow,
    CurrentAnswerRow,
    MetricRow,
    ProcessRow,
    RatingRow,
    ReceiptRow,
    ReviewRow,
)

Outcome = Callable[[Review], Report | None]


class SqlReviewStore:
    """Reviews, their answers and receipts in SQL.

    `outcome`, when given, is asked for the report of every review written (before the transaction opens);
    the review's rows in the projection tables (process, rating, metric) are then replaced by that report's,
    or removed when it returns None, so they always describe the review as saved. It must depend on the review
    alone: whether there are rows to remove is told by the outcome of the review as loaded (`save`'s `since`),
    else asked by the save's UPDATE itself (a review without a report is saved on every answer).

    `outbox` is the SqlOutbox the writes put their messages in (default: one on the same engine, with its
    default lease and pacing); deliverers read it from here (`store.outbox`).
    """

    def __init__(
        self,
        engine: Engine,
        outcome: Outcome | None = None,
        outbox: SqlOutbox | None = None,
    ) -> None:
        self.engine = engine
        self.outcome = outcome
        self.outbox = outbox if outbox is not None else SqlOutbox(engine)
        self._sql = _statements(engine.dialect.name)

    def create(self, review: Review, outbox: Sequence[Outgoing] = ()) -> Review:
        """Save a new review, and `outbox` in the same transaction; returns it with `id` set (a new uuid4 hex
        unless given) and `version` 1. An Outgoing whose `review_id` (or `lane`) is "" gets the new id."""
        now = utcnow()
        created = replace(
            review,
            id=review.id or uuid4().hex,
            version=1,
            created_at=as_utc(review.created_at),
            updated_at=now,
        )
        projection = self._projection(created)
        with writing(self.engine) as session:
            session.execute(insert(ReviewRow).values(_review_values(created)))
            self._write_answers(session, created, None)
            if projection is not None:
                _replace_projection(session, created, projection)
            self.outbox.write(session, with_review(outbox, created.id or ""))
        return created

    def get(self, review_id: str, team_id: str | None = None) -> Review | None:
        """The review, or None (also None when `team_id` is given and the review belongs to another team)."""
        query, params = (
            (self._sql.by_id, {"w_id": review_id})
            if team_id is None
            else (self._sql.by_id_and_team, {"w_id": review_id, "w_team": team_id})
        )
        with self.engine.connect() as session:
            row = session.execute(query, params).first()
        return _to_review(row) if row is not None else None

    def find_by_thread(self, team_id: str, channel_id: str, thread_ts: str) -> Review | None:
        params = {"w_team": team_id, "w_channel": channel_id, "w_thread": thread_ts}
        with self.engine.connect() as session:
            row = session.execute(self._sql.by_thread, params).first()
        return _to_review(row) if row is not None else None

    def save(
        self,
        review: Review,
        records: Sequence[AnswerRecord] = (),
        receipt: str | None = None,
        *,
        since: Review | None = None,
        outbox: Sequence[Outgoing] = (),
    ) -> Review:
        """Write the review, its new answer records and `outbox` in one transaction.

        `since` is the review as loaded, before the changes being saved: only the answers that differ from its
        answers are written (told apart by identity: answers are replaced, never changed in place). Without
        it, or when it is another review or version, every answer is written again.

        Only succeeds when the stored version still equals `review.version`; then the version goes up by one
        (returned in the result, with a new `updated_at`; `review` itself is left as it was). Raises
        VersionConflict otherwise, saving nothing. `team_id` and `created_at` never change.

        `receipt` is inserted into the receipt table (for the review's team) in the same transaction, after the
        version-guarded update: the primary key refuses a second insert of the same key, and then nothing at
        all is saved and DuplicateDelivery is raised. So an answer and the receipt of the delivery that brought
        it are committed together or not at all: a crash before the commit leaves the receipt unclaimed, and
        Slack's retry of the delivery applies the answer; a retry after the commit is refused.
        """
        if review.id is None:
            raise ValueError("save() needs a review that was created first (its id is None)")
        for record in records:
            if record.review_id != review.id:
                raise ValueError(
                    f"answer record for review {record.review_id!r} saved with review {review.id!r}"
                )
        saved = replace(review, version=review.version + 1, updated_at=utcnow())
        projection = self._projection(saved)
        values = _review_values(saved)
        params = {f"v_{name}": values[name] for name in _SAVED_COLUMNS}
        params |= {"w_id": review.id, "w_seen": review.version}
        # Without a projection to write, whether there is one to clear: `since` tells when it is the stored
        # version (its rows were written from its outcome: none for a review in progress, at no cost; a
        # finished review that is reopened has its report built once more); else the UPDATE asks (RETURNING).
        stored = (
            since if since is not None and (since.id, since.version) == (review.id, review.version) else None
        )
        check_projection = self.outcome is not None and projection is None and stored is None
        had_projection = projection is None and stored is not None and self._projection(stored) is not None
        with writing(self.engine) as session:
            if check_projection:
                row = session.execute(_SAVE_SEEING_PROJECTION, params).first()
                updated, had_projection = row is not None, bool(row and row[0])
            else:
                updated = session.execute(_SAVE, params).rowcount == 1
            if not updated:
                raise VersionConflict(f"review {review.id} is no longer at version {review.version}")
            if receipt is not None:
                try:
                    session.execute(_CLAIM, _receipt(review.team_id, receipt))
                except IntegrityError:
                    # Leaving the block rolls the whole transaction back: the update above is undone too.
                    raise DuplicateDelivery(f"receipt {receipt!r} was claimed before") from None
            self._write_answers(session, saved, since)
            if records:
                session.execute(_ADD_ANSWER, [_answer_values(record) for record in records])
            if projection is not None or had_projection:
                _replace_projection(session, saved, projection)
            # After the version-guarded UPDATE: a concurrent save of the review waits for this transaction,
            # so the review's outbox rows are numbered in the order their saves commit.
            self.outbox.write(session, outbox)
        return saved

    def mark_posted(self, review: Review, question: str | None, posted_at: datetime | None = None) -> Review:
        """Write the mark alone: no answers to serialise, no projection to touch, one statement.
        `updated_at` stays: posting a question is not a change anyone made to the review."""
        at = as_utc(posted_at) if posted_at else None
        params = {"v_posted": question, "v_posted_at": at, "w_id": review.id, "w_seen": review.version}
        with writing(self.engine) as session:
            if session.execute(_MARK_POSTED, params).rowcount != 1:
                raise VersionConflict(f"review {review.id} is no longer at version {review.version}")
        return replace(review, posted_question=question, posted_at=at, version=review.version + 1)

    def list_reviews(
        self, team_id: str | None = None, limit: int = 50, state: Stage | None = None
    ) -> list[Review]:
        """Newest first (by `updated_at`); only those in `state` when given."""
        query = self._sql.reviews
        if team_id is not None:
            query = query.where(_REVIEW.c.team_id == team_id)
        if state is not None:
            query = query.where(_REVIEW.c.state == state.value)
        query = query.order_by(_REVIEW.c.updated_at.desc(), _REVIEW.c.id).limit(limit)
        with self.engine.connect() as session:
            return [_to_review(row) for row in session.execute(query)]

    def history(self, review_id: str) -> list[AnswerRecord]:
        """Every answer given to the review, oldest first."""
        query = (
            select(AnswerRow)
            .where(AnswerRow.review_id == review_id)
            .order_by(col(AnswerRow.at), col(AnswerRow.id))
        )
        with self.engine.connect() as session:
            return [_to_record(row) for row in session.execute(query)]

    def enqueue(self, outbox: Sequence[Outgoing]) -> None:
        self.outbox.enqueue(outbox)

    def claim_receipt(self, team_id: str, key: str, outbox: Sequence[Outgoing] = ()) -> bool:
        """True the first time `key` is seen for the team, False on every repeat (retries, double clicks).
        `outbox` is written in the same transaction, only when the key is claimed.

        The primary key decides, so this holds across threads, processes and machines.
        """
        try:
            with writing(self.engine) as session:
                try:
                    session.execute(_CLAIM, _receipt(team_id, key))
                except IntegrityError:
                    raise _Repeat from None  # leaving the block rolls back; the outbox is not written
                self.outbox.write(session, outbox)
        except _Repeat:
            return False
        return True

    def has_receipt(self, team_id: str, key: str) -> bool:
        """Whether `key` was claimed for the team (a cheap check before any work; claiming decides)."""
        query = select(ReceiptRow.key).where(ReceiptRow.team_id == team_id, ReceiptRow.key == key)
        with self.engine.connect() as session:
            return session.execute(query).first() is not None

    def forget_receipts(self, older_than: datetime) -> int:
        """Delete receipts claimed before `older_than` (Slack retries within minutes); how many went."""
        with writing(self.engine) as session:
            result = session.execute(
                delete(ReceiptRow).where(col(ReceiptRow.created_at) < as_utc(older_than))
            )
            return int(result.rowcount or 0)

    def shortlist_counts(self, team_id: str) -> dict[str, int]:
        """How often each process was ranked across the team's finished reviews, most often first.

        Names are compared ignoring case and surrounding space, and shown in their most common spelling.
        """
        query = (
            select(ProcessRow.name)
            .join(ReviewRow, col(ReviewRow.id) == col(ProcessRow.review_id))
            .where(
                ReviewRow.team_id == team_id, ReviewRow.state == Stage.DONE.value, ProcessRow.fate == "ranked"
            )
        )
        with self.engine.connect() as session:
            names = [name.strip() for name in session.execute(query).scalars()]
        counts = Counter(name.casefold() for name in names)
        spellings: dict[str, Counter[str]] = {}
        for name in names:
            spellings.setdefault(name.casefold(), Counter())[name] += 1
        shown = {
            key: min(spelled, key=lambda s: (-spelled[s], s))  # the most common; ties alphabetically
            for key, spelled in spellings.items()
        }
        ordered = sorted(counts, key=lambda key: (-counts[key], shown[key].casefold()))
        return {shown[key]: counts[key] for key in ordered}

    def _projection(self, review: Review) -> Report | None:
        return self.outcome(review) if self.outcome is not None else None

    def _write_answers(self, session: Connection, review: Review, since: Review | None) -> None:
        """Bring the review's current_answer rows in line with `review.answers`: the changes since `since`
        (see `save`), or all of them. A new question goes after every earlier one: its position starts
        from the version being written, which only grows."""
        answers, review_id = review.answers, review.id
        if since is None or since.id != review_id or since.version != review.version - 1:
            session.execute(self._sql.clear_answers, {"w_review": review_id})
            changed, gone, start = list(answers.items()), [], 0
        else:
            before = since.answers
            if before is answers:
                return
            missing = object()
            changed = [(k, v) for k, v in answers.items() if before.get(k, missing) is not v]
            gone = [k for k in before if k not in answers]
            start = review.version << 20
        if gone:
            session.execute(self._sql.drop_answers, {"w_review": review_id, "w_keys": gone})
        if changed:
            rows = [
                {"review_id": review_id, "key": key, "value": json_text(value), "position": start + i}
                for i, (key, value) in enumerate(changed)
            ]
            session.execute(self._sql.put_answers, rows)


class _Repeat(Exception):
    """A receipt claimed before (inside `claim_receipt`)."""


# The statements of an answer's path. Their parameters are named apart from the columns.
_REVIEW = ReviewRow.__table__  # type: ignore[attr-defined]
_CURRENT = CurrentAnswerRow.__table__  # type: ignore[attr-defined]

# A review's answers as one JSON object, put together by the database from its current_answer rows in their
# order (each value is JSON text already): one string to parse instead of a row per question.
_ANSWERS_SQL = {
    "sqlite": "(SELECT '{' || coalesce(group_concat(json_quote(a.key) || ':' || a.value, ','), '') || '}' "
    "FROM (SELECT key, value FROM current_answer WHERE review_id = review.id ORDER BY position) AS a)",
    "postgresql": "(SELECT '{' || coalesce(string_agg(to_json(a.key)::text || ':' || a.value, ',' "
    "ORDER BY a.position), '') || '}' FROM current_answer AS a WHERE a.review_id = review.id)",
}


@dataclass(frozen=True)
class _Statements:
    """The statements that differ by database: reading a review with its answers, upserting answers."""

    reviews: Any
    by_id: Any
    by_id_and_team: Any
    by_thread: Any
    put_answers: Any
    clear_answers: Any
    drop_answers: Any


@cache
def _statements(dialect: str) -> _Statements:
    reviews: Any = select(_REVIEW, literal_column(_ANSWERS_SQL[dialect]).label("answers"))
    by_id = reviews.where(_REVIEW.c.id == bindparam("w_id"))
    upsert = (postgresql if dialect == "postgresql" else sqlite).insert(_CURRENT)
    current_review = _CURRENT.c.review_id == bindparam("w_review")
    return _Statements(
        reviews=reviews,
        by_id=by_id,
        by_id_and_team=by_id.where(_REVIEW.c.team_id == bindparam("w_team")),
        by_thread=reviews.where(
            _REVIEW.c.team_id == bindparam("w_team"),
            _REVIEW.c.channel_id == bindparam("w_channel"),
            _REVIEW.c.thread_ts == bindparam("w_thread"),
        ),
        put_answers=upsert.on_conflict_do_update(
            index_elements=[_CURRENT.c.review_id, _CURRENT.c.key], set_={"value": upsert.excluded.value}
        ),
        clear_answers=delete(_CURRENT).where(current_review),
        drop_answers=delete(_CURRENT).where(
            current_review, _CURRENT.c.key.in_(bindparam("w_keys", expanding=True))
        ),
    )


# Every column but the key, the team, the enterprise and the creation time (which never change) and the
# version (which goes up by one, in SQL).
_SAVED_COLUMNS = [
    c.name
    for c in _REVIEW.columns
    if c.name not in ("id", "team_id", "enterprise_id", "created_at", "version")
]
_SAVE = (
    update(_REVIEW)
    .where(_REVIEW.c.id == bindparam("w_id"), _REVIEW.c.version == bindparam("w_seen"))
    .values(
        {name: bindparam(f"v_{name}", type_=_REVIEW.c[name].type) for name in _SAVED_COLUMNS}
        | {"version": _REVIEW.c.version + 1}
    )
)
_MARK_POSTED = (
    update(_REVIEW)
    .where(_REVIEW.c.id == bindparam("w_id"), _REVIEW.c.version == bindparam("w_seen"))
    .values(
        posted_question=bindparam("v_posted"),
        posted_at=bindparam("v_posted_at", type_=_REVIEW.c.posted_at.type),
        version=_REVIEW.c.version + 1,
    )
)
_CLAIM = insert(ReceiptRow.__table__)  # type: ignore[attr-defined]
_ADD_ANSWER = insert(AnswerRow.__table__)  # type: ignore[attr-defined]
# The save that also says whether the review has a projection (rating and metric rows go with a process row).
# Spelled out: SQLite's RETURNING names columns unqualified, and inside the subquery `id` would be process.id.
_SAVE_SEEING_PROJECTION: Any = _SAVE.returning(
    literal_column("EXISTS (SELECT 1 FROM process WHERE process.review_id = review.id)").label(
        "has_projection"
    )
)


def _receipt(team_id: str, key: str) -> dict[str, Any]:
    return {"team_id": team_id, "key": key, "created_at": utcnow()}


def _review_values(review: Review) -> dict[str, Any]:
    return {
        "id": review.id,
        "team_id": review.team_id,
        "enterprise_id": review.enterprise_id,
        "channel_id": review.channel_id,
        "thread_ts": review.thread_ts,
        "title": review.title,
        "facilitator": review.facilitator,
        "state": Stage(review.state).value,
        "drafts": review.drafts,
        "answered": review.answered,
        "raters": review.raters,
        "posted_question": review.posted_question,
        "posted_at": as_utc(review.posted_at) if review.posted_at else None,
        "version": review.version,
        "created_at": as_utc(review.created_at),
        "updated_at": as_utc(review.updated_at),
    }


def _to_review(row: Any) -> Review:
    """A review from a row of the review table (read with Core: attributes named as the columns)."""
    return Review(
        id=row.id,
        title=row.title,
        facilitator=row.facilitator,
        team_id=row.team_id,
        enterprise_id=row.enterprise_id,
        channel_id=row.channel_id,
        thread_ts=row.thread_ts,
        state=Stage(row.state),
        answers=orjson.loads(row.answers),
        drafts=row.drafts,
        answered=row.answered,
        raters=row.raters,
        posted_question=row.posted_question,
        posted_at=row.posted_at,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _answer_values(record: AnswerRecord) -> dict[str, Any]:
    return {
        "review_id": record.review_id,
        "question": record.question,
        "author": record.author,
        "text": record.text,
        "value": record.value,
        "at": as_utc(record.at),
    }


def _to_record(row: Any) -> AnswerRecord:
    return AnswerRecord(
        review_id=row.review_id,
        question=row.question,
        author=row.author,
        text=row.text,
        value=row.value,
        at=row.at,
    )


def _replace_projection(session: Connection, review: Review, report: Report | None) -> None:
    """Replace the review's rows in process/rating/metric with `report`'s (none when it is None)."""
    review_id = review.id
    for table in (ProcessRow, RatingRow, MetricRow):
        session.execute(delete(table).where(col(table.review_id) == review_id))
    if report is None:
        return
    processes, ratings, metrics = _projection_rows(review_id or "", report)
    for table, rows in ((ProcessRow, processes), (RatingRow, ratings), (MetricRow, metrics)):
        if rows:
            session.execute(insert(table), rows)


def _projection_rows(
    review_id: str, report: Report
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    ranked = {task.process: task for task in report.shortlist}
    excluded = {exclusion.process: exclusion for exclusion in report.excluded}
    merged_into = {source: merge.into for merge in report.merged for source in merge.sources}
    names = list(dict.fromkeys([*report.processes, *ranked, *excluded, *merged_into]))

    processes: list[dict[str, Any]] = []
    for position, name in enumerate(names):
        row: dict[str, Any] = {
            "review_id": review_id,
            "name": name,
            "position": position,
            "fate": "pending",  # neither ranked, excluded nor merged: the report is not final
            "step": None,
            "reasons": [],
            "merged_into": None,
            "rank": None,
            "score": None,
        }
        if name in ranked:
            row |= {"fate": "ranked", "rank": ranked[name].rank, "score": ranked[name].score}
        elif name in excluded:
            exclusion = excluded[name]
            row |= {"fate": "excluded", "step": exclusion.step, "reasons": list(exclusion.reasons)}
        elif name in merged_into:
            row |= {"fate": "merged", "merged_into": merged_into[name]}
        processes.append(row)

    ratings = [
        {"review_id": review_id, "process": task.process, "rater": rater, "factor": factor, "value": value}
        for task in report.shortlist
        for rater, values in task.ratings.items()
        for factor, value in values.items()
    ]
    metrics = [
        {
            "review_id": review_id,
            "process": task.process,
            "name": metric.name,
            "baseline": metric.baseline,
            "target": metric.target,
            "warn_at": metric.warn_at,
        }
        for task in report.shortlist
        for metric in task.metrics
    ]
    return processes, ratings, metrics
