"""The customer's own words in a reply: plain text (from the HTML part when there is no text part),
without the quoted earlier messages and without the signature."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# Lines that open the quoted history: "On … wrote:", Outlook's "From:" block, "-----Original Message-----",
# and the same in the languages our customers write in.
_QUOTE_HEADER = re.compile(
    r"^(On .+ wrote:|Le .+ a écrit\s?:|Am .+ schrieb .+:|El .+ escribió:|Em .+ escreveu:|Il .+ ha scritto:|"
    r"Op .+ schreef .+:|-{2,}\s*(Original Message|Message d'origine|Ursprüngliche Nachricht|Mensaje original)\s*-{2,}|"
    r"_{10,}|From: .+|De\s?: .+|Von: .+|Sent from my .+|Envoyé de mon .+|Enviado desde mi .+)$",
    re.I,
)
# "-- " is the RFC 3676 signature separator; "--" and "—" are common variants.
_SIGNATURE = re.compile(r"^(--\s?|—|__)$")


def own_words(text: str) -> str:
    """The reply without the quoted earlier messages (our own emails carry numbers that are not the customer's)
    and without the signature block."""
    lines: list[str] = []
    for line in (text or "").replace("\r\n", "\n").splitlines():
        stripped = line.strip()
        if _QUOTE_HEADER.match(stripped) or _SIGNATURE.match(line.rstrip("\n")) or _SIGNATURE.match(stripped):
            break
        if not line.lstrip().startswith(">"):
            lines.append(line)
    return "\n".join(lines).strip()


_VOID = {"br", "img", "hr", "meta", "input", "link", "wbr", "col", "area", "base", "source"}


class _TextOfHtml(HTMLParser):
    _BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "table"}
    _SKIP = {"style", "script", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.quoted = 0  # inside <blockquote> or Gmail's quote container: earlier messages
        self.hidden = 0  # inside an element no reader sees: text there is for machines (an injection)

    def handle_starttag(self, tag, attrs):
        if self.hidden:
            self.hidden += tag not in _VOID
        elif tag not in _VOID and _is_hidden(dict(attrs)):
            self.hidden = 1
        if self.quoted:
            self.quoted += tag not in _VOID
        elif tag == "blockquote" or "gmail_quote" in (dict(attrs).get("class") or ""):
            self.quoted = 1
        if tag in self._SKIP:
            self.skipping += 1
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if self.hidden:
            self.hidden -= 1
        if self.quoted:
            self.quoted -= 1
        if tag in self._SKIP and self.skipping:
            self.skipping -= 1
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping and not self.quoted and not self.hidden:
            self.parts.append(data)


_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(\.0*)?\s*(;|$)|font-size\s*:\s*0(px|pt|em|rem|%)?\s*(;|$)"
    r"|(max-)?height\s*:\s*0(px)?\s*(;|$)|color\s*:\s*(#fff(fff)?|white|transparent)\b", re.I)


def _is_hidden(attrs: dict) -> bool:
    return "hidden" in attrs or attrs.get("aria-hidden") == "true" or bool(_HIDDEN_STYLE.search(attrs.get("style") or ""))


def html_to_text(markup: str) -> str:
    parser = _TextOfHtml()
    parser.feed(markup or "")
    parser.close()
    text = html.unescape("".join(parser.parts))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def plain_text(text: str | None, html_body: str | None) -> str:
    """The text part when there is one, else the HTML part as text."""
    if text and text.strip():
        return text
    return html_to_text(html_body or "")
