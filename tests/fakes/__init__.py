"""Test doubles that keep the real interfaces: a scripted chat model here, and one loopback HTTP
server per outside provider in the modules beside it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool


class ScriptedChatModel(BaseChatModel):
    """Answers each structured-output request with the scripted arguments for that schema.

    `answers` maps a schema name (e.g. "TriageDecision") to the arguments, or to a list of them
    consumed in order. Every request is kept in `calls` as (schema name, messages).
    """

    answers: dict[str, Any]
    calls: list[tuple[str, list[BaseMessage]]] = []

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any):
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs: Any) -> ChatResult:
        name = kwargs["tools"][0]["function"]["name"]
        self.calls.append((name, messages))
        answer = self.answers[name]
        args = answer.pop(0) if isinstance(answer, list) else answer
        message = AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": uuid.uuid4().hex}])
        return ChatResult(generations=[ChatGeneration(message=message)])


class CarelessChatModel(BaseChatModel):
    """A model that reads every ticket as a happy booking and every reply as calm, and drafts every
    email as the subject "offer" and the body "{" (as a small model failing at structured output
    did); otherwise the offline engine. What the guards must catch when a real model misbehaves."""

    @property
    def _llm_type(self) -> str:
        return "careless"

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any):
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs: Any) -> ChatResult:
        from concierge.tools.llm.offline.engine import OFFLINE

        message = OFFLINE._generate(messages, stop, run_manager, **kwargs).generations[0].message
        call = message.tool_calls[0]
        args = dict(call["args"])
        if call["name"] == "TicketReading":
            args["triage"] = {**args["triage"], "path": "booking", "intent": "book_hotel", "sentiment": "positive",
                              "escalation_reasons": []}
        elif call["name"] == "ReplyMood":
            args = {"upset": False, "wants_person": False, "reasons": []}
        elif call["name"] == "EmailDraft":
            args = {"subject": "offer", "body": "{"}
        return ChatResult(generations=[ChatGeneration(message=AIMessage(
            content="", tool_calls=[{**call, "args": args}], response_metadata={"model_name": "careless"}))])
