"""Concierge's database: its own records (`store.py`: threads and the inbox; `ledger.py`: the effects
ledger; `claims.py`: correlations and claims) in one schema (SQLAlchemy Core, `tables.py`) on SQLite
or PostgreSQL (`engine.py`), migrated with Alembic (`migrate.py`, `migrations/`, also the
procrastinate job queue's schema on PostgreSQL); and the LangGraph checkpointer for the same
database (`checkpoints.py`)."""
