"""The offline engine: a LangChain chat model that answers structured-output requests with
small trained heads over packaged embeddings (`learned.py`), exact rules and templates, so every
step runs with no key and no network. Same input, same answer.

It speaks the same tool-calling protocol as Groq: the step binds its pydantic schema as a tool,
the engine reads the `<data>` block of the last human message, runs the rule registered for that
schema and answers with one tool call. Its messages say that they come from the offline engine.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool

from concierge.tools.llm.offline import call, call_time, emails, profile, triage
from concierge.tools.llm.offline.text import sentences

ENGINE_NAME = "concierge-offline-engine"
LABEL = "[offline engine: deterministic rules and templates, no LLM]"


def read_ticket(data: dict[str, Any]) -> dict[str, Any]:
    return {"triage": triage.triage(data), "profile": profile.profile(data)}


# "Call me on …", "my mobile is …": the answer the offer email asked for, which says nothing of mood
# (the ticket classifier, trained on tickets, reads a bare "Call me." as a complaint).
_CALL_ARRANGEMENT = re.compile(r"\b(?:call|ring|phone|reach|text)\s+(?:me|us)\b|\b(?:my|our)\s+(?:mobile|cell|number|phone)\b|"
                               r"\bnumber is\b|\+?\d[\d ()./-]{6,}\d", re.I)


# A short reply that opens by agreeing ("Yes, that one is fine.") is not upset unless angry words say so.
_AGREES = re.compile(r"^\W*(yes|yeah|yep|sure|ok|okay|of course|great|lovely|perfect|wonderful|sounds good|that'?s fine|fine)\b", re.I)
_BUT = re.compile(r"\b(but|however|although|though|except)\b", re.I)
_SHORT_AGREEMENT_WORDS = 12


def mood_words(body: str) -> str:
    """The reply's sentences that can carry a mood: not those only arranging the call, unless angry."""
    return "\n".join(s for s in sentences(body) if not _CALL_ARRANGEMENT.search(s) or triage.ANGER.search(s))


def _read_upset(reply: dict[str, Any], body: str) -> tuple[bool, dict[str, Any]]:
    read = triage.triage({"ticket": {**reply, "body": body}})
    return read["path"] == "escalate" and read["sentiment"] in ("negative", "angry"), read


def reply_mood(data: dict[str, Any]) -> dict[str, Any]:
    """Upset when the whole reply and its words beyond arranging the call both read upset (each
    reading alone trips on fragments: a bare "Call me." or "Sorry!"); a short reply that opens by
    agreeing, only when angry words say so."""
    reply = data.get("reply", {})
    body = reply.get("body", "")
    upset, read = _read_upset(reply, body)
    agrees = _AGREES.search(body) and len(body.split()) <= _SHORT_AGREEMENT_WORDS and not _BUT.search(body)
    if upset and agrees and read["sentiment"] != "angry":
        upset = False
    words = mood_words(body)
    if upset and words != body:
        upset = bool(words.strip()) and _read_upset(reply, words)[0]
    asks = triage.asks_for_a_person(body)
    reasons = read.get("escalation_reasons") or [f"Customer asks for a human: “{s}”" for s in asks]
    return {"upset": upset, "wants_person": bool(asks), "reasons": reasons if upset or asks else []}


RULES = {
    "ReplyMood": reply_mood,
    "TicketReading": read_ticket,
    "TriageDecision": triage.triage,
    "CustomerProfile": profile.profile,
    "CallAnalysis": call.analyse_call,
    "EmailDraft": emails.draft_email,
    "CallTimeRequest": call_time.call_time,
}

_DATA = re.compile(r"<data>\s*(.*?)\s*</data>", re.S)


def read_data(messages: Sequence[BaseMessage]) -> dict[str, Any]:
    for message in reversed(messages):
        if isinstance(message, HumanMessage) and isinstance(message.content, str):
            match = _DATA.search(message.content)
            if match:
                return json.loads(match.group(1))
    return {}


class OfflineChatModel(BaseChatModel):
    """Deterministic stand-in for the LLM, labelled as such in every answer."""

    @property
    def _llm_type(self) -> str:
        return ENGINE_NAME

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any):
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], tool_choice=tool_choice, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        tools = kwargs.get("tools") or []
        if not tools:
            message = AIMessage(content=f"{LABEL} Free-text answers need a configured LLM.")
        else:
            name = tools[0]["function"]["name"]
            rule = RULES.get(name)
            if rule is None:
                raise ValueError(f"the offline engine has no rule for {name!r}")
            args = rule(read_data(messages))
            message = AIMessage(
                content=LABEL,
                tool_calls=[{"name": name, "args": args, "id": f"call_{uuid.uuid4().hex[:12]}"}],
                response_metadata={"model_name": ENGINE_NAME},
            )
        return ChatResult(generations=[ChatGeneration(message=message)])


OFFLINE = OfflineChatModel()  # stateless: one per process serves every step
