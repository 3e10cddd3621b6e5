"""Campaigns paused until a time (the daily sending quota) resume by themselves.

Revision ID: 0003_campaign_resume_at
Revises: 0002_metrics_rollups
Create Date: 2026-11-29 14:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_campaign_resume_at"
down_revision: str | None = "0002_metrics_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("resume_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("resume_at")
