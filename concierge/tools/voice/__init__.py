"""Voice AI providers behind one interface; `build_voice_provider` picks the configured one."""

from __future__ import annotations

from concierge.settings import Settings
from concierge.tools.voice.base import CallRequest, VoiceProvider


def build_voice_provider(settings: Settings) -> VoiceProvider:
    if settings.voice_provider == "simulator":
        from concierge.tools.voice.simulator import CallSimulator

        return CallSimulator(settings.calls_dir, key=settings.signing_key)
    raise ValueError(f"unknown VOICE_PROVIDER {settings.voice_provider!r}")


__all__ = ["CallRequest", "VoiceProvider", "build_voice_provider"]
