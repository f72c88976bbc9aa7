"""The tables Concierge keeps beside the checkpoints. Timestamps are ISO-8601 UTC text with
milliseconds in both engines: one code path, and text order is time order."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, PrimaryKeyConstraint, Table, Text

metadata = MetaData()

# One row per ticket's thread; `status` and `stage` mirror the checkpoint after each run so lists,
# metrics and crash recovery never read every checkpoint.
threads = Table(
    "threads", metadata,
    Column("thread_id", Text, primary_key=True),
    Column("helpdesk", Text, nullable=False),
    Column("ticket_id", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="running"),  # running | waiting | done
    Column("stage", Text),
    Column("waiting_for", Text),
    Column("outcome", Text),
    Column("customer_email", Text),  # lower-case; matches a reply by its sender
    Column("updated_at", Text),
    Index("threads_status", "status", "updated_at"),
    Index("threads_customer", "customer_email", "status"),
)

# The inbox: every webhook event (and durable timer) until it is processed.
events = Table(
    "events", metadata,
    Column("source", Text, nullable=False),
    Column("event_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("thread_id", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="pending"),  # pending | done | failed | ignored
    Column("error", Text),
    Column("received_at", Text, nullable=False),
    Column("processed_at", Text),
    Column("not_before", Text),
    Column("attempts", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("source", "event_id"),
    Index("events_pending", "status", "received_at"),
    Index("events_thread", "thread_id", "received_at"),
)

# The effects ledger: intent recorded before a side effect, its result after.
effects = Table(
    "effects", metadata,
    Column("key", Text, primary_key=True),
    Column("thread_id", Text, nullable=False),
    Column("result", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="done"),  # pending | done | failed
    Column("intent", Text, nullable=False, server_default="{}"),
    Column("error", Text),
    Column("updated_at", Text),
    Index("effects_thread", "thread_id", "created_at"),
)

# Message ids, call ids and reply tokens back to their thread.
correlations = Table(
    "correlations", metadata,
    Column("key", Text, primary_key=True),
    Column("thread_id", Text, nullable=False),
    Index("correlations_thread", "thread_id"),
)
