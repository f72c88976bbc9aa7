"""Alembic environment: always run programmatically by `concierge.db.migrate` on a connection it
opened (online mode only)."""

from alembic import context

from concierge.db.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
