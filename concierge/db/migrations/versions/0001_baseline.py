"""The schema as the embedded SQLite store had it before Alembic (PRAGMA user_version 2); such a
database is adopted as it is, and a version-1 one gets the columns it lacks.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

T = sa.Text


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "events" in existing:
        _adopt_legacy()
        return
    op.create_table(
        "threads",
        sa.Column("thread_id", T, primary_key=True), sa.Column("helpdesk", T, nullable=False),
        sa.Column("ticket_id", T, nullable=False), sa.Column("created_at", T, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("source", T, nullable=False), sa.Column("event_id", T, nullable=False),
        sa.Column("kind", T, nullable=False), sa.Column("thread_id", T, nullable=False),
        sa.Column("payload", T, nullable=False), sa.Column("status", T, nullable=False, server_default="pending"),
        sa.Column("error", T), sa.Column("received_at", T, nullable=False), sa.Column("processed_at", T),
        sa.Column("not_before", T), sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("source", "event_id"),
    )
    op.create_index("events_pending", "events", ["status", "received_at"])
    op.create_index("events_thread", "events", ["thread_id", "received_at"])
    op.create_table(
        "effects",
        sa.Column("key", T, primary_key=True), sa.Column("thread_id", T, nullable=False),
        sa.Column("result", T, nullable=False), sa.Column("created_at", T, nullable=False),
        sa.Column("status", T, nullable=False, server_default="done"),
        sa.Column("intent", T, nullable=False, server_default="{}"),
        sa.Column("error", T), sa.Column("updated_at", T),
    )
    op.create_index("effects_thread", "effects", ["thread_id", "created_at"])
    op.create_table("correlations", sa.Column("key", T, primary_key=True), sa.Column("thread_id", T, nullable=False))


def _adopt_legacy() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("events")}
    if "not_before" in columns:
        return
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("not_before", T))
        batch.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
    op.create_index("events_thread", "events", ["thread_id", "received_at"])
    with op.batch_alter_table("effects") as batch:
        batch.add_column(sa.Column("status", T, nullable=False, server_default="done"))
        batch.add_column(sa.Column("intent", T, nullable=False, server_default="{}"))
        batch.add_column(sa.Column("error", T))
        batch.add_column(sa.Column("updated_at", T))
    op.create_index("effects_thread", "effects", ["thread_id", "created_at"])
