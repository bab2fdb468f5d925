"""A review's answers as rows of their own (current_answer), out of the review row.

A review of 300 processes holds about 120 kB of answers; in the review row they were read, serialised and
written again on every answer, and SQLite rewrites a whole row on any UPDATE. As rows, an answer writes the
questions it changed. The data moves both ways: every stored review keeps its answers, in their order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import json
import sqlite3
from collections.abc import Sequence

import orjson
import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_review = sa.table("review", sa.column("id", sa.String()), sa.column("answers", sa.JSON()))
_current = sa.table(
    "current_answer",
    sa.column("review_id", sa.String()),
    sa.column("key", sa.String()),
    sa.column("value", sa.Text()),
    sa.column("position", sa.BigInteger()),
)


def upgrade() -> None:
    _require_drop_column()
    op.create_table(
        "current_answer",
        sa.Column("review_id", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("review_id", "key", name="pk_current_answer"),
        sa.ForeignKeyConstraint(
            ["review_id"], ["review.id"], name="fk_current_answer_review_id_review", ondelete="CASCADE"
        ),
    )
    connection = op.get_bind()
    for review_id, answers in connection.execute(sa.select(_review.c.id, _review.c.answers)):
        rows = [
            {"review_id": review_id, "key": key, "value": _json(value), "position": position}
            for position, (key, value) in enumerate((answers or {}).items())
        ]
        if rows:
            connection.execute(_current.insert(), rows)
    # Not in batch mode: on SQLite that copies the table and drops the old one, and with foreign keys on (as
    # our connections have them) the drop deletes every row that refers to a review. SQLite drops a column
    # in place since 3.35.
    op.drop_column("review", "answers")


def _json(value: object) -> str:
    """As the store writes values (orjson): strict JSON, so NaN, which older rows may hold, becomes null."""
    return orjson.dumps(value).decode()


def _require_drop_column() -> None:
    if op.get_bind().dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 35):
        raise RuntimeError(
            f"This database upgrade needs SQLite 3.35 or newer to drop a column in place; this Python has "
            f"SQLite {sqlite3.sqlite_version}. Use a newer Python, or PostgreSQL."
        )


def downgrade() -> None:
    # NOT NULL needs a default to be added in place (see upgrade: no batch mode, no copy of the table).
    op.add_column("review", sa.Column("answers", sa.JSON(), nullable=False, server_default="{}"))
    connection = op.get_bind()
    answers: dict[str, dict[str, object]] = {}
    query = sa.select(_current.c.review_id, _current.c.key, _current.c.value).order_by(
        _current.c.review_id, _current.c.position
    )
    for review_id, key, value in connection.execute(query):
        answers.setdefault(review_id, {})[key] = json.loads(value)
    for review_id in connection.execute(sa.select(_review.c.id)).scalars().all():
        connection.execute(
            _review.update().where(_review.c.id == review_id).values(answers=answers.get(review_id, {}))
        )
    op.drop_table("current_answer")
