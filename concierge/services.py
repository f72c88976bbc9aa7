"""The composition root: every outside part Concierge talks to, built from settings and opened once."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel
from rich.console import Console

from concierge.db.store import AppStore
from concierge.settings import Settings, SettingsError, get_settings
from concierge.tools.alerts import AlertSink, build_alerts
from concierge.tools.email import EmailSender, build_email_sender
from concierge.tools.helpdesk import Helpdesk, build_helpdesk
from concierge.tools.knowledge import KnowledgeBase
from concierge.tools.llm import build_chat_model
from concierge.tools.llm.breaker import CircuitBreaker
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
    llm_breaker: CircuitBreaker = field(default_factory=CircuitBreaker)  # one per process: the provider is shared


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
        llm_breaker=lambda: CircuitBreaker(settings.llm_breaker_failures, settings.llm_breaker_window_s,
                                           settings.llm_breaker_cooldown_s),
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


def studio_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """Settings for runs that inject no services. Under `langgraph dev` (LangGraph Studio) the data
    folder is `<data folder>/studio` unless CONCIERGE_DATA_DIR says otherwise, so Studio runs do not
    share the demo's effects ledger, outbox and helpdesk by accident."""
    settings = get_settings()
    if environ.get("LANGSMITH_LANGGRAPH_API_VARIANT") == "local_dev" and "data_dir" not in settings.model_fields_set:
        settings = Settings(CONCIERGE_DATA_DIR=settings.data_dir / "studio")
    return settings


async def default_services() -> Services:
    """Process-wide services from the environment, for runs that inject none (LangGraph Studio)."""
    global _default
    async with _default_lock:
        if _default is None:
            _default = await _default_stack.enter_async_context(open_services(await asyncio.to_thread(studio_settings)))
            await asyncio.to_thread(_default.kb.ensure_ingested)
        return _default
