"""Initial schema: reviews, their answers, receipts and the report projection.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "review",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("enterprise_id", sa.String(), nullable=True),
        sa.Column("channel_id", sa.String(), nullable=True),
        sa.Column("thread_ts", sa.String(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("facilitator", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("drafts", sa.JSON(), nullable=False),
        sa.Column("answered", sa.JSON(), nullable=False),
        sa.Column("raters", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review"),
        sa.UniqueConstraint(
            "team_id", "channel_id", "thread_ts", name="uq_review_team_id_channel_id_thread_ts"
        ),
    )
    op.create_index("ix_review_team_id", "review", ["team_id"])

    op.create_table(
        "answer",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("review_id", sa.String(), nullable=False),
        sa.Column("question", sa.String(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_answer"),
        sa.ForeignKeyConstraint(
            ["review_id"], ["review.id"], name="fk_answer_review_id_review", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_answer_review_id", "answer", ["review_id"])

    op.create_table(
        "receipt",
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "key", name="pk_receipt"),
    )

    op.create_table(
        "process",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("review_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("fate", sa.String(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("merged_into", sa.String(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_process"),
        sa.ForeignKeyConstraint(
            ["review_id"], ["review.id"], name="fk_process_review_id_review", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_process_review_id", "process", ["review_id"])

    op.create_table(
        "rating",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("review_id", sa.String(), nullable=False),
        sa.Column("process", sa.String(), nullable=False),
        sa.Column("rater", sa.String(), nullable=False),
        sa.Column("factor", sa.String(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rating"),
        sa.ForeignKeyConstraint(
            ["review_id"], ["review.id"], name="fk_rating_review_id_review", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_rating_review_id", "rating", ["review_id"])

    op.create_table(
        "metric",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("review_id", sa.String(), nullable=False),
        sa.Column("process", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("warn_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_metric"),
        sa.ForeignKeyConstraint(
            ["review_id"], ["review.id"], name="fk_metric_review_id_review", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_metric_review_id", "metric", ["review_id"])


def downgrade() -> None:
    for table in ("metric", "rating", "process", "answer"):
        op.drop_index(f"ix_{table}_review_id", table_name=table)
        op.drop_table(table)
    op.drop_table("receipt")
    op.drop_index("ix_review_team_id", table_name="review")
    op.drop_table("review")
