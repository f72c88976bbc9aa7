from concierge.cli.demo import report_call, send_customer_reply


async def test_booking_ticket_goes_from_assignment_to_resolution(client, runtime):
    r = await client.post("/api/v1/webhooks/ticket_assigned", json={"ticket_id": "1001"})
    assert r.status_code == 202
    await runtime.queue.join()
    assert (await client.get("/api/v1/threads/local:1001")).json()["waiting_for"] == "email_reply"

    (await send_customer_reply(client, runtime, "local:1001", "Call me on +351 912 345 678")).raise_for_status()
    await runtime.queue.join()
    assert (await client.get("/api/v1/threads/local:1001")).json()["waiting_for"] == "call_report"

    (await report_call(client, runtime, "local:1001", "books")).raise_for_status()
    await runtime.queue.join()
    thread = (await client.get("/api/v1/threads/local:1001")).json()
    assert thread["outcome"]["status"] == "resolved"
    assert (await runtime.services.helpdesk.get_ticket("1001")).status == "solved"
