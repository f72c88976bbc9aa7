"""What a use case answers when it took something in: which thread and event it became."""

from __future__ import annotations

from pydantic import BaseModel


class Accepted(BaseModel):
    thread_id: str
    event_id: str
    duplicate: bool = False


class Superseded(Accepted):
    """A report for an older call than the thread's latest: recorded, and nothing changes."""

    superseded: bool = True


class EmailUnmatched(BaseModel):
    """An email no thread could be matched to: kept aside for a person, who was alerted."""

    matched: bool = False
    event_id: str
    reason: str


class EmailAutoReply(BaseModel):
    """An out-of-office or other machine mail on a thread: kept beside it; the thread still waits."""

    matched: bool = True
    thread_id: str
    event_id: str
    ignored: str = "auto-reply"


class EmailBounced(BaseModel):
    """A permanent delivery failure of one of our emails: the thread waiting on it escalates."""

    matched: bool = True
    thread_id: str
    event_id: str
    bounce: str
    duplicate: bool = False


class EmailTooLarge(BaseModel):
    """An email past the size accepted: what is known of it is kept, a person alerted; its text was not read."""

    matched: bool
    thread_id: str | None = None
    event_id: str
    too_large: bool = True
    reason: str


class EmailsDeliveredAs(BaseModel):
    """A provider's events about our sent emails: how many delivered Message-IDs were linked to a thread."""

    linked: int
    thread_ids: list[str] = []
