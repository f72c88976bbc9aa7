"""The composition root: every outside part Concierge talks to, built from settings and opened once."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from collections.abc import AsyncIterator

from langchain_core.language_models import BaseChatModel
from rich.console import Console

from concierge.settings import Settings, SettingsError, get_settings
from concierge.store import AppStore
from concierge.tools.alerts import AlertSink, build_alerts
from concierge.tools.crm import Helpdesk, build_helpdesk
from concierge.tools.email import EmailSender, build_email_sender
from concierge.tools.knowledge import KnowledgeBase
from concierge.tools.llm import build_chat_model
from concierge.tools.voice import VoiceProvider, build_voice_provider


@dataclass
class Services:
    settings: Settings
    llm: BaseChatModel
    helpdesk: Helpdesk
    kb: KnowledgeBase
    email: EmailSender
    voice: VoiceProvider
    alerts: AlertSink
    store: AppStore


def build_parts(settings: Settings, console: Console | None = None, **overrides) -> dict:
    """Every part built from settings, nothing opened yet (no I/O): a part that cannot be built as
    configured raises `SettingsError` naming the setting, before anything starts."""
    builders = dict(
        llm=lambda: build_chat_model(settings),
        helpdesk=lambda: build_helpdesk(settings),
        kb=lambda: KnowledgeBase(settings),
        email=lambda: build_email_sender(settings),
        voice=lambda: build_voice_provider(settings),
        alerts=lambda: build_alerts(settings, console),
        store=lambda: AppStore(settings.database or settings.app_db_path, auto_migrate=settings.migrate_at_start,
                               pooler=settings.database_pooler, pool_size=settings.database_pool_size),
    )
    try:
        built = {name: build() for name, build in builders.items() if name not in overrides}
        return {"settings": settings, **built, **overrides}
    except SettingsError:
        raise
    except ValueError as exc:
        raise SettingsError(str(exc)) from exc


@asynccontextmanager
async def open_services(settings: Settings, *, console: Console | None = None, **overrides) -> AsyncIterator[Services]:
    """Open every part; `overrides` swap one in (tests pass fakes, e.g. `llm=`)."""
    await asyncio.to_thread(settings.data_dir.mkdir, parents=True, exist_ok=True)
    await asyncio.to_thread(lambda: (settings.signing_key, settings.webhook_secrets))  # read or create once, off the loop
    parts = build_parts(settings, console, **overrides)
    services = Services(**parts)
    await services.store.open()
    await services.helpdesk.open()
    try:
        yield services
    finally:
        await services.helpdesk.close()
        await services.store.close()
        services.kb.close()


_default: Services | None = None
_default_stack = AsyncExitStack()  # holds the process-wide services open for the life of the process
_default_lock = asyncio.Lock()


async def default_services() -> Services:
    """Process-wide services from the environment, for runs that inject none (LangGraph Studio)."""
    global _default
    async with _default_lock:
        if _default is None:
            _default = await _default_stack.enter_async_context(open_services(get_settings()))
            await asyncio.to_thread(_default.kb.ensure_ingested)
        return _default
