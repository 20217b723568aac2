"""The schema revision this code reads and writes (no SQLAlchemy, no Alembic to know it)."""

from __future__ import annotations

SCHEMA_HEAD = "0006_coach_assignments"
"""The newest migration's revision id; a test keeps it equal to Alembic's head."""
