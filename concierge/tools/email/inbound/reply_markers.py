"""What mail clients write around a reply, in the major European languages and a few beyond: the
attribution line above a quote ("On … wrote:"), the header block of a quoted or forwarded message
(Outlook's From:/Sent:/To:/Subject:), "Original Message" and "Forwarded message" separators, mobile
taglines ("Sent from my iPhone") and legal footers. `reply_text.own_words` decides what they mean
where they stand; this module only recognises them."""

from __future__ import annotations

import re


def _any(words: list[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


# The verb of an attribution line: "On …, Ana <a@x> wrote:", "Le … a écrit :", "Am … schrieb …:".
_WROTE = _any([
    "wrote", "writes", "a écrit", "a ecrit", "schrieb", "hat geschrieben", "escribió", "escribio", "escreveu",
    "ha scritto", "scrisse", "schreef", "heeft geschreven", "skrev", "skriver", "kirjoitti", r"napisał\(a\)",
    "napisał", "napisała", "pisze", r"napsal\(a\)", "napsal", "napsala", "napísal", r"написал\(а\)", "написал",
    "написала", "пишет", "написав", "написала", "пише", "έγραψε", "yazdı", "írta", "a scris", "je napisal",
    "je napisao", "je napisala", "napisao je", "rašė", "rakstīja", "kirjutas", "va escriure", "escrigué",
    "skrifaði", "写道", "寫道", "のメッセージ", "님이 작성",
])
ATTRIBUTION_VERB = re.compile(rf"(?<!\w)(?:{_WROTE})(?!\w)", re.I)
_EMAILISH = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|<[^<>\s]*@[^<>\s]*>|\[mailto:", re.I)
_DIGIT = re.compile(r"\d")


def is_attribution(text: str) -> bool:
    """An attribution line (already joined when the client wrapped it): the verb, with a date or an address,
    ending the line (with or without a colon) or followed by the sender or the date and a colon; or, in any
    language, a line that names a date and an address and ends with a colon ("30.09.2017, 18.30, "Ana" <a@x>:")."""
    text = " ".join(text.split())
    if len(text) > 300 or not (_DIGIT.search(text) or _EMAILISH.search(text)):
        return False
    verbs = list(ATTRIBUTION_VERB.finditer(text))
    if verbs:
        verb = verbs[-1]
        rest = text[verb.end():].strip()
        if not rest or rest in (":", "："):
            return True
        # "Am …, schrieb Ana Costa <ana@x>:" (after the verb only the sender, then the colon) or
        # "Ana <ana@x> schrieb am Di., 3. März 2026, 09:12:" (the sender before it, the date after).
        before = text[:verb.start()]
        if rest.endswith((":", "：")) and (_EMAILISH.search(rest) or len(rest.split()) <= 4
                                          or (_EMAILISH.search(before) and _DIGIT.search(rest))):
            return True
    return text.endswith((":", "：")) and bool(_EMAILISH.search(text)) and bool(_DIGIT.search(text))


# Header labels of a quoted or forwarded message, by role.
_FROM = ["From", "De", "Von", "Van", "Da", "Od", "Fra", "Från", "Frá", "Lähettäjä", "От", "Від", "Από", "Feladó",
         "Kimden", "Expeditor", "Expéditeur", "Remitente", "Absender", "Avsändare", "Afsender", "Avsender", "Nadawca",
         "Saatja", "Siuntėjas", "Pošiljatelj", "Odosielateľ", "发件人", "寄件者", "差出人", "보낸 사람", "보낸사람"]
_SENT = ["Sent", "Date", "Envoyé", "Envoyé le", "Date d'envoi", "Gesendet", "Datum", "Enviado", "Enviado el",
         "Enviado em", "Enviada em", "Enviada", "Fecha", "Data", "Inviato", "Verzonden", "Verstuurd", "Wysłano",
         "Wysłane", "Sendt", "Skickat", "Lähetetty", "Päivämäärä", "Отправлено", "Дата", "Надіслано", "Στάλθηκε",
         "Ημερομηνία", "Elküldve", "Dátum", "Gönderildi", "Tarih", "Trimis", "Odesláno", "Odoslané", "Poslano",
         "Išsiųsta", "Saadetud", "发送时间", "日期", "送信日時", "보낸 날짜"]
_TO = ["To", "À", "A", "An", "Para", "Aan", "Do", "Til", "Till", "Vastaanottaja", "Кому", "Προς", "Címzett",
       "Kime", "Către", "Catre", "Komu", "Prima", "Gavėjas", "Saaja", "收件人", "宛先", "받는 사람"]
_SUBJECT = ["Subject", "Objet", "Sujet", "Betreff", "Asunto", "Assunto", "Oggetto", "Onderwerp", "Temat", "Emne",
            "Ämne", "Aihe", "Тема", "Θέμα", "Tárgy", "Konu", "Subiect", "Předmět", "Predmet", "Naslov", "Tema",
            "Tēma", "Teema", "主题", "件名", "제목"]
_CC = ["Cc", "Bcc", "Kopie", "Kopia", "Kopio", "Копия", "Копія", "Κοιν", "DW", "Másolat", "Bilgi", "Copie",
       "Copia", "CCO", "抄送", "Reply-To", "Répondre à", "Antwort an", "Responder a"]
_ROLES = {"from": _FROM, "sent": _SENT, "to": _TO, "subject": _SUBJECT, "cc": _CC}
_HEADER_LINE = re.compile(
    r"^[\s>*_]*(?:" + "|".join(rf"(?P<{role}>{_any(words)})" for role, words in _ROLES.items()) + r")[\s*_]*[:：]",
    re.I)


def header_label(line: str) -> tuple[str, str] | None:
    """("from" | "sent" | "to" | "subject" | "cc", the value) when the line is one header of a quoted message."""
    match = _HEADER_LINE.match(line)
    if not match:
        return None
    return match.lastgroup or "", line[match.end():].strip(" *_")


# "-----Original Message-----", "---------- Forwarded message ---------", "-------- Message d'origine --------":
# any few words between runs of dashes or underscores, in any language.
_DASHED = re.compile(r"^[\s>]*[-–—_]{2,}\s*[^\W\d_][^-–—_]{1,50}?\s*[-–—_]{2,}\s*$")
_NAMED_SEPARATOR = re.compile(r"^[\s>]*(?:" + _any([
    "Original Message", "Forwarded message", "Begin forwarded message", "Anfang der weitergeleiteten Nachricht",
    "Ursprüngliche Nachricht", "Weitergeleitete Nachricht", "Message d'origine", "Message transféré",
    "Début du message réexpédié", "Début du message transféré", "Mensaje original", "Mensaje reenviado",
    "Inicio del mensaje reenviado", "Mensagem original", "Mensagem encaminhada", "Início da mensagem reencaminhada",
    "Início da mensagem encaminhada", "Messaggio originale", "Messaggio inoltrato", "Inizio messaggio inoltrato",
    "Oorspronkelijk bericht", "Origineel bericht", "Doorgestuurd bericht", "Begin doorgestuurd bericht",
    "Oryginalna wiadomość", "Wiadomość przekazana dalej", "Początek przekazywanej wiadomości", "Původní zpráva",
    "Přeposlaná zpráva", "Opprinnelig melding", "Videresendt melding", "Oprindelig meddelelse",
    "Videresendt meddelelse", "Ursprungligt meddelande", "Vidarebefordrat meddelande", "Vidarebefordrat brev",
    "Alkuperäinen viesti", "Välitetty viesti", "Исходное сообщение", "Пересылаемое сообщение",
    "Начало пересылаемого сообщения", "Αρχικό μήνυμα", "Eredeti üzenet", "Orijinal mesaj", "Mesaj original",
]) + r")\s*[:：]?\s*[-–—_]*\s*$", re.I)


def is_separator(line: str) -> bool:
    """A line that opens an earlier or forwarded message."""
    return bool(_DASHED.match(line) or _NAMED_SEPARATOR.match(line))


# Mobile and webmail taglines: "Sent from my iPhone", "Envoyé de mon iPad", "Von meinem iPhone gesendet".
# A few words of device after the phrase, no more: "Sent from my desk, is much easier…" is a sentence.
_TAG_LEAD = _any([
    "Sent from my", "Sent from", "Sent via", "Sent with", "Sent using", "Sent on the go from", "Get Outlook for",
    "Envoyé de mon", "Envoyé depuis mon", "Envoyé depuis", "Envoyé à partir de", "Obtenir Outlook pour",
    "Von meinem", "Gesendet von meinem", "Gesendet von", "Gesendet mit", "Gesendet vom", "Outlook für",
    "Enviado desde mi", "Enviado desde", "Enviado con", "Obtener Outlook para", "Enviado do meu", "Enviado do",
    "Enviado de meu", "Enviado de",
    "Enviado a partir do meu", "Enviado a partir de", "Obter o Outlook para", "Inviato da", "Inviato dal mio",
    "Inviato con", "Scarica Outlook per", "Verzonden vanaf mijn", "Verzonden met", "Verstuurd vanaf mijn",
    "Verstuurd met", "Wysłane z mojego", "Wysłane z", "Wysłano z", "Odesláno z mého", "Odesláno z",
    "Skickat från min", "Skickat från", "Sendt fra min", "Sendt fra", "Lähetetty", "Отправлено с моего",
    "Отправлено с", "Отправлено из", "Надіслано з", "Στάλθηκε από", "Trimis de pe", "Elküldve",
])
_TAGLINE = re.compile(rf"^[\s>*]*(?:{_TAG_LEAD})\s+(?P<tail>.*)$", re.I)
# The languages that put the verb last ("iPhone'umdan gönderildi", "iPhoneから送信", "내 iPhone에서 보냄")
# or write no space after it ("发自我的iPhone").
_TAG_LAST = re.compile(r"^[\s>*]*(?:\S+(?:\s+\S+){0,3}\s*(?:gönderildi|küldve|から送信|에서 보냄)|(?:发自我的|寄自我的)\s*\S+)\s*$",
                       re.I)


def is_tagline(line: str) -> bool:
    if _TAG_LAST.match(line):
        return True
    match = _TAGLINE.match(line)
    if not match:
        return False
    words = match.group("tail").split()
    return 0 < len(words) <= 6 and len(line.strip()) <= 80 and not re.search(r"[.!?;]\s+\S", match.group("tail"))


def is_device_suffix(line: str) -> bool:
    """A line that continues the sender's name as a tagline: "via mobile", "via iPhone"."""
    return bool(re.match(r"^\s*(?:sent\s+)?(?:via|from|von|de|desde|da)\s+(?:my\s+|mon\s+|mi\s+)?\w+(?:\s+\w+)?\s*$",
                         line, re.I)) and len(line.split()) <= 4 and bool(re.search(
                             r"mobile|phone|iphone|ipad|android|blackberry|handy|móvil|movil|portable|cellulare|"
                             r"telefone|samsung|galaxy|pixel|tablet", line, re.I))


# A legal footer: its opening words, and a word that makes it legal rather than the customer's own
# sentence ("This email is to confirm…" is not a footer).
_LEGAL_OPENER = re.compile(r"^[\s*]*(?:" + _any([
    "CONFIDENTIALITY NOTICE", "CONFIDENTIALITY", "CONFIDENTIAL", "DISCLAIMER", "LEGAL NOTICE", "PRIVILEGED",
    r"This (?:e-?mail|message|communication|transmission)", r"The (?:information|content)s? (?:contained )?in this",
    r"If you (?:are not|have received this)", "NOTICE", "IMPORTANT",
    r"Ce (?:message|courriel|mail|e-mail)", "AVERTISSEMENT", "AVIS DE CONFIDENTIALIT[ÉE]", "Les informations contenues",
    r"Diese (?:E-?Mail|Nachricht)", r"Der Inhalt dieser", "Vertraulichkeitshinweis", "HINWEIS",
    r"Este (?:mensaje|correo|e-?mail)", "AVISO", "CONFIDENCIALIDAD(?:E)?", r"La informaci[óo]n contenida",
    r"Esta mensagem", r"Este e-?mail", r"As informa[çc][õo]es contidas",
    r"(?:Questo|Il presente) (?:messaggio|e-?mail)", r"Le informazioni contenute", "AVVISO",
    r"Dit (?:e-?mail)?bericht", r"De informatie in dit", r"(?:Ta|Niniejsza) wiadomość", r"Detta (?:e-?post)?meddelande",
    r"Denne (?:e-?mail|e-?posten|meldingen|meddelelse)", r"Tämä (?:viesti|sähköposti)", r"(?:Это|Данное) (?:сообщение|письмо)",
]) + r")\b", re.I)
_LEGAL_WORD = re.compile(
    r"confidential|privileged|intended (?:solely |only )?(?:for|recipient)|addressee|destinataire|confidentiel|"
    r"vertraulich|Empfänger|confidencial|destinatari|riservat|vertrouwelijk|geadresseerde|poufn|adresat|"
    r"konfidentiell|fortrolig|luottamuksellinen|конфиденц|адресат|unauthori[sz]ed|prohibited|strictly forbidden", re.I)
_PRINT_FOOTER = re.compile(r"^[\s*]*(?:Please consider the environment before printing|"
                           r"Bitte denken Sie an die Umwelt|Pensez à l'environnement|Por favor, piense en el medio ambiente)", re.I)


def is_legal_footer(paragraph: str) -> bool:
    """The paragraph opens the company's legal footer (confidentiality notice, printing reminder)."""
    return bool(_PRINT_FOOTER.match(paragraph)
                or (_LEGAL_OPENER.match(paragraph) and _LEGAL_WORD.search(paragraph[:800])))
