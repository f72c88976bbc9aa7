"""The customer's own words from every shape of reply mail clients write: where the quote starts, what
a signature, a phone app's tagline or a legal footer looks like, in the languages customers write in,
and in HTML-only mail. The number dialled comes from those words only."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from concierge.tools.email.inbound.mime import parse_mime
from concierge.tools.email.inbound.reply_text import html_to_text, own_words, plain_text, reply_words, signature_block
from concierge.tools.phone import find_phones

OUR_NUMBER = "+44 20 7946 0000"  # the hotel's desk, as our own offer email carries it


@pytest.mark.parametrize("text, expected", [
    pytest.param("On 03/03/2026 09:12, Wayfarer Stays wrote:\n> Could you send a number?\n\nSure: +351 912 345 678\n",
                 "Sure: +351 912 345 678", id="bottom-posted"),
    pytest.param("On Tue, 3 Mar 2026, Wayfarer wrote:\n> Which room?\nThe triple.\n> And your number?\n+44 7700 900123\n"
                 "> Thanks\n>\n> -- \n> Wayfarer Stays", "The triple.\n+44 7700 900123", id="interleaved"),
    pytest.param("Fine by me.\n\nOn 3 Mar 2026, at 09:12, Wayfarer Stays wrote\n\n> hello", "Fine by me.", id="on-wrote-without-colon"),
    pytest.param("Works for me.\n\nOn Tue, Mar 3, 2026 at 9:12 AM Wayfarer Stays <stays@example.com>\nwrote:\n\n> hello",
                 "Works for me.", id="on-wrote-over-two-lines"),
    pytest.param("Yes.\n\nOn Tue, Mar 3, 2026 at 9:12 AM,\nWayfarer Stays\n<stays@example.com> wrote:\n> hi", "Yes.",
                 id="on-wrote-over-three-lines"),
    pytest.param("Fint\n\ntir. 3. mar. 2026 kl. 09:12 skrev Wayfarer Stays <stays@example.com>:\n\nRing oss på +44 20 7946 0000",
                 "Fint", id="quote-without-angle-brackets"),
    pytest.param("Ok\n\n     Den tisdag 3 mars 2026 09:12:01 CET, Wayfarer Stays <stays@example.com> skrev:\n\n Ring oss",
                 "Ok", id="indented-attribution"),
    pytest.param(f"We'd like:\nFrom: 14 April\nTo: 18 April\n\nFrom: Wayfarer Stays <stays@example.com>\nSent: Tuesday, March 3, "
                 f"2026 9:12 AM\nTo: Ana\nSubject: Your stay\n\nCall us on {OUR_NUMBER}", "We'd like:\nFrom: 14 April\nTo: 18 April",
                 id="outlook-block"),
    pytest.param("Dates as before.\nFrom: 14 April\n\n*From:* Wayfarer Stays <stays@example.com>\n*Sent:* Tuesday, March 3, 2026\n"
                 "*To:* Ana\n*Subject:* Your stay\n\nbody", "Dates as before.\nFrom: 14 April", id="outlook-block-bold"),
    pytest.param("From: 14 April\nTo: 18 April\n\n________________________________\nFrom: Wayfarer Stays\nSent: Tuesday, March 3, "
                 "2026 9:12 AM\nTo: Ana\nSubject: Your stay\n\nbody", "From: 14 April\nTo: 18 April", id="outlook-block-under-a-rule"),
    pytest.param("Thanks.\n\nDate: Tue, 3 Mar 2026 09:12:00 +0000\nSubject: Your stay\nFrom: stays@example.com\nTo: ana@example.com"
                 "\n\nbody", "Thanks.", id="header-block-date-first"),
    pytest.param("Ok.\n\nDa: Wayfarer [mailto:stays@example.com]\nPer conto di desk@example.com\n\nInviato: martedì\n\nA: Ana\n\n"
                 "Oggetto: Soggiorno\n\ntesto", "Ok.", id="header-block-with-gaps"),
    pytest.param(f"Prima.\n\n-----Oorspronkelijk bericht-----\nVan: stays@example.com\n{OUR_NUMBER}", "Prima.",
                 id="original-message"),
    pytest.param("See below, my husband's mobile is +44 7700 900456.\n\n---------- Forwarded message ---------\n"
                 "From: Wayfarer <stays@example.com>\nDate: Tue, 3 Mar 2026\nSubject: Offer\n\nCall +44 20 7946 0000",
                 "See below, my husband's mobile is +44 7700 900456.", id="forwarded"),
    pytest.param("FYI\n\nBegin forwarded message:\n\n> From: Wayfarer <stays@example.com>\n> Subject: Offer", "FYI",
                 id="forwarded-apple"),
])
def test_the_quoted_history_is_cut_where_the_client_put_it(text, expected):
    assert own_words(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("D'accord.\n\nLe mar. 3 mars 2026 à 09:12, Wayfarer Stays <stays@example.com> a écrit :\n> Bonjour", "D'accord."),
    ("D'accord.\n\nDe : Wayfarer Stays <stays@example.com>\nEnvoyé : mardi 3 mars 2026 09:12\nÀ : Ana\nObjet : Votre séjour\n\nt",
     "D'accord."),
    ("Gerne.\n\nAm Di., 3. März 2026 um 09:12 Uhr schrieb Wayfarer Stays <stays@example.com>:\n> Hallo", "Gerne."),
    ("Gerne.\n\nWayfarer Stays <stays@example.com> schrieb am Di., 3. März 2026, 09:12:\n> Hallo", "Gerne."),
    ("Gerne.\n\nVon: Wayfarer Stays <stays@example.com>\nGesendet: Dienstag, 3. März 2026 09:12\nAn: Ana\nBetreff: Ihr Aufenthalt\n\nT",
     "Gerne."),
    ("Gerne.\n\n-----Ursprüngliche Nachricht-----\nVon: stays@example.com", "Gerne."),
    ("Vale.\n\nEl mar, 3 mar 2026 a las 9:12, Wayfarer Stays (<stays@example.com>) escribió:\n> Hola", "Vale."),
    ("Vale.\n\nDe: Wayfarer Stays <stays@example.com>\nEnviado el: martes, 3 de marzo de 2026 9:12\nPara: Ana\nAsunto: Estancia\n\nt",
     "Vale."),
    ("Ok.\n\nEm ter., 3 de mar. de 2026 às 09:12, Wayfarer Stays <stays@example.com> escreveu:\n> Olá", "Ok."),
    ("Va bene.\n\nIl giorno mar 3 mar 2026 alle ore 09:12 Wayfarer Stays <stays@example.com> ha scritto:\n> Ciao", "Va bene."),
    ("Va bene.\n\nDa: stays@example.com\nData: 3 marzo 2026\nA: ana@example.com\nOggetto: soggiorno\n\ntesto", "Va bene."),
    ("Prima.\n\nOp di 3 mrt. 2026 om 09:12 schreef Wayfarer Stays <stays@example.com>:\n> Hallo", "Prima."),
    ("Prima.\n\nVan: Wayfarer Stays <stays@example.com>\nVerzonden: dinsdag 3 maart 2026 09:12\nAan: Ana\nOnderwerp: Verblijf\n\nt",
     "Prima."),
    ("Dobrze.\n\nW dniu wt., 3.03.2026 o 09:12 Wayfarer Stays <stays@example.com> napisał(a):\n> Witam", "Dobrze."),
    ("Dobrze.\n\nOd: Wayfarer Stays <stays@example.com>\nWysłano: wtorek, 3 marca 2026 09:12\nDo: Ana\nTemat: Pobyt\n\nt", "Dobrze."),
    ("Bra.\n\nDen tis 3 mars 2026 kl 09:12 skrev Wayfarer Stays <stays@example.com>:\n> Hej", "Bra."),
    ("Fint.\n\nFra: Wayfarer Stays <stays@example.com>\nSendt: 3. marts 2026 09:12\nTil: Ana\nEmne: Dit ophold\n\ntekst", "Fint."),
    ("Hyvä.\n\nti 3. maalisk. 2026 klo 9.12 Wayfarer Stays <stays@example.com> kirjoitti:\n> Hei", "Hyvä."),
    ("Hyvä.\n\nLähettäjä: Wayfarer Stays <stays@example.com>\nLähetetty: 3. maaliskuuta 2026 9.12\nVastaanottaja: Ana\nAihe: Matka\n\nt",
     "Hyvä."),
    ("Хорошо.\n\nвт, 3 мар. 2026 г. в 09:12, Wayfarer Stays <stays@example.com>:\n> Привет", "Хорошо."),
    ("Хорошо.\n\nОт: Wayfarer Stays <stays@example.com>\nОтправлено: 3 марта 2026 г. 9:12\nКому: Ana\nТема: Поездка\n\nтекст",
     "Хорошо."),
    ("Dobře.\n\nDne út 3. 3. 2026 9:12 uživatel Wayfarer Stays <stays@example.com> napsal:\n> Ahoj", "Dobře."),
    ("Rendben.\n\nWayfarer Stays <stays@example.com> ezt írta (időpont: 2026. márc. 3., K, 9:12):\n> Szia", "Rendben."),
    ("Εντάξει.\n\nΣτις Τρί 3 Μαρ 2026 στις 9:12 π.μ., ο/η Wayfarer <stays@example.com> έγραψε:\n> Γεια", "Εντάξει."),
])
def test_quote_headers_in_european_languages(text, expected):
    assert own_words(text) == expected


@pytest.mark.parametrize("text, expected", [
    pytest.param("Yes please.\n--\nAna Costa\n+351 21 999 9999", "Yes please.", id="dashes-without-the-space"),
    pytest.param("Thanks!\n\nAna\n\n———\nAna Costa | Lisbon\nana@example.com", "Thanks!\n\nAna", id="under-a-rule"),
    pytest.param("Thursday works.\n\nBest regards,\nJohn Smith\nHead of Travel | Acme Ltd\nT: +44 20 7946 0111\nwww.acme.example",
                 "Thursday works.\n\nBest regards,\nJohn Smith", id="contact-block-without-a-delimiter"),
    pytest.param("Call me any time.\n\nAna Costa\nvia mobile", "Call me any time.", id="name-via-mobile"),
    pytest.param("Ja.\n\nVon meinem iPhone gesendet", "Ja.", id="tagline-de"),
    pytest.param("Oui.\n\nEnvoyé de mon iPad", "Oui.", id="tagline-fr"),
    pytest.param("Vale.\n\nEnviado desde mi Samsung Galaxy", "Vale.", id="tagline-es"),
    pytest.param("Ok.\n\nSent from my Verizon, Samsung Galaxy smartphone", "Ok.", id="tagline-with-comma"),
    pytest.param("Yes.\n\nGet Outlook for Android", "Yes.", id="tagline-outlook"),
    pytest.param("Call me on +44 7700 900123.\n\nBest,\nAna\n\nCONFIDENTIALITY NOTICE: This e-mail is confidential and intended "
                 "solely for the addressee. Call +44 20 7946 0000.", "Call me on +44 7700 900123.\n\nBest,\nAna",
                 id="legal-footer"),
    pytest.param("Gerne.\n\nDiese E-Mail enthält vertrauliche Informationen. Wenn Sie nicht der richtige Empfänger sind, "
                 "informieren Sie bitte den Absender.", "Gerne.", id="legal-footer-de"),
    pytest.param("Oui.\n\nCe message et toutes les pièces jointes sont confidentiels et établis à l'intention exclusive de "
                 "ses destinataires.", "Oui.", id="legal-footer-fr"),
    pytest.param("Sure.\n\nAna\n\n_______________________________________________\nstays-guests mailing list\n"
                 "stays-guests@lists.example.com\nhttps://lists.example.com/listinfo", "Sure.\n\nAna", id="list-footer"),
])
def test_signatures_taglines_and_footers_are_not_the_customers_words(text, expected):
    assert own_words(text) == expected


@pytest.mark.parametrize("text", [
    "Sent from my desk at work, which is noisy.\nCall me at home instead.",
    "Hi,\n\nThis email is to confirm I want the triple room.\nCall me on +44 7700 900123.",
    "Hello\n\nIf you are not able to call before 6, email me.",
    "Hi,\n\nSure, you can call me.\n\nMobile: +44 7700 900123\nEmail: john@example.com",
    "We'd like:\nFrom: 14 April\nTo: 18 April\nCall me on +44 7700 900123",
    "On Monday I'm free, call me then:\n+44 7700 900123",
    "My wife wrote to you on 3 March about this:\nplease call her on +44 7700 900123",
    "Two things:\n- the triple room\n- a late checkout\nCall me on +44 7700 900123",
    "Von meinem Balkon sieht man das Meer.\nRufen Sie mich an: +49 171 1234567",
])
def test_the_customers_own_sentences_are_kept_whole(text):
    """Words that look like markers but are the customer's: a sentence, dates, a list, their contact details."""
    assert own_words(text) == text


