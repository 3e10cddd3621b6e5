"""Metric roll-ups (hourly events and sends, snapshots), reputation alarms, sends by time.

Revision ID: 0002_metrics_rollups
Revises: 0001
Create Date: 2026-11-29 11:44:08.730110
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_metrics_rollups"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "metric_event_hours",
        sa.Column("campaign_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hour", TIMESTAMP, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("is_machine", sa.Boolean(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "campaign_id", "hour", "kind", "is_machine", name=op.f("pk_metric_event_hours")
        ),
    )
    op.create_index("ix_metric_event_hours_kind_hour", "metric_event_hours", ["kind", "hour"])
    op.create_table(
        "metric_send_hours",
        sa.Column("campaign_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hour", TIMESTAMP, nullable=False),
        sa.Column("sent", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "hour", name=op.f("pk_metric_send_hours")),
    )
    op.create_index("ix_metric_send_hours_hour", "metric_send_hours", ["hour"])
    op.create_table(
        "metric_snapshots",
        sa.Column("scope", sa.String(length=24), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("computed_at", TIMESTAMP, nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_metric_snapshots")),
    )
    op.create_table(
        "metric_rollup_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("pending_ids", JSON, nullable=False),
        sa.Column("last_run_at", TIMESTAMP, nullable=True),
        sa.Column("last_duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_metric_rollup_state")),
    )
    _create_reputation_alarms()
    op.create_index("ix_deliveries_sent_at", "deliveries", ["sent_at", "campaign_id"])


def _create_reputation_alarms() -> None:
    op.create_table(
        "reputation_alarms",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("raised_at", TIMESTAMP, nullable=False),
        sa.Column("scope", sa.String(length=12), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("metric", sa.String(length=12), nullable=False),
        sa.Column("rate", sa.Double(), nullable=False),
        sa.Column("threshold", sa.Double(), nullable=False),
        sa.Column("numerator", sa.BigInteger(), nullable=False),
        sa.Column("denominator", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("paused_campaign_ids", JSON, nullable=False),
        sa.Column("notified_at", TIMESTAMP, nullable=True),
        sa.Column("notify_error", sa.Text(), nullable=True),
        sa.Column("acknowledged_at", TIMESTAMP, nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledge_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["staff_users.id"],
            name=op.f("fk_reputation_alarms_acknowledged_by_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_reputation_alarms_campaign_id_campaigns"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reputation_alarms")),
    )
    op.create_index(
        "ix_reputation_alarms_open", "reputation_alarms", ["acknowledged_at", "raised_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_sent_at", table_name="deliveries")
    op.drop_index("ix_reputation_alarms_open", table_name="reputation_alarms")
    op.drop_table("reputation_alarms")
    op.drop_table("metric_rollup_state")
    op.drop_table("metric_snapshots")
    op.drop_index("ix_metric_send_hours_hour", table_name="metric_send_hours")
    op.drop_table("metric_send_hours")
    op.drop_index("ix_metric_event_hours_kind_hour", table_name="metric_event_hours")
    op.drop_table("metric_event_hours")
