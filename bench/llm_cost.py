"""LLM cost per ticket: the demo tickets through the whole flow with Groq's client against the fake Groq
server (tests/fakes/groq.py), which counts tokens as Groq's `usage` does (messages and tool schemas)
and answers each call with what the offline engine would say, so outputs have a realistic size.

Run: .venv/bin/python bench/llm_cost.py
Prints, per ticket: LLM calls, input/output tokens and dollars at the configured prices (Groq's list
price of llama-3.3-70b-versatile by default), the calls made before the offer email, and the share of
input tokens the tool schemas take.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402

from concierge.cli.demo import run_demo  # noqa: E402
from concierge.settings import Settings  # noqa: E402
from concierge.tools.llm.offline.engine import RULES
from concierge.tools.llm.usage import LlmCall, on_llm_call  # noqa: E402
from tests.fakes.groq import prompt_token_count, serve_fake_groq, tool_token_count  # noqa: E402

_DATA = re.compile(r"<data>\s*(.*?)\s*</data>", re.S)


def _said(value):
    """The answer without empty fields: the prompts ask the model to leave out what is not said."""
    if isinstance(value, dict):
        return {k: _said(v) for k, v in value.items() if v not in (None, "", [], {})}
    return value


def offline_answer(name: str, body: dict) -> dict:
    """What the offline engine answers to the same request: outputs of a realistic length."""
    content = body["messages"][-1]["content"]
    return _said(RULES[name](json.loads(_DATA.search(content).group(1))))


def main() -> None:
    calls: dict[str, list[LlmCall]] = defaultdict(list)
    on_llm_call(lambda call: calls[call.thread_id or "?"].append(call))
    with serve_fake_groq() as fake, tempfile.TemporaryDirectory() as tmp:
        fake.answer = offline_answer
        settings = Settings(_env_file=None, CONCIERGE_DATA_DIR=Path(tmp), GROQ_API_KEY="gsk_test", GROQ_BASE_URL=fake.url,
                            ALERTS_CONSOLE=False, QDRANT_URL=None, LLM_BASE_URL=None)
        rows = asyncio.run(run_demo(settings, Console(file=io.StringIO(), width=200)))
        prompt = sum(prompt_token_count(r.body) for r in fake.requests)
        tools = sum(tool_token_count(r.body) for r in fake.requests)
    print(f"{'ticket':<12}{'outcome':<11}{'calls':>6}{'to offer':>9}{'input':>8}{'output':>8}{'dollars':>10}")
    costs = []
    for row in rows:
        thread = calls[row["thread_id"]]
        ok = [c for c in thread if c.outcome == "ok"]
        before_offer = next((i for i, c in enumerate(ok) if c.schema == "EmailDraft"), None)
        cost = sum(c.cost_usd for c in ok)
        costs.append(cost)
        print(f"{row['thread_id']:<12}{row['outcome']:<11}{len(ok):>6}{'' if before_offer is None else before_offer + 1:>9}"
              f"{sum(c.input_tokens for c in ok):>8}{sum(c.output_tokens for c in ok):>8}{cost:>10.5f}")
    every = [c for thread in calls.values() for c in thread if c.outcome == "ok"]
    print(f"{len(every)} LLM calls, {prompt} input tokens ({tools} of them tool schemas: {100 * tools / prompt:.0f}%), "
          f"{sum(c.output_tokens for c in every)} output tokens; max ${max(costs):.5f} per ticket, mean ${sum(costs) / len(costs):.5f}")


if __name__ == "__main__":
    main()
