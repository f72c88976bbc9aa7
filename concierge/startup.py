"""Start-up checks shared by every command: a setting that is invalid or cannot be built stops
start-up with one line naming it (never a traceback), and a server on a public address must be
locked down first."""

from __future__ import annotations

import ipaddress

from pydantic import ValidationError

from concierge.settings import Settings, SettingsError

EXIT_CONFIG = 2  # the conventional exit code of a usage / configuration error


def describe_settings_error(exc: ValidationError) -> str:
    """`EMAIL_BACKEND='bogus': Input should be 'outbox', 'smtp', ...` for each bad setting, on one line."""
    parts = []
    for error in exc.errors(include_url=False):
        name = ".".join(str(p) for p in error["loc"]) or "settings"
        given = error.get("input")
        shown = f"={given!r}" if isinstance(given, (str, int, float)) and error["type"] != "missing" else ""
        parts.append(f"{name}{shown}: {error['msg']}")
    return "invalid setting " + "; ".join(parts)


def is_settings_error(exc: BaseException) -> bool:
    return isinstance(exc, SettingsError) or (isinstance(exc, ValidationError) and exc.title == "Settings")


def config_message(exc: BaseException) -> str:
    return describe_settings_error(exc) if isinstance(exc, ValidationError) else f"invalid setting: {exc}"


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.strip("[]").lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything, so it counts as public
        return False


def public_address_problem(settings: Settings, host: str) -> str | None:
    """Why a server must not listen on `host` as configured, or None. On anything but loopback the
    thread API needs ADMIN_TOKEN and the generic webhooks an explicit WEBHOOK_SECRET (a secret
    generated in the data folder is unknown to every sender)."""
    if is_loopback(host):
        return None
    missing = [name for name, value in (("ADMIN_TOKEN", settings.admin_token), ("WEBHOOK_SECRET", settings.webhook_secret)) if not value]
    if not missing:
        return None
    return (f"refusing to listen on {host} (not loopback) without {' and '.join(missing)}: "
            f"set {', '.join(missing)}, or listen on 127.0.0.1")


def check_parts(settings: Settings) -> None:
    """Build every configured part (no I/O) so that a bad option fails now, before serving."""
    from concierge.server.verify import build_verifiers
    from concierge.services import build_parts

    build_parts(settings)
    try:
        build_verifiers(settings)
    except ValueError as exc:
        raise SettingsError(str(exc)) from exc
