"""A party no single room seats gets several rooms of one hotel, priced each and in total, from the
offer email through the call and its price guardrail to the booking."""

from __future__ import annotations

from concierge.cli.demo import report_call, send_customer_reply
from concierge.schemas import Customer
from concierge.tools.voice.price_guardrail import price_violations
from tests.server import assign, outbox_messages, thread

BODY = ("Hello, we are seven (four adults and three children) and would like to stay in Lisbon "
        "from 14 to 18 April 2027 (4 nights). Could you suggest somewhere?")


async def seven_in_lisbon(client, runtime) -> dict:
    await runtime.services.helpdesk.create_ticket(customer=Customer(id="c-seven", name="Ana Silva", email="ana.silva@example.com"),
                                                  subject="Lisbon for seven", body=BODY, ticket_id="4700")
    await assign(client, runtime, "4700")
    return await thread(client, "local:4700")


async def test_a_party_of_seven_is_offered_two_rooms_priced_each_and_in_total(client, runtime):
    detail = await seven_in_lisbon(client, runtime)

    assert detail["profile"]["party_size"] == 7
    offers = detail["offers"]
    assert offers and all(len(o["rooms"]) >= 2 and o["capacity"] >= 7 for o in offers), detail["log"][-3:]
    two = next(o for o in offers if len(o["rooms"]) == 2)
    assert two["price_per_night"] == sum(r["price_per_night"] for r in two["rooms"])
    email = outbox_messages(runtime)[detail["emails"][-1]["message_id"]].get_body(("plain",)).get_content()
    for room in two["rooms"]:
        assert f"{room['room_name']} (sleeps {room['capacity']}) €{room['price_per_night']:,.0f} per night" in email
    assert f"in total €{two['price_per_night']:,.0f} per night (€{two['price_per_night'] * 4:,.0f} for 4 nights)" in email

    total = two["price_per_night"]
    each = " and ".join(f"the {r['room_name']} is {r['price_per_night']:.0f} euros" for r in two["rooms"])
    assert price_violations([f"At {two['hotel_name']} {each}, {total:.0f} euros a night for both."], offers, 10) == []
    assert price_violations([f"Both rooms for {two['rooms'][0]['price_per_night']:.0f} euros a night."], offers, 10)
    assert price_violations([f"Both rooms come to {total - 100:.0f} euros a night."], offers, 10)


async def test_the_booked_call_records_both_rooms(client, runtime):
    await seven_in_lisbon(client, runtime)
    (await send_customer_reply(client, runtime, "local:4700", "Sounds good, call me on +351 912 345 670.")).raise_for_status()
    await runtime.queue.join()
    (await report_call(client, runtime, "local:4700", "books")).raise_for_status()
    await runtime.queue.join()
    detail = await thread(client, "local:4700")

    assert detail["outcome"]["status"] == "resolved", detail["log"][-4:]
    offer, booking = detail["offers"][0], detail["booking"]
    assert booking["room_id"] == offer["room_id"] and booking["price_per_night"] == offer["price_per_night"]
    assert [r["room_id"] for r in booking["rooms"]] == [r["room_id"] for r in offer["rooms"]]
    confirmation = outbox_messages(runtime)[detail["emails"][-1]["message_id"]].get_body(("plain",)).get_content()
    assert f"Rooms ({len(offer['rooms'])}):" in confirmation and "for all the rooms" in confirmation


async def test_the_voice_tools_list_and_quote_several_rooms(runtime):
    from concierge.tools.voice.live_tools import answer_tool_call

    kb = runtime.services.kb
    listed = await answer_tool_call(kb, "check_availability", {"city": "Lisbon", "guests": 7}, max_discount_pct=10)
    [offer, *_] = await kb.asearch_rooms("room in Lisbon", city="Lisbon", min_capacity=7)
    assert offer.rooms and f"room id {offer.room_id}" in listed
    assert all(f"{r.room_name} (sleeps {r.capacity}) {r.price_per_night:.0f} EUR" in listed for r in offer.rooms)
    quote = await answer_tool_call(kb, "quote_price", {"room": offer.room_id, "nights": 2}, max_discount_pct=10)
    assert f"{offer.price_per_night:.0f} EUR a night for all the rooms" in quote
    assert f"{offer.price_per_night * 2:.0f} EUR in total" in quote


async def test_the_console_thread_page_prices_each_room_and_the_total(client, runtime):
    from tests.console import add_operator, console_client, log_in

    detail = await seven_in_lisbon(client, runtime)
    add_operator(runtime)
    async with console_client(runtime) as browser:
        await log_in(browser)
        page = (await browser.get("/threads/local:4700")).text
    offer = detail["offers"][0]
    assert f"{offer['price_per_night']:.0f} EUR/night for {len(offer['rooms'])} rooms" in page
    for r in offer["rooms"]:
        assert f"{r['room_name']} (sleeps {r['capacity']}): {r['price_per_night']:.0f} EUR" in page
