from __future__ import annotations

import pytest

from concierge.agents.email_only import confirms_booking, declines_call


@pytest.mark.parametrize("text", [
    "Please don't call, email is fine — I'm in meetings all day.",
    "Please don't call me at all, I can't talk at work.",
    "I'd rather not be called; writing suits me better.",
    "No calls please, I work nights.",
    "Merci de ne pas m'appeler, je préfère continuer par e-mail.",
    "Ne m'appelez pas, je suis au bureau.",
    "Bitte nicht anrufen, lieber per E-Mail.",
    "Rufen Sie mich bitte nicht an.",
    "Por favor, no me llame; prefiero seguir por correo.",
    "Non chiamatemi, per favore: preferisco via email.",
    "Por favor não me liguem, prefiro continuar por e-mail.",
    "Bel me alstublieft niet, liever per mail.",
])
def test_a_refusal_of_calls_is_read_in_the_customers_language(text):
    assert declines_call(text)


@pytest.mark.parametrize("text", [
    "Don't hesitate to call me on 07911 123456.",
    "Please don't call me before 6pm, my number is 07911 123456.",
    "Please don't call my office line; my mobile is 07911 123456.",
    "I prefer email or phone, whichever suits you.",
    "N'hésitez pas à m'appeler au 06 12 34 56 78.",
    "Ne m'appelez pas avant 18h, merci.",
    "Zögern Sie nicht, mich anzurufen.",
    "Bitte nicht vor 18 Uhr anrufen: 0171 1234567.",
    "No dude en llamarme al 612 345 678.",
    "No me llame antes de las 6, por favor.",
    "Non esiti a chiamarmi.",
    "Não hesite em me ligar, estou disponível.",
    "Aarzel niet om me te bellen.",
    "Bel me niet voor 18 uur, daarna graag.",
])
def test_an_invitation_or_a_call_later_is_not_a_refusal(text):
    assert not declines_call(text)


@pytest.mark.parametrize("text", [
    "Yes please, book it.", "Oui, c'est parfait, réservez la chambre.", "Ja, bitte buchen.",
    "Sí, perfecto, resérvela.", "Va bene, prenoti pure.", "Sim, pode reservar.", "Ja, prima, boek maar.",
])
def test_a_clear_yes_books_in_the_customers_language(text):
    assert confirms_booking(text)


@pytest.mark.parametrize("text", [
    "Sure, but let me think about it.", "Oui, mais pas avant mardi.", "Ja, aber vielleicht ein anderes Zimmer?",
    "Sí, pero más barato.", "Perfetto, ma forse un'altra camera.", "Sim, mas talvez outra data.", "Ja, maar misschien later.",
])
def test_a_hedged_yes_does_not_book(text):
    assert not confirms_booking(text)
