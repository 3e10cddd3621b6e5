"""API tokens carry a role scope (editor or operator), chosen when an admin creates one.

Revision ID: 0004_api_token_scope
Revises: 0003_campaign_resume_at
Create Date: 2026-11-29 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_api_token_scope"
down_revision: str | None = "0003_campaign_resume_at"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Tokens made before scopes existed were for the editors' daily pipeline.
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column("scope", sa.String(length=24), nullable=False, server_default="editor")
        )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("scope")
