"""A customer who will not take a call, in the languages the offer emails reach: English, French,
German, Spanish, Italian, Portuguese and Dutch.

A refusal is a call negated with nothing after it that limits it ("don't call me", "merci de ne pas
m'appeler", "bitte nicht anrufen"), a wish to keep to email ("email only", "je préfère continuer par
e-mail", "lieber per Mail"), or a refusal of calls or of giving a number. A negation that invites a
call is not one ("don't hesitate to call", "n'hésitez pas à m'appeler", "zögern Sie nicht,
anzurufen"), nor is a call limited in time ("don't call before 6pm", "ne m'appelez pas avant 18h",
"bitte nicht vor 18 Uhr anrufen"): the customer still takes a call, later.
"""

from __future__ import annotations

import re

_EMAIL = r"(?:e-?mail|mail|courriel|correo(?: electr[oó]nico)?|posta elettronica)"
# Words after a negated call that limit it to a time: the customer will take a call then.
_LIMIT = (r"(?:the|my|our|your|his|her|that|before|after|until|till|at(?! all)|on|in|between|during|tomorrow|today|tonight|this|next|early|late|over the|"
          r"during|avant|apr[eè]s|entre|demain|ce (?:soir|matin)|aujourd'hui|le (?:matin|soir|week-end)|pendant|"
          r"vor|nach|zwischen|morgen|heute|am|um|bis|w[aä]hrend|"
          r"antes|despu[eé]s|ma[ñn]ana|hoy|esta|por la|durante|hasta|"
          r"prima|dopo|tra|fra|domani|oggi|stasera|stamattina|di (?:mattina|sera)|dalle|alle|durante|"
          r"depois|amanh[aã]|hoje|de manh[aã]|[àa] (?:tarde|noite)|[àa]s|at[eé]|"
          r"voor|na|tussen|vandaag|vanavond|vanmiddag|tijdens|om)\b|\d")
_ME = r"(?:me|us)"

