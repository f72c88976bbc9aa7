"""A secret goes only where it was entered for.

When a secret is saved in the console, the destination it will be sent to (the origin of its
provider URL, see `tools/outbound.py: SECRETS`) is saved beside it, encrypted like every value, as
`NAME@destination`. A secret from the environment belongs to the destination the environment (or
the default) names. When a provider URL changes in the console, a secret entered for another
destination is withheld (left unset) until it is entered again, so it never reaches the new host.
A secret saved before destinations were kept counts as entered for its URL as long as that URL is
not the console's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from concierge.settings import Settings
from concierge.tools.outbound import SECRETS, destination_of, named_by

BOUND = "@destination"


def bound_key(secret: str) -> str:
    return secret + BOUND


@dataclass(frozen=True)
class Withheld:
    secret: str
    entered_for: str  # origin(s) it was entered for ("" when not known)
    now: str  # where the settings would send it

    @property
    def urls(self) -> list[str]:
        return [name for destination in SECRETS[self.secret] for name in named_by(destination)]

    def explain(self) -> str:
        where = self.entered_for or "an earlier address"
        return f"{self.secret} is not sent: it was entered for {where}, and {' / '.join(self.urls)} now lead(s) to {self.now}"

    def fix(self) -> str:
        return f"enter {self.secret} again for the new address, or set {' / '.join(self.urls)} back"


def withheld(base: Settings, candidate: Settings, saved: dict[str, str], overrides: dict[str, str],
             entered: set[str], field_of: dict[str, str]) -> dict[str, Withheld]:
    """The secrets `candidate` would send somewhere other than where they were entered for.

    `base`: the settings before the console's values; `saved`: everything the console store holds;
    `overrides`: the console's values that apply (saved, and those being saved now); `entered`:
    secrets typed in with this save (they belong to where `candidate` sends them)."""
    out = {}
    for secret in SECRETS:
        if secret in entered or getattr(candidate, field_of[secret]) is None:
            continue
        now = destination_of(secret, candidate)
        if secret in overrides:  # saved in the console
            was = saved.get(bound_key(secret))
            if was is None:  # saved before destinations were kept
                console_urls = any(name in overrides for d in SECRETS[secret] for name in named_by(d))
                was = "" if console_urls else now
        else:  # from the environment, .env or the caller
            was = destination_of(secret, base)
        if was != now:
            out[secret] = Withheld(secret, was, now)
    return out
