"""Start-up checks shared by every command: a setting that is invalid, or names a part that cannot
be built as configured, stops start-up with one line naming it (never a traceback), exit code 2."""

from __future__ import annotations

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


def check_parts(settings: Settings) -> None:
    """Build every configured part (no I/O) so that a bad option fails now, before serving."""
    from concierge.server.verify import build_verifiers
    from concierge.services import build_parts

    build_parts(settings)
    try:
        build_verifiers(settings)
    except ValueError as exc:
        raise SettingsError(str(exc)) from exc
