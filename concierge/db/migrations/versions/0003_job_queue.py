"""The procrastinate job queue's tables and functions (PostgreSQL only; the embedded SQLite runtime
queues in process). A later procrastinate release that changes its schema gets its own revision
running that release's migration files.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if bind.execute(sa.text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None:
        return  # installed by hand with `procrastinate schema --apply`
    from procrastinate.schema import SchemaManager

    # One script with functions and literal `%` signs: run on the driver's cursor without parameters.
    driver_connection = bind.connection.dbapi_connection
    assert driver_connection is not None  # a live connection: the migration runs on it
    cursor = driver_connection.cursor()
    try:
        cursor.execute(SchemaManager.get_schema())
    finally:
        cursor.close()
