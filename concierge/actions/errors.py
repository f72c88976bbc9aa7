"""What a use case refuses, and why: nothing was recorded. Callers map them to their own answers
(the HTTP API: 404, 409, 502)."""

from __future__ import annotations


class ActionError(Exception):
    """A use case refused the request; the message says why."""


class NotFound(ActionError):
    """What the request names does not exist (an unknown ticket, a call no thread placed)."""


class Conflict(ActionError):
    """The request does not fit the state of things (a ticket not assigned to the AI, a thread that
    does not wait for this decision)."""


class ProviderFailed(ActionError):
    """An outside part refused or failed what the use case needed (the helpdesk's credentials or
    scopes; a decision whose email or call failed for good)."""
