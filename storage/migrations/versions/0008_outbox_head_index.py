"""Finding each lane's head among undelivered rows only: index outbox (status, lane, id), not (lane, id).

A row is claimable when no earlier row of its lane is pending or sending. With (lane, id) that check walked
every earlier row of the lane, delivered ones too, so each claim grew with the outbox's history (a 60 s load
run: 15 ms a claim at 8,000 rows, held under SQLite's writer lock). With status first it seeks only the
undelivered rows: about 1 ms at any size.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_status_lane_id", "outbox", ["status", "lane", "id"])
    op.drop_index("ix_outbox_lane_id", table_name="outbox")


def downgrade() -> None:
    op.create_index("ix_outbox_lane_id", "outbox", ["lane", "id"])
    op.drop_index("ix_outbox_status_lane_id", table_name="outbox")