_PATTERNS = [
    # English
    rf"\b(?:don'?t|do not|please don'?t|no need to|never|pls don'?t) (?:call|phone|ring)(?: {_ME})?+\b(?!\s+(?:{_LIMIT}))",
    rf"\b{_EMAIL} only\b", rf"\bonly (?:by|via|over|through|on) {_EMAIL}\b", rf"\b(?:by|via|over) {_EMAIL} instead\b",
    rf"\b{_EMAIL} me (?:the details|the offer|everything|instead)\b",
    rf"\bprefer (?:to (?:keep|do|continue|stay|stick) (?:this |it |things |everything |with |to )?)?(?:by |via |over |on |with )?{_EMAIL}\b(?!\s+or\b)",
    rf"\b(?:rather|prefer to) (?:keep|do|continue|stay|stick) (?:this |it |things |everything )?(?:by|via|over|on|with|to) {_EMAIL}\b",
    rf"\bkeep (?:this|it|things) (?:by|via|over|on|to) {_EMAIL}\b",
    r"\b(?:rather|prefer) not (?:to )?(?:be called|be phoned|talk on the phone|speak on the phone|take a call)\b",
    r"\b(?:rather|prefer) not (?:to )?(?:share|give|provide|hand out)\b.{0,25}\b(?:number|phone)\b",
    r"\b(?:don'?t|do not) (?:want to |wish to )?(?:share|give|provide) (?:out )?my (?:phone |mobile |cell )?number\b",
    rf"\bno (?:phone )?calls?(?: please)?+\b(?!\s+(?:{_LIMIT}))",
    r"\b(?:won'?t|will not|can'?t|cannot|don'?t|do not) (?:take|do|answer|like|want) (?:a |any |phone )?(?:phone )?calls?\b",
    r"\b(?:not|never) (?:comfortable|happy) (?:on|with|taking|speaking on) the phone\b",
    r"\b(?:don'?t|do not) (?:want|wish) to be (?:called|phoned|rung)\b",
    r"\binstead of (?:a )?(?:phone )?call\b",
    # French
    rf"\b(?:merci de|prière de|veuillez|je (?:vous )?demande de)? ?ne (?:pas|jamais) m'(?:appeler|téléphoner)\b(?!\s+(?:{_LIMIT}))",
    rf"\bne m'(?:appelez|appelle|téléphonez)(?: surtout)? pas\b(?!\s+(?:{_LIMIT}))",
    rf"\bpas d'appels?\b(?!\s+(?:{_LIMIT}))", r"\bpas (?:de|par) t[ée]l[ée]phone\b",
    rf"\bpr[ée]f[eè]re(?:rais)? (?:continuer |rester |échanger |communiquer |poursuivre )?(?:par|en|via) {_EMAIL}\b",
    rf"\b(?:uniquement|seulement|juste) par {_EMAIL}\b", rf"\bpar {_EMAIL} (?:uniquement|seulement)\b",
    r"\bne (?:souhaite|veux|voudrais) pas (?:être appel[ée]e?|d'appels?|recevoir d'appels?|donner mon num[ée]ro)\b",
    # German
    rf"\bnicht (?:an)?rufen\b(?!\s+(?:{_LIMIT}))", r"\bruf(?:en Sie|t)? mich (?:bitte )?nicht an\b",
    rf"\bkeine (?:Telefon)?anrufe\b(?!\s+(?:{_LIMIT}))",
    r"\b(?:lieber|nur|ausschlie(?:ß|ss)lich) (?:per|über|via|mit|schriftlich per) (?:E-?)?Mail\b",
    r"\bm[öo]chte (?:bitte )?nicht angerufen werden\b", r"\bnicht telefonisch\b",
    # Spanish
    rf"\bno me llam(?:e|es|en|éis)\b(?!\s+(?:{_LIMIT}))", rf"\b(?:por favor,? )?no llamar\b(?!\s+(?:{_LIMIT}))",
    rf"\bprefiero (?:seguir |continuar |hablar )?(?:por|v[ií]a) {_EMAIL}\b", rf"\b(?:solo|sólo|solamente|únicamente) por {_EMAIL}\b",
    r"\bsin llamadas\b", r"\bno (?:quiero|deseo) (?:que me llamen|llamadas|recibir llamadas)\b",
    # Italian
    rf"\bnon (?:mi )?(?:chiamatemi|chiami|chiamare|telefonatemi|telefoni|telefonare)\b(?!\s+(?:{_LIMIT}))",
    r"\bpreferisco (?:continuare |proseguire |restare )?(?:via|per|tramite) (?:e-?mail|mail|posta elettronica)\b",
    r"\bsolo (?:via|per|tramite) (?:e-?mail|mail)\b", r"\b(?:niente|nessuna) (?:telefonate|chiamate?)\b",
    r"\bnon (?:voglio|desidero) essere chiamat[oa]\b",
    # Portuguese
    rf"\bn[ãa]o me (?:ligue|liguem|telefone|telefonem|chame)\b(?!\s+(?:{_LIMIT}))",
    rf"\b(?:por favor,? )?n[ãa]o (?:ligar|telefonar)\b(?!\s+(?:{_LIMIT}))",
    r"\bprefiro (?:continuar |seguir |manter )?(?:por|via) (?:e-?mail|mail|correio eletr[oó]nico)\b",
    r"\b(?:s[óo]|apenas|somente) (?:por|via) (?:e-?mail|mail)\b", r"\bsem (?:chamadas|liga[çc][õo]es|telefonemas)\b",
    r"\bn[ãa]o (?:quero|desejo) ser (?:contactad|contatad|chamad)[oa]\b",
    # Dutch
    rf"\bbel (?:me|mij|ons) (?:alstublieft |alsjeblieft |aub |a\.u\.b\. |liever )?niet\b(?!\s+(?:{_LIMIT}))",
    rf"\bniet bellen\b(?!\s+(?:{_LIMIT}))", r"\bgeen telefoontjes\b",
    r"\b(?:liever|alleen|uitsluitend) (?:per|via) (?:e-?mail|mail)\b", r"\bwil niet gebeld worden\b",
]
_REFUSAL = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.I)


def declines_call(text: str) -> bool:
    """The customer asks to continue by email, or will not take a call or give a number."""
    return bool(_REFUSAL.search(text or ""))
