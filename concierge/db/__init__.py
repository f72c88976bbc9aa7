"""Concierge's database: one schema (SQLAlchemy Core) on SQLite (embedded) or PostgreSQL, migrated
with Alembic; the LangGraph checkpointer for the same engine; the procrastinate job queue's schema
on PostgreSQL."""
