"""Slack's scheduled check-in reminders in a table of their own (scheduled_reminder), out of the answers.

They were kept as the answer "checkin.reminder" ({"post_at": ..., "id": ...}), though they are Slack's state,
not anything anyone answered. The data moves both ways: the downgrade puts each back among its review's
answers, after the others.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

import json
from collections.abc import Sequence

import orjson
import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REMINDER_KEY = "checkin.reminder"  # the answer the reminder was kept as

_current = sa.table(
    "current_answer",
    sa.column("review_id", sa.String()),
    sa.column("key", sa.String()),
    sa.column("value", sa.Text()),
    sa.column("position", sa.BigInteger()),
)
_reminder = sa.table(
    "scheduled_reminder",
    sa.column("review_id", sa.String()),
    sa.column("post_at", sa.BigInteger()),
    sa.column("message_id", sa.String()),
)


def upgrade() -> None:
    op.create_table(
        "scheduled_reminder",
        sa.Column("review_id", sa.String(), nullable=False),
        sa.Column("post_at", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("review_id", name="pk_scheduled_reminder"),
        sa.ForeignKeyConstraint(
            ["review_id"], ["review.id"], name="fk_scheduled_reminder_review_id_review", ondelete="CASCADE"
        ),
    )
    connection = op.get_bind()
    kept = sa.select(_current.c.review_id, _current.c.value).where(_current.c.key == REMINDER_KEY)
    rows = []
    for review_id, value in connection.execute(kept):
        scheduled = json.loads(value) or {}
        if scheduled.get("post_at") is not None:
            rows.append(
                {
                    "review_id": review_id,
                    "post_at": int(scheduled["post_at"]),
                    "message_id": scheduled.get("id"),
                }
            )
    if rows:
        connection.execute(_reminder.insert(), rows)
    connection.execute(_current.delete().where(_current.c.key == REMINDER_KEY))


def downgrade() -> None:
    connection = op.get_bind()
    last = (
        sa.select(sa.func.max(_current.c.position))
        .where(_current.c.review_id == _reminder.c.review_id)
        .scalar_subquery()
    )
    query = sa.select(_reminder.c.review_id, _reminder.c.post_at, _reminder.c.message_id, last)
    rows = [
        {
            "review_id": review_id,
            "key": REMINDER_KEY,
            "value": orjson.dumps({"post_at": post_at, "id": message_id}).decode(),
            "position": (position if position is not None else -1) + 1,
        }
        for review_id, post_at, message_id, position in connection.execute(query)
    ]
    if rows:
        connection.execute(_current.insert(), rows)
    op.drop_table("scheduled_reminder")
