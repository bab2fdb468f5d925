"""The database tables as SQLModel table models.

Kept apart from the flows dataclasses: `storage.repository` converts between the two. Alembic owns the schema
(`storage/migrations`); these models must describe exactly what the migrations create, which a test checks.

JSON columns are only ever written with fresh values (the repository builds whole rows or UPDATE statements),
never mutated in place: an in-place change to a JSON value is not tracked and would be silently lost.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

# Every constraint and index gets a predictable name, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite has no time zones: SQLAlchemy would store an aware value's wall-clock time and drop its offset, so
    values are converted to UTC before they are written and marked UTC when read. A naive value is taken as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class StorageModel(SQLModel, registry=registry(metadata=metadata)):
    """Base of our tables: their own MetaData, so nothing else registered with SQLModel leaks into the schema."""


class ReviewRow(StorageModel, table=True):
    __tablename__ = "review"
    # One review per Slack thread. NULLs are distinct, so terminal reviews (no channel, no thread) never collide.
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "thread_ts"),)

    id: str = Field(primary_key=True, sa_type=String)  # uuid4 hex
    team_id: str = Field(index=True, sa_type=String)
    enterprise_id: str | None = Field(default=None, sa_type=String)
    channel_id: str | None = Field(default=None, sa_type=String)
    thread_ts: str | None = Field(default=None, sa_type=String)
    title: str = Field(sa_type=Text)
    facilitator: str = Field(sa_type=String)
    state: str = Field(sa_type=String)
    drafts: dict[str, Any] = Field(sa_type=JSON)
    answered: list[str] = Field(sa_type=JSON)
    raters: list[str] = Field(sa_type=JSON)
    posted_question: str | None = Field(default=None, sa_type=Text)  # see flows.model.Review
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # see flows.model.Review
    version: int
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class CurrentAnswerRow(StorageModel, table=True):
    """The review's answer to one question as it stands (an entry of `Review.answers`), one row per question.

    Out of the review row so that an answer writes what it changed: a review of 300 processes holds about
    120 kB of answers, and SQLite rewrites the whole row on any UPDATE. `value` is the answer as JSON text;
    `position` keeps the order the questions were first answered in (a new answer to a question keeps its
    place), as `Review.answers` has it."""

    __tablename__ = "current_answer"

    review_id: str = Field(foreign_key="review.id", ondelete="CASCADE", primary_key=True, sa_type=String)
    key: str = Field(primary_key=True, sa_type=String)
    value: str = Field(sa_type=Text)
    position: int = Field(sa_type=BigInteger)


class AnswerRow(StorageModel, table=True):
    """Who answered what, and when: one row per reply, never updated."""

    __tablename__ = "answer"

    id: int | None = Field(default=None, primary_key=True)
    review_id: str = Field(foreign_key="review.id", ondelete="CASCADE", index=True, sa_type=String)
    question: str = Field(sa_type=String)
    author: str = Field(sa_type=String)
    text: str = Field(sa_type=Text)
    value: Any = Field(default=None, sa_type=JSON, nullable=True)
    at: datetime = Field(sa_type=UTCDateTime)


class ReceiptRow(StorageModel, table=True):
    """Keys already handled per team (Slack event ids, action timestamps): makes retries idempotent.

    The primary key (team_id, key) is the unique constraint the idempotency relies on.
    """

    __tablename__ = "receipt"

    team_id: str = Field(primary_key=True, sa_type=String)
    key: str = Field(primary_key=True, sa_type=String)
    created_at: datetime = Field(sa_type=UTCDateTime)


class ScheduledReminderRow(StorageModel, table=True):
    """The review's next check-in reminder, scheduled in Slack (chat.scheduleMessage): when it posts, and
    Slack's id of the scheduled message, to withdraw it. Slack's own state, kept apart from the review's
    answers (`bot.slack.reminders`)."""

    __tablename__ = "scheduled_reminder"

    review_id: str = Field(foreign_key="review.id", ondelete="CASCADE", primary_key=True, sa_type=String)
    post_at: int = Field(sa_type=BigInteger)  # seconds since the epoch
    message_id: str | None = Field(default=None, sa_type=String)  # Slack's scheduled_message_id


class OutboxItemRow(StorageModel, table=True):
    """A message to deliver (an outbox row, see storage.outbox): written in the same transaction as the change
    that caused it, sent afterwards by a delivery worker. The id gives the order (per lane)."""

    __tablename__ = "outbox"
    # sqlite_autoincrement: ids only grow on SQLite too, even after the newest rows are deleted (`forget`).
    __table_args__ = (
        Index("ix_outbox_status_not_before", "status", "not_before"),
        # A lane's head: no earlier row of it still pending or sending (storage.outbox._HEAD), found without
        # walking the lane's delivered rows.
        Index("ix_outbox_status_lane_id", "status", "lane", "id"),
        {"sqlite_autoincrement": True},
    )

    # BIGINT on PostgreSQL; INTEGER on SQLite, where only an INTEGER PRIMARY KEY numbers itself.
    id: int | None = Field(
        default=None,
        primary_key=True,
        sa_type=BigInteger().with_variant(Integer(), "sqlite"),
        sa_column_kwargs={"autoincrement": True},
    )
    key: str = Field(unique=True, sa_type=String)
    team_id: str = Field(sa_type=String)
    enterprise_id: str | None = Field(default=None, sa_type=String)
    review_id: str | None = Field(default=None, index=True, sa_type=String)
    lane: str = Field(sa_type=String)
    method: str = Field(sa_type=String)
    args: str = Field(sa_type=Text)  # JSON text
    pace: str | None = Field(default=None, sa_type=String)
    effect: str | None = Field(default=None, sa_type=String)
    status: str = Field(sa_type=String)  # pending | sending | done | failed
    attempts: int
    not_before: datetime = Field(sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, sa_type=String)
    created_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, sa_type=Text)
    result: str | None = Field(default=None, sa_type=Text)  # JSON text: the useful bits of Slack's answer


class OutboxPaceRow(StorageModel, table=True):
    """The pacing of one key (a channel, or a workspace and method): GCRA's theoretical arrival time, and the
    end of a pause asked for by a 429's Retry-After."""

    __tablename__ = "outbox_pace"

    key: str = Field(primary_key=True, sa_type=String)
    next_at: datetime = Field(sa_type=UTCDateTime)
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


