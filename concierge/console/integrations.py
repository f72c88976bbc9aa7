"""The Settings page's integrations: which settings each one has, where each value comes from
(environment, saved in the console, default), saving them, and testing a connection.

The environment (and `.env`) always wins: such a setting is shown read-only. Values saved here are
kept encrypted in the console's store and take effect when Concierge next starts.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import SecretStr, ValidationError

from concierge.actions.doctor import GROUPS, Check
from concierge.console.destinations import Withheld, bound_key, withheld
from concierge.console.setting_help import label_and_help
from concierge.console.store import ConsoleStore
from concierge.settings import Settings
from concierge.tools.outbound import DESTINATIONS, SECRETS, SELF_HOSTED, UnsafeURL, check_destination, destination_of, named_by

INTEGRATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "helpdesk": ("Helpdesk", (
        "HELPDESK", "HELPDESK_TICKET_URL", "AI_ASSIGNEE",
        "HUBSPOT_TOKEN", "HUBSPOT_PIPELINE", "HUBSPOT_AI_STAGE", "HUBSPOT_AI_OWNER_ID", "HUBSPOT_HUMAN_OWNER_ID",
        "ZENDESK_SUBDOMAIN", "ZENDESK_BASE_URL", "ZENDESK_EMAIL", "ZENDESK_API_TOKEN", "ZENDESK_AI_GROUP_ID", "ZENDESK_HUMAN_GROUP_ID",
        "JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_AI_ACCOUNT_ID", "JIRA_HUMAN_ACCOUNT_ID",
        "ZOHO_DOMAIN", "ZOHO_ORG_ID", "ZOHO_CLIENT_ID", "ZOHO_CLIENT_SECRET", "ZOHO_REFRESH_TOKEN", "ZOHO_AI_AGENT_ID", "ZOHO_HUMAN_TEAM_ID",
    )),
    "email": ("Email", (
        "EMAIL_BACKEND", "EMAIL_FROM", "EMAIL_REPLY_DOMAIN", "REVIEW_BEFORE_SEND",
        "SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY", "SMTP_USERNAME", "SMTP_PASSWORD", "RESEND_API_KEY", "SENDGRID_API_KEY",
    )),
    "voice": ("Voice", (
        "VOICE_PROVIDER", "ESCALATION_PHONE", "CALL_WINDOW", "CALL_ATTEMPTS",
        "VAPI_API_KEY", "VAPI_PHONE_NUMBER_ID", "VAPI_WEBHOOK_SECRET", "BLAND_API_KEY", "BLAND_WEBHOOK_SECRET",
    )),
    "alerts": ("Alerts", ("ALERTS", "SLACK_WEBHOOK_URL", "SLACK_BOT_TOKEN", "SLACK_CHANNEL", "SLACK_API_URL", "DISCORD_WEBHOOK_URL")),
    "llm": ("LLM", ("GROQ_API_KEY", "GROQ_MODEL", "LLM_BASE_URL", "LLM_MODEL", "LLM_API_KEY")),
    "knowledge": ("Knowledge base", ("QDRANT_URL", "QDRANT_API_KEY", "QDRANT_COLLECTION", "INVENTORY_FILE", "EMBEDDING_MODEL", "RERANKER_MODEL")),
}
_FIELDS = {f.alias: (name, f) for name, f in Settings.model_fields.items() if f.alias}


@dataclass
class SettingView:
    name: str
    secret: bool
    choices: list[str]
    source: str  # "environment", "saved", "default"
    shown: str  # the value as shown: a secret only as its last characters
    saved_by: str = ""
    in_use: bool = True  # False for another provider's settings (shown folded away)
    note: str = ""  # a secret withheld because its URL changed since it was entered
    label: str = ""
    help: str = ""


# Settings of one provider among several: in use only when that provider is chosen.
PROVIDER_PREFIXES = {
    "HUBSPOT_": lambda s: s.helpdesk == "hubspot", "ZENDESK_": lambda s: s.helpdesk == "zendesk",
    "JIRA_": lambda s: s.helpdesk == "jira", "ZOHO_": lambda s: s.helpdesk == "zoho",
    "SMTP_": lambda s: s.email_backend == "smtp", "RESEND_": lambda s: s.email_backend == "resend",
    "SENDGRID_": lambda s: s.email_backend == "sendgrid",
    "VAPI_": lambda s: s.voice_provider == "vapi", "BLAND_": lambda s: s.voice_provider == "bland",
    "SLACK_": lambda s: "slack" in s.alerts, "DISCORD_": lambda s: "discord" in s.alerts,
}


def in_use(alias: str, settings: Settings) -> bool:
    chosen = next((test for prefix, test in PROVIDER_PREFIXES.items() if alias.startswith(prefix)), None)
    return chosen is None or chosen(settings)


def is_secret(alias: str) -> bool:
    annotation = _FIELDS[alias][1].annotation
    return annotation is SecretStr or SecretStr in typing.get_args(annotation)


def choices(alias: str) -> list[str]:
    annotation = _FIELDS[alias][1].annotation
    return list(typing.get_args(annotation)) if typing.get_origin(annotation) is typing.Literal else []


def from_environment() -> set[str]:
    """Settings set by the environment or `.env` (non-empty), which the console never overrides."""
    dotenv = dotenv_values(".env") if Path(".env").is_file() else {}
    return {a for a in _FIELDS if os.environ.get(a) or dotenv.get(a)}


def masked(value: str) -> str:
    return "•" * 8 + value[-4:] if len(value) > 8 else "•" * 8


def _current(settings: Settings, alias: str) -> str:
    value = getattr(settings, _FIELDS[alias][0])
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return "" if value is None else str(value)


def views(group: str, settings: Settings, store: ConsoleStore) -> list[SettingView]:
    env, saved, updates = from_environment(), store.saved_settings(), store.setting_updates()
    try:
        effective, kept_back = with_withheld(settings, store)  # the providers chosen as of the next start
    except InvalidSetting:
        effective, kept_back = settings, {}
    out = []
    for alias in INTEGRATIONS[group][1]:
        secret = is_secret(alias)
        if alias in env:
            source, value = "environment", os.environ.get(alias) or _current(settings, alias)
        elif alias in saved:
            source, value = "saved", saved[alias]
        else:
            source, value = "default", _current(settings, alias)
        shown = masked(value) if secret and value else value
        note = kept_back[alias].explain() if alias in kept_back else ""
        label, help_text = label_and_help(alias)
        out.append(SettingView(alias, secret, choices(alias), source, shown, updates.get(alias, ("", ""))[0] if source == "saved" else "",
                               in_use(alias, effective), note, label, help_text))
    return out


class InvalidSetting(ValueError):
    pass


def with_withheld(settings: Settings, store: ConsoleStore, extra: dict[str, str] | None = None,
                  entered: Collection[str] = frozenset()) -> tuple[Settings, dict[str, Withheld]]:
    """`settings` with the console's saved values (and `extra`) applied where the environment sets
    nothing, and without the secrets whose destination changed since they were entered (those are
    returned beside it)."""
    env, saved = from_environment(), store.saved_settings()
    overrides = {a: v for a, v in {**saved, **(extra or {})}.items() if a in _FIELDS and a not in env}
    candidate = settings
    if overrides:
        try:
            candidate = Settings(**{**settings.model_dump(by_alias=True), **overrides})
        except ValidationError as exc:
            raise InvalidSetting("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from exc
    kept_back = withheld(settings, candidate, saved, overrides, set(entered), {a: _FIELDS[a][0] for a in SECRETS})
    if kept_back:
        candidate = candidate.model_copy(update={_FIELDS[a][0]: None for a in kept_back})
    return candidate, kept_back


def with_saved(settings: Settings, store: ConsoleStore, extra: dict[str, str] | None = None) -> Settings:
    """`settings` as they apply: the console's saved values where the environment sets nothing, and
    no secret sent anywhere but where it was entered for."""
    return with_withheld(settings, store, extra)[0]


async def _check_destinations(changed: set[str], candidate: Settings) -> None:
    """Every destination a changed setting names, checked in full (resolved) as the outbound policy says."""
    for destination in DESTINATIONS:
        names = [n for n in named_by(destination) if n in changed]
        if not names:
            continue
        try:
            await check_destination(destination, candidate)
        except UnsafeURL as exc:
            rule = ("it may be on loopback or a private network, never on a link-local or metadata address"
                    if destination in SELF_HOSTED else "provider URLs must be https and reach a public address")
            raise InvalidSetting(f"{' / '.join(names)} refused: {exc} ({rule}; ALLOW_PRIVATE_URLS=true in the environment "
                                 "allows local addresses, for tests and local fakes only)") from None


async def save(group: str, form: dict[str, Any], settings: Settings, store: ConsoleStore, by: str) -> tuple[list[str], list[Withheld]]:
    """Save the group's submitted values (an empty secret field keeps the saved secret; `clear:NAME`
    removes a saved value). Validated together first, every URL they change resolved and checked:
    nothing is saved when any is refused. A secret typed in belongs to where the saved settings send
    it; the saved secrets a changed URL no longer fits are returned (they are withheld until entered
    again)."""
    env, saved, changes, clears = from_environment(), store.saved_settings(), {}, []
    try:
        before = with_withheld(settings, store)[1]
    except InvalidSetting:
        before = {}
    for alias in INTEGRATIONS[group][1]:
        if alias in env:
            continue  # read-only: the environment wins
        if form.get(f"clear:{alias}"):
            clears.append(alias)
            continue
        value = str(form.get(alias, "")).strip()
        current = saved.get(alias, _current(settings, alias))
        # An empty field keeps what is saved (secret inputs are never filled in); an unchanged one saves
        # nothing, but a secret typed in is entered again even when it is the same: for where it goes now.
        if value and (value != current or alias in SECRETS):
            changes[alias] = value
    entered = {a for a in changes if a in SECRETS}
    candidate, kept_back = with_withheld(settings, store, changes, entered)  # raises InvalidSetting, nothing saved
    await _check_destinations(set(changes), candidate)
    for alias in clears:
        store.clear_setting(alias)
        store.clear_setting(bound_key(alias))
    for alias, value in changes.items():
        store.save_setting(alias, value, by)
    for alias in entered:
        store.save_setting(bound_key(alias), destination_of(alias, candidate), by)
    return sorted(changes) + [f"{a} (cleared)" for a in clears], [w for a, w in kept_back.items() if a not in before]


async def test_connection(group: str, settings: Settings, store: ConsoleStore) -> list[Check]:
    """The same checks as `concierge doctor`, on the settings as they will be at the next start."""
    try:
        candidate, kept_back = with_withheld(settings, store)
    except InvalidSetting as exc:
        return [Check(group, False, str(exc), "correct the value and save again")]
    title = INTEGRATIONS[group][0]
    held = [Check(title, False, w.explain(), w.fix()) for a, w in kept_back.items() if a in INTEGRATIONS[group][1]]
    return held + await GROUPS[group](candidate)
