"""The composition root: every outside part Concierge talks to, built from settings and opened once."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from collections.abc import AsyncIterator

from langchain_core.language_models import BaseChatModel
from rich.console import Console

from concierge.settings import Settings, get_settings
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


@asynccontextmanager
async def open_services(settings: Settings, *, console: Console | None = None, **overrides) -> AsyncIterator[Services]:
    """Open every part; `overrides` swap one in (tests pass fakes, e.g. `llm=`)."""
    await asyncio.to_thread(settings.data_dir.mkdir, parents=True, exist_ok=True)
    await asyncio.to_thread(lambda: (settings.signing_key, settings.webhook_secrets))  # read or create once, off the loop
    parts = dict(
        settings=settings,
        llm=build_chat_model(settings),
        helpdesk=build_helpdesk(settings),
        kb=KnowledgeBase(settings),
        email=build_email_sender(settings),
        voice=build_voice_provider(settings),
        alerts=build_alerts(settings, console),
        store=AppStore(settings.database or settings.app_db_path, auto_migrate=settings.migrate_at_start,
                       pooler=settings.database_pooler, pool_size=settings.database_pool_size),
    )
    parts.update(overrides)
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
