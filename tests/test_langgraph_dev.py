"""`langgraph dev` serves the graph of langgraph.json, and a ticket runs through it over the API.

The server is the real CLI in a subprocess, from the repo root, on the embedded defaults: no run
context is injected, so the nodes open `default_services()` from the environment, exactly as in
LangGraph Studio. Its blockbuster check is on: a blocking call on the event loop in a node fails
the run. The first run loads the embeddings model and ingests the inventory, hence the timeouts.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest
from langgraph_sdk import get_client

from tests.processes import ROOT, VENV_BIN, ServerProcess, free_port, running_server

pytestmark = pytest.mark.slow

STARTUP_TIMEOUT_S = 120
RUN_TIMEOUT_S = 300

REPLY = {
    "type": "email_reply",
    "from": "maria.costa@example.com",
    "subject": "Re: Lisbon in April — a quiet room for 3",
    "text": "Call me on +351 912 345 678",
    "message_id": "<r1@example.com>",
    "received_at": "2026-11-24T10:00:00Z",
}


@pytest.fixture(scope="module")
def langgraph_dev(tmp_path_factory) -> Iterator[ServerProcess]:
    langgraph = VENV_BIN / "langgraph"
    assert langgraph.exists(), f"{langgraph} is missing: install the dev extras (pip install -e '.[dev]')"
    persisted = ROOT / ".langgraph_api"  # the in-memory runtime persists here, relative to its cwd
    persisted_before = persisted.exists()
    port = free_port()
    command = [str(langgraph), "dev", "--port", str(port), "--host", "127.0.0.1", "--no-reload", "--no-browser"]
    try:
        with running_server(command, base=tmp_path_factory.mktemp("langgraph_dev"), port=port, ready_path="/ok",
                            timeout_s=STARTUP_TIMEOUT_S) as server:
            yield server
    finally:
        if not persisted_before:  # leave the checkout as it was
            shutil.rmtree(persisted, ignore_errors=True)


def waiting_for(state: dict) -> list[dict]:
    """The interrupt payloads the thread waits on, from its pending tasks."""
    return [i["value"] for task in state["tasks"] for i in task.get("interrupts") or []]


async def showing_the_log(server: ServerProcess, flow) -> None:
    """Run `flow(server)`; on failure, print the tail of the server's log."""
    try:
        await flow(server)
    except BaseException:
        print(f"--- langgraph dev log (tail) ---\n{server.log_tail()}")
        raise


async def test_ticket_runs_to_the_call_through_langgraph_dev(langgraph_dev):
    await showing_the_log(langgraph_dev, _ticket_flow)


async def _ticket_flow(server: ServerProcess) -> None:
    client = get_client(url=server.url, api_key=None, timeout=httpx.Timeout(RUN_TIMEOUT_S, connect=10))

    assert "version" in await client.http.get("/info")
    [assistant] = await client.assistants.search(graph_id="concierge")
    thread = await client.threads.create()
    thread_id = thread["thread_id"]

    # 1. A new ticket runs until the offer email is sent and the thread waits for the reply.
    values = await client.runs.wait(
        thread_id, assistant["assistant_id"], input={"helpdesk": "local", "ticket_id": "1001"},
    )
    assert values["stage"] == "email_sent" and values["path"] == "booking"

    state = await client.threads.get_state(thread_id)
    assert state["next"] == ["wait_for_reply"]
    [waiting] = waiting_for(state)
    assert waiting["waiting_for"] == "email_reply" and waiting["thread_id"] == "local:1001"
    if "interrupts" in state:  # newer servers also list them at the top level
        assert [i["value"] for i in state["interrupts"]] == [waiting]
    [email] = state["values"]["emails"]
    assert email["kind"] == "offer" and email["to"] == "maria.costa@example.com"
    assert waiting["message_id"] == email["message_id"]
    # The nodes used the services of CONCIERGE_DATA_DIR: the email went to its outbox.
    assert len(list((server.data_dir / "outbox").glob("*.eml"))) == 1

    # 2. The customer's reply resumes it: the phone number is read and the call placed.
    values = await client.runs.wait(thread_id, assistant["assistant_id"], command={"resume": REPLY})
    assert values["stage"] == "call_placed"

    state = await client.threads.get_state(thread_id)
    assert state["next"] == ["wait_for_call"]
    [waiting] = waiting_for(state)
    assert waiting["waiting_for"] == "call_report"
    values = state["values"]
    assert values["phone"] == "+351912345678"
    assert [r["text"] for r in values["replies"]] == [REPLY["text"]]
    [call] = values["calls"]
    assert call["to"] == "+351912345678" and waiting["call_id"] == call["call_id"]
    assert len(values["emails"]) == 1  # resuming did not send the offer again


async def test_a_person_answers_the_review_in_langchains_hitl_shape(langgraph_dev):
    await showing_the_log(langgraph_dev, _review_flow)


async def _review_flow(server: ServerProcess) -> None:
    client = get_client(url=server.url, api_key=None, timeout=httpx.Timeout(RUN_TIMEOUT_S, connect=10))
    [assistant] = await client.assistants.search(graph_id="concierge")
    schemas = await client.assistants.get_schemas(assistant["assistant_id"])
    assert set(schemas["input_schema"]["required"]) == {"helpdesk", "ticket_id"}  # Studio asks for a ticket

    # 1003 is a billing complaint: escalated at once, nothing sent; the review offers the drafted reply.
    thread = await client.threads.create()
    values = await client.runs.wait(thread["thread_id"], assistant["assistant_id"], input={"helpdesk": "local", "ticket_id": "1003"})
    assert values["stage"] == "awaiting_human"
    state = await client.threads.get_state(thread["thread_id"])
    assert state["next"] == ["human_review"]
    [review] = waiting_for(state)
    assert review["actions"] == ["close", "handoff", "reply"]
    [request] = review["action_requests"]
    assert request["name"] == "reply" and request["args"]["body"] and request["description"]
    assert review["review_configs"] == [{"action_name": "reply", "allowed_decisions": ["approve", "edit", "reject", "respond"]}]

    # The person edits the drafted reply and chooses to close: the email goes out, the ticket is solved.
    edited = {"name": "reply", "args": {**request["args"], "body": "Dear Mr Hale, the second charge is refunded.", "then": "close",
                                         "note": "refund R-1", "by": "studio-ana"}}
    values = await client.runs.wait(thread["thread_id"], assistant["assistant_id"],
                                    command={"resume": {"decisions": [{"type": "edit", "edited_action": edited}]}})
    assert values["stage"] == "done" and values["outcome"]["status"] == "resolved"
    [email] = values["emails"]
    assert (email["kind"], email["by"], email["body"]) == ("human_reply", "studio-ana", "Dear Mr Hale, the second charge is refunded.")
    sent = [p.read_text() for p in (server.data_dir / "outbox").glob("*.eml")]
    assert any("the second charge is refunded" in text for text in sent)
    assert values["human_decision"]["by"] == "studio-ana"
