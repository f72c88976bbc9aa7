"""`langgraph dev` serves the graph of langgraph.json, and tickets run through every wait over the API.

The server is the real CLI in a subprocess, started as the README says (`langgraph dev --port …
--no-reload`, no `--allow-blocking`), with no CONCIERGE_DATA_DIR: the data folder is the relative
default, `.concierge/studio`. It runs from a fresh folder (holding the checkout's langgraph.json,
its paths made absolute) so it never touches the developer's own `.concierge/`. No run context is injected,
so the nodes open `default_services()` from the environment, exactly as in LangGraph Studio. The dev
server's blockbuster check is on: a blocking call on the event loop in a node fails the run. The
first run loads the embeddings model and ingests the inventory, hence the timeouts.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from langgraph_sdk import get_client

from tests.processes import ROOT, VENV_BIN, ServerProcess, free_port, offline_env, running_server

pytestmark = pytest.mark.slow

STARTUP_TIMEOUT_S = 120
RUN_TIMEOUT_S = 300

REPLY = {
    "type": "email_reply",
    "from": "maria.costa@example.com",
    "subject": "Re: Lisbon in April — a quiet room for 3",
    "text": "Call me tomorrow at 10am on +351 912 345 678",
    "message_id": "<r1@example.com>",
    "received_at": "2026-11-24T10:00:00Z",
}


@pytest.fixture(scope="module")
def langgraph_dev(tmp_path_factory) -> Iterator[ServerProcess]:
    langgraph = VENV_BIN / "langgraph"
    assert langgraph.exists(), f"{langgraph} is missing: install the dev extras (pip install -e '.[dev]')"
    base = tmp_path_factory.mktemp("langgraph_dev")
    folder = base / "checkout"
    folder.mkdir()
    # The checkout's langgraph.json with its paths made absolute: the dev server reads them from its working folder.
    config = json.loads((ROOT / "langgraph.json").read_text())
    config["dependencies"] = [str(ROOT)]
    config["graphs"] = {name: str(ROOT / spec.removeprefix("./")) for name, spec in config["graphs"].items()}
    (folder / "langgraph.json").write_text(json.dumps(config))
    env = offline_env(base / "unused", MAX_CONCURRENT_CALLS="1")  # one line: a second call waits at call_line
    del env["CONCIERGE_DATA_DIR"]
    persisted = ROOT / ".langgraph_api"  # the in-memory runtime persists here when run from the checkout
    persisted_before = persisted.exists()
    port = free_port()
    command = [str(langgraph), "dev", "--port", str(port), "--no-reload", "--no-browser"]
    try:
        with running_server(command, base=base, port=port, ready_path="/ok", timeout_s=STARTUP_TIMEOUT_S, env=env, cwd=folder,
                            data_dir=folder / ".concierge" / "studio") as server:
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


async def test_a_ticket_runs_through_every_customer_wait(langgraph_dev):
    await showing_the_log(langgraph_dev, _ticket_flow)


def sdk(server: ServerProcess):
    return get_client(url=server.url, api_key=None, timeout=httpx.Timeout(RUN_TIMEOUT_S, connect=10))


async def waits_at(client, thread_id: str, node: str) -> dict:
    """The one interrupt payload of a thread waiting at `node`."""
    state = await client.threads.get_state(thread_id)
    assert state["next"] == [node], state["next"]
    [waiting] = waiting_for(state)
    if "interrupts" in state:  # newer servers also list them at the top level
        assert [i["value"] for i in state["interrupts"]] == [waiting]
    return waiting


def booked_report(call: dict, offer: dict) -> dict:
    """The end-of-call report of a call in which the customer booked the first offer."""
    turns = [("assistant", f"Hello, this is the travel team. I can offer the {offer['room_name']} at {offer['hotel_name']}."),
             ("customer", "Yes, that sounds perfect. Please book it for the dates I mentioned."),
             ("assistant", f"Done: the {offer['room_name']} at {offer['hotel_name']} is reserved. You'll get a confirmation email shortly."),
             ("customer", "Great, thank you so much!")]
    transcript = "\n".join(f"{'AI' if who == 'assistant' else 'User'}: {text}" for who, text in turns)
    return {"type": "call_report", "call_id": call["call_id"], "ended_reason": "assistant-ended-call", "transcript": transcript,
            "turns": [{"speaker": who, "text": text} for who, text in turns],
            "summary": f"The customer booked the {offer['room_name']} at {offer['hotel_name']}.", "success_evaluation": "true"}


async def _ticket_flow(server: ServerProcess) -> None:
    client = sdk(server)
    assert "version" in await client.http.get("/info")
    [assistant] = await client.assistants.search(graph_id="concierge")
    graph = assistant["assistant_id"]
    first = (await client.threads.create())["thread_id"]

    # wait_for_reply: a new ticket runs until the offer email is sent.
    values = await client.runs.wait(first, graph, input={"helpdesk": "local", "ticket_id": "1001"})
    assert values["stage"] == "email_sent" and values["path"] == "booking"
    waiting = await waits_at(client, first, "wait_for_reply")
    assert waiting["waiting_for"] == "email_reply" and waiting["thread_id"] == "local:1001"
    [email] = (await client.threads.get_state(first))["values"]["emails"]
    assert email["kind"] == "offer" and email["to"] == "maria.costa@example.com" and waiting["message_id"] == email["message_id"]
    # The nodes used the relative default data folder, resolved under the server's working folder.
    assert len(list((server.data_dir / "outbox").glob("*.eml"))) == 1

    # call_window: the customer asks to be called tomorrow at 10: the dialler waits for that time.
    await client.runs.wait(first, graph, command={"resume": REPLY})
    waiting = await waits_at(client, first, "voice_dispatcher")
    assert waiting["waiting_for"] == "call_window" and "call_now" in waiting["actions"]
    call_at = waiting["call_at"]
    assert datetime.fromisoformat(call_at) > datetime.now(UTC) + timedelta(hours=1)
    # The window's timer resumes it, but tomorrow has not come: it waits again, as documented.
    await client.runs.wait(first, graph, command={"resume": {"type": "call_window_open", "at": call_at}})
    assert (await waits_at(client, first, "voice_dispatcher"))["waiting_for"] == "call_window"
    # A person's "call now" moves it past the window: the call is placed.
    values = await client.runs.wait(first, graph, command={"resume": {"type": "human", "action": "call_now", "by": "studio-ana",
                                                                        "note": "she phoned: call her now"}})
    assert values["stage"] == "call_placed"
    waiting = await waits_at(client, first, "wait_for_call")
    [call] = values["calls"]
    assert waiting["waiting_for"] == "call_report" and waiting["call_id"] == call["call_id"] and call["to"] == "+351912345678"
    assert any("call now" in line["text"] and "studio-ana" in line["text"] for line in values["log"])
    assert len(values["emails"]) == 1  # resuming did not send the offer again

    # call_line: another ticket's call while the only line is taken waits for a free line.
    second = (await client.threads.create())["thread_id"]
    values = await client.runs.wait(second, graph, input={"helpdesk": "local", "ticket_id": "1004"})
    assert (await waits_at(client, second, "wait_for_reply"))["waiting_for"] == "email_reply"
    customer = values["ticket"]["customer"]["email"]
    await client.runs.wait(second, graph, command={"resume": {**REPLY, "from": customer, "subject": "Re: Barcelona",
                                                               "text": "Please call me on +34 612 345 678", "message_id": "<r2@example.com>"}})
    waiting = await waits_at(client, second, "voice_dispatcher")
    assert waiting["waiting_for"] == "call_line" and waiting["check_at"]

    # wait_for_call → the report of a booked call: confirmed, recorded, closed; the line is freed.
    offer = (await client.threads.get_state(first))["values"]["offers"][0]
    values = await client.runs.wait(first, graph, command={"resume": booked_report(call, offer)})
    assert values["stage"] == "done" and values["outcome"]["status"] == "resolved", values["outcome"]
    assert [e["kind"] for e in values["emails"]][-1] == "booking_confirmation"
    # The freed line's timer resumes the second ticket: its call goes out.
    values = await client.runs.wait(second, graph, command={"resume": {"type": "call_line_free"}})
    assert values["stage"] == "call_placed"
    assert (await waits_at(client, second, "wait_for_call"))["waiting_for"] == "call_report"


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

    # A second Studio thread on the same ticket has effects of its own: a person's `respond` sends
    # their email (it is not taken for the first thread's, already sent) ...
    graph = assistant["assistant_id"]
    again = (await client.threads.create())["thread_id"]
    await client.runs.wait(again, graph, input={"helpdesk": "local", "ticket_id": "1003"})
    assert (await waits_at(client, again, "human_review"))["waiting_for"] == "human"
    values = await client.runs.wait(again, graph, command={"resume": {"decisions": [
        {"type": "respond", "message": "Dear Mr Hale, a colleague is checking the charge today.", "by": "studio-bo"}]}})
    assert values["human_decision"]["by"] == "studio-bo"
    assert values["emails"][-1]["body"] == "Dear Mr Hale, a colleague is checking the charge today."
    sent = [p.read_text() for p in (server.data_dir / "outbox").glob("*.eml")]
    assert sum("a colleague is checking the charge today" in text for text in sent) == 1

    # ... and a third thread's reject hands the ticket over with its own alert.
    alerts = server.data_dir / "alerts.jsonl"
    alerted_before = alerts.read_text().splitlines() if alerts.exists() else []
    third = (await client.threads.create())["thread_id"]
    await client.runs.wait(third, graph, input={"helpdesk": "local", "ticket_id": "1003"})
    values = await client.runs.wait(third, graph, command={"resume": {"decisions": [
        {"type": "reject", "message": "a person calls him", "by": "studio-cy"}]}})
    assert values["human_decision"]["action"] == "handoff" and values["stage"] == "done"
    new_alerts = [json.loads(line) for line in alerts.read_text().splitlines()[len(alerted_before):]]
    assert any(a.get("thread_id") == "local:1003" for a in new_alerts), new_alerts