# Projection tables: the latest report of a review, flattened for queries across reviews. They are derived data,
# replaced as a whole whenever the review is saved with an outcome.


class ProcessRow(StorageModel, table=True):
    """One process of a review's report and its fate: 'ranked', 'excluded', 'merged' (or 'pending')."""

    __tablename__ = "process"

    id: int | None = Field(default=None, primary_key=True)
    review_id: str = Field(foreign_key="review.id", ondelete="CASCADE", index=True, sa_type=String)
    name: str = Field(sa_type=String)
    position: int
    fate: str = Field(sa_type=String)
    step: int | None = None
    reasons: list[str] = Field(sa_type=JSON)
    merged_into: str | None = Field(default=None, sa_type=String)
    rank: int | None = None
    score: float | None = Field(default=None, sa_type=Float)


class RatingRow(StorageModel, table=True):
    """One rater's value for one factor of one ranked process."""

    __tablename__ = "rating"

    id: int | None = Field(default=None, primary_key=True)
    review_id: str = Field(foreign_key="review.id", ondelete="CASCADE", index=True, sa_type=String)
    process: str = Field(sa_type=String)
    rater: str = Field(sa_type=String)
    factor: str = Field(sa_type=String)
    value: int


class MetricRow(StorageModel, table=True):
    """One metric of one ranked process: baseline, SLA target and early-warning threshold."""

    __tablename__ = "metric"

    id: int | None = Field(default=None, primary_key=True)
    review_id: str = Field(foreign_key="review.id", ondelete="CASCADE", index=True, sa_type=String)
    process: str = Field(sa_type=String)
    name: str = Field(sa_type=String)
    baseline: float | None = Field(default=None, sa_type=Float)
    target: float | None = Field(default=None, sa_type=Float)
    warn_at: float | None = Field(default=None, sa_type=Float)


# Bolt's OAuth stores: slack_sdk's SQLAlchemyInstallationStore and SQLAlchemyOAuthStateStore read and write these
# tables in our database through their own Table objects (same names and columns; a test compares them with
# slack_sdk's `build_*_table`). Alembic creates them (migration 0003), never the stores' `create_tables()`.
# Their timestamps are naive UTC, as the stores write them.

slack_installations = Table(
    "slack_installations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("enterprise_url", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, nullable=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False),
    Index("slack_installations_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
)

slack_bots = Table(
    "slack_bots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
    Column("is_enterprise_install", Boolean, nullable=False),
    Column("installed_at", DateTime, nullable=False),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)

slack_oauth_states = Table(
    "slack_oauth_states",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)