@pytest.mark.parametrize("text, region, expected", [
    pytest.param(f"Sounds good!\n\nDen 3. mar. 2026 kl. 09:12 skrev Wayfarer <stays@example.com>:\n> Ring os på {OUR_NUMBER}",
                 "GB", [], id="only-in-the-quote"),
    pytest.param(f"Sounds good!\n\nVan: Wayfarer <stays@example.com>\nVerzonden: dinsdag\nAan: Ana\nOnderwerp: Aanbod\n\n{OUR_NUMBER}",
                 "GB", [], id="only-in-an-unmarked-quote"),
    pytest.param("Sounds good!\n\nJohn\n\n———\nJohn Smith | Acme Travel\nMob: +44 7911 654321", "GB", [], id="only-in-the-signature"),
    pytest.param(f"Prosze dzwonić: 512 345 678.\n\nW dniu 3.03.2026 o 09:12, Wayfarer <stays@example.com> pisze:\n> {OUR_NUMBER}",
                 "PL", ["+48512345678"], id="the-customers-beats-the-quote"),
    pytest.param("telnet 127.0.0.1 52698 works for me now, thanks.", "GB", [], id="an-ip-address-and-a-port"),
    pytest.param("Mon portable : 06.12.34.56.78", "FR", ["+33612345678"], id="a-dotted-french-number"),
])
def test_the_number_dialled_comes_from_the_customers_new_words_only(text, region, expected):
    assert [p.e164 for p in find_phones(reply_words(text), region)] == expected


