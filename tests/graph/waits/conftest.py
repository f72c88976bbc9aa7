"""The waits run on the same real services and scripted LLM as the node tests."""

from tests.agents.conftest import llm, rt, services  # noqa: F401  (fixtures shared with the node tests)
