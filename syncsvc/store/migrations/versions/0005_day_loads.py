"""Each stored day keeps its acute and chronic load and their ratio (the web page's load chart).

The stored days are a cache the pipeline rewrites on every run: they are emptied
here, so views compute the days afresh until the next run stores them whole.

Revision ID: 0005_day_loads
Revises: 0004_web_users
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_day_loads"
down_revision: str | None = "0004_web_users"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM day_classes")
    with op.batch_alter_table("day_classes") as batch:
        batch.add_column(sa.Column("atl", sa.Float(), server_default="0", nullable=False))
        batch.add_column(sa.Column("ctl", sa.Float(), server_default="0", nullable=False))
        batch.add_column(sa.Column("acwr", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("day_classes") as batch:
        batch.drop_column("acwr")
        batch.drop_column("ctl")
        batch.drop_column("atl")
