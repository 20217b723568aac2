"""Coaches and admins: a name on each web user, coach-athlete assignments, and who decided.

A coach or an admin is a web user without an athlete of their own (or with one),
so `users.athlete_id` stays nullable; `users.name` labels them on the admin's
and the athlete's pages. `overrides.actor_user_id` and `actor_name` record the
coach who moved, pinned, skipped or added a session for an athlete; the name is
kept with the decision so the athlete's reasons still say who did it after the
coach's account is gone.

Revision ID: 0006_coach_assignments
Revises: 0005_day_loads
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_coach_assignments"
down_revision: str | None = "0005_day_loads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("name", sa.String(length=200), server_default="", nullable=False)
        )
    op.create_table(
        "coach_assignments",
        sa.Column("coach_user_id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coach_user_id"],
            ["users.id"],
            name=op.f("fk_coach_assignments_coach_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name=op.f("fk_coach_assignments_athlete_id_athletes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("coach_user_id", "athlete_id", name=op.f("pk_coach_assignments")),
    )
    op.create_index(op.f("ix_coach_assignments_athlete_id"), "coach_assignments", ["athlete_id"])
    with op.batch_alter_table("overrides") as batch:
        batch.add_column(sa.Column("actor_user_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("actor_name", sa.String(length=200), server_default="", nullable=False)
        )
        batch.create_foreign_key(
            op.f("fk_overrides_actor_user_id_users"),
            "users",
            ["actor_user_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("overrides") as batch:
        batch.drop_constraint(op.f("fk_overrides_actor_user_id_users"), type_="foreignkey")
        batch.drop_column("actor_name")
        batch.drop_column("actor_user_id")
    op.drop_index(op.f("ix_coach_assignments_athlete_id"), table_name="coach_assignments")
    op.drop_table("coach_assignments")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("name")
