"""`SqlOutbox`: messages written in the same transaction as the change that caused them, delivered afterwards.

An answer and what it shows are saved together or not at all: `SqlReviewStore.save` (and `create`,
`claim_receipt`) call `write` on their own connection, inside their transaction. Delivery workers (threads or
processes, any number) then `claim` rows, send them, and report `done`, `retry`, `postpone` or `fail`.

The claim rules:

- A row is claimable when it is `pending` and due (`not_before <= now`), or `sending` with its lease run out
  (the worker holding it died or hung): then it is taken again and its `attempts` go up once more, so the
  deliverer knows an earlier try may have reached Slack (and looks for the row's key before sending again).
- A worker renews the lease of the rows it holds (`extend`, every third of the lease) while it delivers them,
  so only a worker that died or hung loses them, never one whose delivery is merely slow.
- Only a lane's head: a row waits while an earlier row of its lane (a review) is pending or sending, so a
  lane's rows are sent one at a time, in the order written (the id). Done and failed rows do not hold a lane.
- Pacing (GCRA, per `pace` key, e.g. a channel): a key allows a row when `next_at - now <= (burst - 1) *
  interval`, and then `next_at = max(next_at, now) + interval`: `burst` rows at once, then one per interval.
- A pause (`pause`, a 429's Retry-After) holds every row whose `pace` is the paused key, and every row whose
  `team_id:method` is (the deliverer pauses that key for rows without a pace: workspace-wide limits).
- `postpone` (a 429) puts a row back without counting the attempt; `retry` counts it (the try may have
  reached Slack); `fail` ends it, kept as a Problem of its review. Each applies only while the row is still
  as claimed (same status and attempts): a worker whose lease ran out and was re-claimed changes nothing.

Safe for many processes. PostgreSQL: the candidate rows are read `FOR UPDATE SKIP LOCKED` (a worker never
waits for another's rows, and never gets them), then the pace rows they need are locked in key order (so two
workers cannot deadlock), and the claim is written in the same transaction. SQLite has a single writer: the
candidates are read, then each is taken by a compare-and-set UPDATE (`WHERE id = :id AND status = :seen AND
attempts = :seen_attempts` and still due; its rowcount decides), and the pace rows are read after the
transaction's first write, under the write lock. A lane's head stays its head (earlier rows only ever end),
so the compare-and-set keeps the order as well.

Why our own table and not a job queue such as procrastinate: the rows must be written by our own save
transaction, on SQLite as well as PostgreSQL, with the review's version check deciding both; a queue with
its own connections and schema could not join that transaction (nor run on the embedded SQLite default).
Order holds across processes because writers of one review are serialized by its version check: a save's
rows are inserted after the version-guarded UPDATE of the review, which a concurrent save waits for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, and_, bindparam, exists, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from flows.model import utcnow
from flows.ports import Outgoing
from storage.db import as_utc, json_text, writing
from storage.tables import OutboxItemRow, OutboxPaceRow

PENDING, SENDING, DONE, FAILED = "pending", "sending", "done", "failed"

_OUTBOX: Any = OutboxItemRow.__table__  # type: ignore[attr-defined]
_PACE: Any = OutboxPaceRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class OutboxRow:
    """A claimed row: what a deliverer sends."""

    id: int
    key: str
    team_id: str
    enterprise_id: str | None
    review_id: str | None
    lane: str
    method: str
    args: dict[str, Any]
    pace: str | None
    effect: str | None
    attempts: int  # including this claim (1 = first try; >1 = an earlier try may have reached Slack)
    created_at: datetime


# A row sent, and the useful bits of Slack's answer: to be marked done (`SqlOutbox.claim`'s `delivered`).
Delivered = tuple[OutboxRow, Mapping[str, Any] | None]


@dataclass(frozen=True)
class Backlog:
    """Undelivered rows (pending and sending): how many, and when the oldest was written."""

    count: int
    oldest: datetime | None


@dataclass(frozen=True)
class Problem:
    """A row that failed for good: what it was, why, when."""

    method: str
    error: str
    at: datetime
    review_id: str | None


@dataclass
class _Pace:
    next_at: datetime
    paused_until: datetime | None
    changed: bool = False


class SqlOutbox:
    """The outbox table, on the engine of the store that writes it. See the module's docstring for the rules.

    `lease`: seconds a claim holds a row before another worker may take it again. `pace_interval` and
    `pace_burst`: per pace key, one row per interval after a burst (`pace_interval` 0: no pacing; pauses
    still hold).
    """

    def __init__(
        self, engine: Engine, *, lease: float = 30.0, pace_interval: float = 1.0, pace_burst: int = 4
    ) -> None:
        self.engine = engine
        self.lease = timedelta(seconds=lease)
        self.pace_interval = timedelta(seconds=max(pace_interval, 0.0))
        self.pace_burst = max(pace_burst, 1)
        self._postgres = engine.dialect.name == "postgresql"
        insert = (postgresql if self._postgres else sqlite).insert
        self._add_paces = insert(_PACE).on_conflict_do_nothing(index_elements=[_PACE.c.key])

    # Writing

    def write(self, connection: Connection, items: Sequence[Outgoing]) -> None:
        """Insert `items` as pending rows, in order, on `connection` (inside the caller's transaction)."""
        if not items:
            return
        now = utcnow()
        connection.execute(_INSERT, [_row_values(item, now) for item in items])

    def enqueue(self, items: Sequence[Outgoing]) -> None:
        """Insert `items` in a transaction of their own."""
        if not items:
            return
        with writing(self.engine) as connection:
            self.write(connection, items)

    # Claiming and reporting back

    def claim(
        self,
        worker: str,
        limit: int,
        now: datetime | None = None,
        delivered: Sequence[Delivered] = (),
    ) -> list[OutboxRow]:
        """Up to `limit` claimable rows (see the module's docstring), oldest first, now `sending` for `worker`
        until `now + lease`, their attempts counted.

        `delivered`: rows this worker has sent since its last claim, marked `done` (as `done` would) first, in
        the same transaction: a delivery loop writes once per claim, not once more per row sent. A lane whose
        head is among them may give its next row to this very claim."""
        if limit <= 0 and not delivered:
            return []
        now = as_utc(now) if now is not None else utcnow()
        params = {"w_now": now, "w_horizon": now + self.pace_interval * (self.pace_burst - 1)}
        if self._postgres:
            # Lock no more than may be taken: a row locked and left would be skipped by the other workers
            # until this transaction ends. The SQL has judged the pacing already, but for rows of one key
            # beyond its burst: those wait for the next claim.
            query = _CANDIDATES.limit(limit).with_for_update(skip_locked=True, of=_OUTBOX)
        else:
            query = _CANDIDATES.limit(limit * 4)  # read without a lock: look further, past rows another takes
        claimed: list[OutboxRow] = []
        with writing(self.engine) as connection:
            for sent, result in delivered:
                connection.execute(_ending(sent, status=DONE, result=_result_text(result)))
            if limit <= 0:
                return []
            candidates = connection.execute(query, params).all()
            if not candidates:
                return []
            paces = self._lock_paces(connection, sorted({row.pace for row in candidates if row.pace}), now)
            lease_until = now + self.lease
            for row in candidates:
                if len(claimed) == limit:
                    break
                pace = paces.get(row.pace) if row.pace else None
                if pace is not None and not self._allows(pace, now):
                    continue
                taken = connection.execute(
                    _TAKE,
                    {
                        "w_id": row.id,
                        "w_status": row.status,
                        "w_attempts": row.attempts,
                        "w_now": now,
                        "v_lease": lease_until,
                        "v_worker": worker,
                    },
                ).rowcount
                if taken != 1:
                    continue  # another worker took it between our read and our write (SQLite)
                if pace is not None:
                    pace.next_at = max(pace.next_at, now) + self.pace_interval
                    pace.changed = True
                claimed.append(_to_row(row))
            for key, pace in paces.items():
                if pace.changed:
                    connection.execute(_PACE_NEXT, {"w_key": key, "v_next": pace.next_at})
        return claimed

    def extend(self, rows: Sequence[OutboxRow], now: datetime | None = None) -> int:
        """Renew the lease of `rows` (still in hand: a delivery slower than the lease, such as a big upload or a
        long wait inside one call) to `now + lease`, so that no other worker takes them again meanwhile. Only
        rows still as claimed (sending, same attempts) are renewed; how many were."""
        if not rows:
            return 0
        now = as_utc(now) if now is not None else utcnow()
        values = [{"w_id": row.id, "w_attempts": row.attempts, "v_lease": now + self.lease} for row in rows]
        with writing(self.engine) as connection:
            return sum(int(connection.execute(_EXTEND, value).rowcount or 0) for value in values)

    def done(self, row: OutboxRow, result: Mapping[str, Any] | None = None) -> bool:
        """Delivered: `result` (the useful bits of Slack's answer) is kept. False when the claim was lost."""
        return self._finish(_ending(row, status=DONE, result=_result_text(result)))

    def retry(self, row: OutboxRow, error: str, delay: float) -> bool:
        """Pending again, due in `delay` seconds; the attempt counts. False when the claim was lost."""
        return self._finish(_ending(row, status=PENDING, error=error, delay=delay))

    def postpone(self, row: OutboxRow, delay: float) -> bool:
        """Pending again, due in `delay` seconds, the attempt not counted (Slack refused it: a 429).
        False when the claim was lost."""
        return self._finish(_ending(row, status=PENDING, delay=delay, uncount=True))

    def fail(self, row: OutboxRow, error: str) -> bool:
        """Failed for good: kept as a Problem of its review. False when the claim was lost."""
        return self._finish(_ending(row, status=FAILED, error=error))

    def pause(self, pace: str, seconds: float) -> None:
        """Hold the rows paced by `pace` (or of that `team_id:method`) for `seconds` (a 429's Retry-After);
        a longer pause already set stays."""
        now = utcnow()
        until = now + timedelta(seconds=max(seconds, 0.0))
        with writing(self.engine) as connection:
            connection.execute(self._add_paces, [{"key": pace, "next_at": now, "paused_until": None}])
            connection.execute(_PAUSE, {"w_key": pace, "v_until": until})

    # Reading

    def backlog(self, now: datetime | None = None) -> Backlog:
        """Rows not delivered yet (pending and sending), of those written up to `now` (default: all)."""
        query = select(func.count(), func.min(_OUTBOX.c.created_at)).where(
            _OUTBOX.c.status.in_((PENDING, SENDING))
        )
        if now is not None:
            query = query.where(_OUTBOX.c.created_at <= as_utc(now))
        with self.engine.connect() as connection:
            count, oldest = connection.execute(query).one()
        return Backlog(count=int(count), oldest=as_utc(oldest) if oldest is not None else None)

    def problems(self, review_id: str) -> list[Problem]:
        """The review's failed rows, newest first."""
        query = (
            select(_OUTBOX.c.method, _OUTBOX.c.error, _OUTBOX.c.finished_at, _OUTBOX.c.review_id)
            .where(_OUTBOX.c.review_id == review_id, _OUTBOX.c.status == FAILED)
            .order_by(_OUTBOX.c.finished_at.desc(), _OUTBOX.c.id.desc())
        )
        with self.engine.connect() as connection:
            return [
                Problem(method=row.method, error=row.error or "", at=row.finished_at, review_id=row.review_id)
                for row in connection.execute(query)
            ]

    def problems_of(self, review_ids: Sequence[str]) -> dict[str, list[Problem]]:
        """`problems` of each of `review_ids` that has some, in one query (App Home lists many reviews)."""
        ids = sorted(set(review_ids))
        if not ids:
            return {}
        query = (
            select(_OUTBOX.c.method, _OUTBOX.c.error, _OUTBOX.c.finished_at, _OUTBOX.c.review_id)
            .where(_OUTBOX.c.review_id.in_(ids), _OUTBOX.c.status == FAILED)
            .order_by(_OUTBOX.c.finished_at.desc(), _OUTBOX.c.id.desc())
        )
        found: dict[str, list[Problem]] = {}
        with self.engine.connect() as connection:
            for row in connection.execute(query):
                problem = Problem(
                    method=row.method, error=row.error or "", at=row.finished_at, review_id=row.review_id
                )
                found.setdefault(row.review_id, []).append(problem)
        return found

    def result(self, review_id: str, effect_prefix: str) -> dict[str, Any] | None:
        """The result of the review's newest delivered row whose effect starts with `effect_prefix`; None
        when there is none (or it kept no result)."""
        query = (
            select(_OUTBOX.c.result)
            .where(
                _OUTBOX.c.review_id == review_id,
                _OUTBOX.c.status == DONE,
                _OUTBOX.c.effect.startswith(effect_prefix, autoescape=True),
            )
            .order_by(_OUTBOX.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as connection:
            text = connection.execute(query).scalar()
        if text is None:
            return None
        value = orjson.loads(text)
        return value if isinstance(value, dict) else None

    def delivered(self, review_id: str, effect: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """The arguments and results of the review's delivered rows with exactly `effect`, oldest first."""
        query = (
            select(_OUTBOX.c.args, _OUTBOX.c.result)
            .where(_OUTBOX.c.review_id == review_id, _OUTBOX.c.status == DONE, _OUTBOX.c.effect == effect)
            .order_by(_OUTBOX.c.id)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        found = [(_json(args), _json(result)) for args, result in rows]
        return [(args, result) for args, result in found if args is not None and result is not None]

    def next_due(self) -> datetime | None:
        """When something may next be claimable: the earliest of the pending lane heads' due times (their
        not_before, pace slot and pauses) and of the leases held. None when nothing is pending or sending.
        It may be in the past (claim now); work that becomes claimable because another row ended is not
        counted (whoever ends a row claims again)."""
        with self.engine.connect() as connection:
            groups = connection.execute(_DUE_GROUPS).all()
            lease = connection.execute(select(func.min(_OUTBOX.c.lease_until)).where(_SENDING)).scalar()
            keys = {key for group in groups for key in (group.pace, f"{group.team_id}:{group.method}") if key}
            paces = (
                {row.key: row for row in connection.execute(select(_PACE).where(_PACE.c.key.in_(keys)))}
                if keys
                else {}
            )
        times = [as_utc(lease)] if lease is not None else []
        slack = self.pace_interval * (self.pace_burst - 1)
        for group in groups:
            due = as_utc(group.due)
            for key in (group.pace, f"{group.team_id}:{group.method}"):
                pace = paces.get(key) if key else None
                if pace is None:
                    continue
                if pace.paused_until is not None:
                    due = max(due, as_utc(pace.paused_until))
                if key == group.pace:
                    due = max(due, as_utc(pace.next_at) - slack)
            times.append(due)
        return min(times, default=None)

    def forget(self, older_than: datetime) -> int:
        """Delete delivered rows finished before `older_than` (failed rows stay: they are Problems); how many."""
        query = _OUTBOX.delete().where(_OUTBOX.c.status == DONE, _OUTBOX.c.finished_at < as_utc(older_than))
        with writing(self.engine) as connection:
            return int(connection.execute(query).rowcount or 0)

    # Inside

    def _lock_paces(self, connection: Connection, keys: list[str], now: datetime) -> dict[str, _Pace]:
        """The pace rows of `keys`, made when missing, locked in key order (PostgreSQL) or under the write
        lock the insert takes (SQLite)."""
        if not keys:
            return {}
        connection.execute(
            self._add_paces, [{"key": key, "next_at": now, "paused_until": None} for key in keys]
        )
        query = select(_PACE).where(_PACE.c.key.in_(keys)).order_by(_PACE.c.key)
        if self._postgres:
            query = query.with_for_update()
        return {
            row.key: _Pace(next_at=as_utc(row.next_at), paused_until=row.paused_until)
            for row in connection.execute(query)
        }

    def _allows(self, pace: _Pace, now: datetime) -> bool:
        if pace.paused_until is not None and as_utc(pace.paused_until) > now:
            return False
        return pace.next_at - now <= self.pace_interval * (self.pace_burst - 1)

    def _finish(self, ending: Any) -> bool:
        """Run an `_ending`; False when the claim was lost."""
        with writing(self.engine) as connection:
            return connection.execute(ending).rowcount == 1


def _ending(
    row: OutboxRow,
    *,
    status: str,
    error: str | None = None,
    result: str | None = None,
    delay: float = 0.0,
    uncount: bool = False,
) -> Any:
    """The UPDATE that ends a claim as `status`, while the row is still as claimed."""
    now = utcnow()
    values: dict[str, Any] = {"status": status, "lease_until": None}
    if status == PENDING:
        values["not_before"] = now + timedelta(seconds=max(delay, 0.0))
    else:
        values["finished_at"] = now
    if error is not None:
        values["error"] = error
    if result is not None:
        values["result"] = result
    if uncount:
        values["attempts"] = _OUTBOX.c.attempts - 1
    return (
        update(_OUTBOX)
        .where(_OUTBOX.c.id == row.id, _OUTBOX.c.status == SENDING, _OUTBOX.c.attempts == row.attempts)
        .values(values)
    )


def _result_text(result: Mapping[str, Any] | None) -> str | None:
    return json_text(dict(result)) if result is not None else None


def _row_values(item: Outgoing, now: datetime) -> dict[str, Any]:
    return {
        "key": item.key,
        "team_id": item.team_id,
        "enterprise_id": item.enterprise_id,
        "review_id": item.review_id,
        "lane": item.lane,
        "method": item.method,
        "args": json_text(dict(item.args)),
        "pace": item.pace,
        "effect": item.effect,
        "status": PENDING,
        "attempts": 0,
        "not_before": now,
        "created_at": now,
    }


def _to_row(row: Any) -> OutboxRow:
    return OutboxRow(
        id=row.id,
        key=row.key,
        team_id=row.team_id,
        enterprise_id=row.enterprise_id,
        review_id=row.review_id,
        lane=row.lane,
        method=row.method,
        args=orjson.loads(row.args),
        pace=row.pace,
        effect=row.effect,
        attempts=row.attempts + 1,
        created_at=as_utc(row.created_at),
    )


def with_review(items: Sequence[Outgoing], review_id: str) -> list[Outgoing]:
    """`items` with `review_id` and `lane` set to `review_id` where they are "" (a review being created)."""
    return [
        replace(
            item,
            review_id=review_id if item.review_id == "" else item.review_id,
            lane=review_id if item.lane == "" else item.lane,
        )
        for item in items
    ]


# The statements.

_INSERT = _OUTBOX.insert()
_PENDING_DUE: ColumnElement[bool] = and_(
    _OUTBOX.c.status == PENDING, _OUTBOX.c.not_before <= bindparam("w_now", type_=_OUTBOX.c.not_before.type)
)
_LEASE_OVER: ColumnElement[bool] = and_(
    _OUTBOX.c.status == SENDING, _OUTBOX.c.lease_until < bindparam("w_now", type_=_OUTBOX.c.lease_until.type)
)
_SENDING: ColumnElement[bool] = _OUTBOX.c.status == SENDING
_EARLIER = _OUTBOX.alias("earlier")
# No earlier row of the lane is pending or sending: the row is its lane's head.
_HEAD: ColumnElement[bool] = ~exists().where(
    _EARLIER.c.lane == _OUTBOX.c.lane,
    _EARLIER.c.id < _OUTBOX.c.id,
    _EARLIER.c.status.in_((PENDING, SENDING)),
)
_BY_PACE = _PACE.alias("by_pace")
_BY_METHOD = _PACE.alias("by_method")
_NOT_PAUSED_NOW = bindparam("w_now", type_=_PACE.c.paused_until.type)
# A first cut of the pacing in SQL (so rows held by their pace do not crowd out the rest): the row's pace key
# is not paused and has room for one more, and its workspace's method is not paused. Claim decides exactly.
_CANDIDATES: Any = (
    select(_OUTBOX)
    .select_from(
        _OUTBOX.outerjoin(_BY_PACE, _BY_PACE.c.key == _OUTBOX.c.pace).outerjoin(
            _BY_METHOD, _BY_METHOD.c.key == _OUTBOX.c.team_id + literal(":") + _OUTBOX.c.method
        )
    )
    .where(
        or_(_PENDING_DUE, _LEASE_OVER),
        _HEAD,
        or_(
            _BY_PACE.c.key.is_(None),
            and_(
                or_(_BY_PACE.c.paused_until.is_(None), _BY_PACE.c.paused_until <= _NOT_PAUSED_NOW),
                _BY_PACE.c.next_at <= bindparam("w_horizon", type_=_PACE.c.next_at.type),
            ),
        ),
        or_(_BY_METHOD.c.paused_until.is_(None), _BY_METHOD.c.paused_until <= _NOT_PAUSED_NOW),
    )
    .order_by(_OUTBOX.c.id)
)
# Compare-and-set: only a row still as it was read, and still claimable.
_TAKE: Any = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id == bindparam("w_id"),
        _OUTBOX.c.status == bindparam("w_status"),
        _OUTBOX.c.attempts == bindparam("w_attempts"),
        or_(_PENDING_DUE, _LEASE_OVER),
    )
    .values(
        status=SENDING,
        lease_until=bindparam("v_lease", type_=_OUTBOX.c.lease_until.type),
        claimed_by=bindparam("v_worker"),
        attempts=_OUTBOX.c.attempts + 1,
    )
)
# A lease renewed: only a row still as claimed.
_EXTEND: Any = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id == bindparam("w_id"),
        _OUTBOX.c.status == SENDING,
        _OUTBOX.c.attempts == bindparam("w_attempts"),
    )
    .values(lease_until=bindparam("v_lease", type_=_OUTBOX.c.lease_until.type))
)
_PACE_NEXT: Any = (
    update(_PACE)
    .where(_PACE.c.key == bindparam("w_key"))
    .values(next_at=bindparam("v_next", type_=_PACE.c.next_at.type))
)
_PAUSE: Any = (
    update(_PACE)
    .where(
        _PACE.c.key == bindparam("w_key"),
        or_(
            _PACE.c.paused_until.is_(None),
            _PACE.c.paused_until < bindparam("v_until", type_=_PACE.c.paused_until.type),
        ),
    )
    .values(paused_until=bindparam("v_until", type_=_PACE.c.paused_until.type))
)
# The pending lane heads, grouped by what paces or pauses them: the earliest not_before of each group.
_DUE_GROUPS: Any = (
    select(_OUTBOX.c.pace, _OUTBOX.c.team_id, _OUTBOX.c.method, func.min(_OUTBOX.c.not_before).label("due"))
    .where(_OUTBOX.c.status == PENDING, _HEAD)
    .group_by(_OUTBOX.c.pace, _OUTBOX.c.team_id, _OUTBOX.c.method)
)


def _json(value: Any) -> dict[str, Any] | None:
    """A JSON column's object (stored as text, or read back as one)."""
    loaded = orjson.loads(value) if isinstance(value, str | bytes) else value
    return loaded if isinstance(loaded, dict) else None