QUOTED = "Call us on +44 20 7946 0000"


@pytest.mark.parametrize("markup", [
    pytest.param('<div dir="ltr">Ring me on 07911 123456</div><br><div class="gmail_signature">Ana Costa | +44 7911 654321</div>'
                 '<div class="gmail_quote"><div class="gmail_attr">On Tue, 3 Mar 2026 at 09:12, Wayfarer &lt;stays@example.com&gt; '
                 f'wrote:<br></div><blockquote class="gmail_quote">{QUOTED}</blockquote></div>', id="gmail_quote"),
    pytest.param('<div>On 3 Mar 2026, at 09:12, Wayfarer &lt;stays@example.com&gt; wrote:</div><br><blockquote type="cite">'
                 f'<div>{QUOTED}</div></blockquote><div>Ring me on 07911 123456</div>', id="blockquote-cite-bottom-posted"),
    pytest.param('<div>Ring me on 07911 123456</div><hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg">'
                 '<font><b>Da:</b> Wayfarer<br><b>Inviato:</b> martedì<br><b>A:</b> Ana<br><b>Oggetto:</b> Soggiorno</font></div>'
                 f'<div>{QUOTED}</div>', id="divRplyFwdMsg"),
    pytest.param('<p class="MsoNormal">Ring me on 07911 123456<o:p></o:p></p><div style="border:none;border-top:solid #E1E1E1 1.0pt">'
                 '<p class="MsoNormal"><b>Van:</b> Wayfarer &lt;stays@example.com&gt;<br><b>Verzonden:</b> dinsdag 3 maart 2026<br>'
                 f'<b>Aan:</b> Ana<br><b>Onderwerp:</b> Verblijf</p></div><p class="MsoNormal">{QUOTED}</p>', id="outlook-desktop"),
    pytest.param(f'<div>Ring me on 07911 123456</div><div id="yahoo_quoted_0042" class="yahoo_quoted"><div>Wayfarer Stays</div><div>{QUOTED}'
                 '</div></div>', id="yahoo_quoted"),
    pytest.param('<div>Ring me on 07911 123456</div><div class="zmail_extra"><div>---- Op di, 03 mrt 2026 09:12:00 +0100 Wayfarer '
                 f'&lt;stays@example.com&gt; schreef ----</div><div>{QUOTED}</div></div>', id="zmail_extra"),
    pytest.param('<div class="moz-cite-prefix">On 03/03/2026 09:12, Wayfarer wrote:<br></div><blockquote type="cite">'
                 f'{QUOTED}</blockquote><p>Ring me on 07911 123456</p><pre class="moz-signature">-- \nAna +44 7911 654321</pre>',
                 id="moz-cite-prefix-bottom-posted"),
    pytest.param('<div>Ring me on 07911 123456</div><hr id="zwchr"><div><b>Od: </b>Wayfarer<br><b>Wysłane: </b>wtorek<br></div>'
                 f'<div>{QUOTED}</div>', id="zimbra"),
])
def test_html_only_replies_keep_the_words_outside_the_quote(markup):
    assert own_words(plain_text(None, markup)) == "Ring me on 07911 123456"
    assert [p.e164 for p in find_phones(reply_words(plain_text(None, markup)), "GB")] == ["+447911123456"]


