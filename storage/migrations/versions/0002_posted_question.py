"""The question last posted where the team answers (review.posted_question), so a failed post is repaired.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("review") as batch:
        batch.add_column(sa.Column("posted_question", sa.Text(), nullable=True))


def downgrade() -> None:
    # In place, not in batch mode: a batch copies the table and drops the old one, and with foreign keys on
    # that drop deletes every answer, receipt and projection row of every review (SQLite 3.35+ drops a column
    # in place).
    op.drop_column("review", "posted_question")
