"""One `DATABASE_URL`, spelled for each library that opens it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def engine_url(url: str) -> URL:
    """The SQLAlchemy URL with its async driver: psycopg for PostgreSQL, aiosqlite for SQLite."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    raise ValueError(f"DATABASE_URL must be a postgresql:// (or sqlite://) URL, not {backend}://")


def libpq_url(url: str) -> str:
    """The plain `postgresql://` conninfo psycopg (checkpointer, job queue) expects."""
    return engine_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def is_postgres(url: str) -> bool:
    return engine_url(url).get_backend_name() == "postgresql"
