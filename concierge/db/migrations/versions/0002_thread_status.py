"""Each thread's status and stage beside its checkpoint, so crash recovery, lists and metrics read
one indexed table instead of every checkpoint; correlations looked up by thread (pruning).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("threads") as batch:
        # Threads that existed before count as running: the first start-up looks at each once.
        batch.add_column(sa.Column("status", sa.Text, nullable=False, server_default="running"))
        batch.add_column(sa.Column("stage", sa.Text))
        batch.add_column(sa.Column("waiting_for", sa.Text))
        batch.add_column(sa.Column("outcome", sa.Text))
        batch.add_column(sa.Column("customer_email", sa.Text))  # lower-case; matches a reply by its sender
        batch.add_column(sa.Column("updated_at", sa.Text))
    op.create_index("threads_status", "threads", ["status", "updated_at"])
    op.create_index("threads_customer", "threads", ["customer_email", "status"])
    op.create_index("correlations_thread", "correlations", ["thread_id"])