def test_html_quote_lines_are_marked_like_a_text_client_marks_them():
    markup = f'<p>Yes</p><blockquote type="cite"><div>{QUOTED}</div><div>See you</div></blockquote><p>Ana</p>'
    assert html_to_text(markup) == f"Yes\n\n> {QUOTED}\n> See you\n\nAna"


def test_an_html_only_mime_reply_reads_as_the_customers_words():
    msg = EmailMessage()
    msg["From"] = "Ana <ana@example.com>"
    msg["Subject"] = "Re: Lisbon"
    msg.set_content('<div>Oui, au 06 12 34 56 78 après 18h.</div><div class="gmail_signature">Élodie | 01 99 00 12 34</div>'
                    '<div class="gmail_quote"><div class="gmail_attr">Le mar. 3 mars 2026'
                    f' à 09:12, Wayfarer &lt;stays@example.com&gt; a écrit :</div><blockquote class="gmail_quote">{QUOTED}'
                    '</blockquote></div>', subtype="html", charset="iso-8859-1")
    text = parse_mime(bytes(msg)).text
    assert own_words(text) == "Oui, au 06 12 34 56 78 après 18h."
    assert [p.e164 for p in find_phones(reply_words(text), "FR")] == ["+33612345678"]


@pytest.mark.parametrize(("text", "signature"), [
    ("Yes please call me!\n\n-- \nAna Costa\nMobile: +351 912 345 678\n\nOn Mon, 2 Dec 2026, Wayfarer <a@b.example> wrote:\n"
     "> Call us on +44 20 7946 0000", "--\nAna Costa\nMobile: +351 912 345 678"),
    ("Sounds great, call me.\n\nBest regards,\nAna Costa\nAcme Ltd\nTel: +351 912 345 678\nwww.acme.example\n",
     "Acme Ltd\nTel: +351 912 345 678\nwww.acme.example"),
    ("Call me on +351 912 345 678", ""),
])
def test_the_signature_block_is_what_sits_between_the_own_words_and_the_quote(text, signature):
    assert signature_block(text) == signature
    assert "+44 20 7946 0000" not in own_words(text) + signature_block(text)  # the quote is neither
