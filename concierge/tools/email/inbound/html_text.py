"""The text a reader sees in an HTML email, with the quoted history marked as a text client marks it.

Mail clients wrap the earlier message in a container of their own: `<blockquote>` (Apple Mail and
Thunderbird's `type="cite"`, Gmail's inside `gmail_quote`), Thunderbird's `moz-cite-prefix`, Yahoo's
`yahoo_quoted`, Zoho's `zmail_extra`, ProtonMail's `protonmail_quote`; Outlook puts its header block
in `divRplyFwdMsg` (or after `appendonsend`) with the earlier message as the rest of the document,
Zimbra after `<hr id="zwchr">`. Their lines come out `>`-prefixed, so `own_words` reads an HTML reply
exactly as it reads a plain one (a reply written below the quote stays the customer's). Signature
containers (`gmail_signature`, `moz-signature`, Outlook's `Signature`) and text no reader sees
(hidden, zero-size, white-on-white: an injection) are left out.
"""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

_VOID = {"br", "img", "hr", "meta", "input", "link", "wbr", "col", "area", "base", "source", "track", "embed", "param"}
_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "pre",
           "hr", "section", "article", "header", "footer", "address", "dd", "dt", "center", "dl", "form", "fieldset"}
_PARAGRAPHS = {"p", "blockquote", "table", "ul", "ol", "pre", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}
_SKIP = {"style", "script", "head", "title", "template", "noscript"}
# Tags whose start closes an open one of the same kind (`<p>a<p>b`), as browsers read them.
_SELF_CLOSING = {"p", "li", "tr", "td", "th", "option", "dt", "dd"}

_QUOTE_CLASSES = {"gmail_quote", "gmail_extra", "gmail_attr", "yahoo_quoted", "zmail_extra", "moz-cite-prefix",
                  "protonmail_quote", "x_gmail_quote", "x_gmail_extra", "outlookmessageheader", "ydp_quoted",
                  "quote", "quoted-text", "tutanota_quote", "reply-quote"}
_QUOTE_IDS = {"olk_src_body_section", "mail-editor-reference-message-container", "isforwardcontent", "yahoo_quoted"}
# After these, the rest of the document is the earlier message.
_REST_IDS = {"divrplyfwdmsg", "x_divrplyfwdmsg", "appendonsend", "x_appendonsend", "zwchr"}
_SIGNATURE_CLASSES = {"gmail_signature", "moz-signature", "x_gmail_signature"}
_SIGNATURE_IDS = {"signature", "x_signature", "ms-outlook-mobile-signature"}

_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(\.0*)?\s*(;|$)|font-size\s*:\s*0(px|pt|em|rem|%)?\s*(;|$)"
    r"|(max-)?height\s*:\s*0(px)?\s*(;|$)|color\s*:\s*(#fff(fff)?|white|transparent)\b", re.I)


def _is_hidden(attrs: dict) -> bool:
    return "hidden" in attrs or attrs.get("aria-hidden") == "true" or bool(_HIDDEN_STYLE.search(attrs.get("style") or ""))


def _tokens(attrs: dict) -> tuple[set[str], str]:
    classes = {c.lower() for c in (attrs.get("class") or "").split()}
    ident = (attrs.get("id") or "").lower()
    return classes, ident


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[str, bool]] = []
        self.line: list[str] = []
        self.line_quoted = False
        # One entry per open element: (tag, skipped, hidden, quoted, signature).
        self.stack: list[tuple[str, bool, bool, bool, bool]] = []
        self.open: Counter[str] = Counter()  # tags on the stack, so a stray end tag costs nothing
        self.rest_quoted = False

    def _state(self) -> tuple[bool, bool, bool, bool]:
        if not self.stack:
            return False, False, self.rest_quoted, False
        _, skipped, hidden, quoted, signature = self.stack[-1]
        return skipped, hidden, quoted or self.rest_quoted, signature

    def _break(self, hard: bool = False) -> None:
        """End the line: at a `<br>` always, at a block's edge only when the line holds text (nested
        `<div>`s make one line break, as a browser shows them)."""
        if hard or "".join(self.line).strip():
            self.lines.append(("".join(self.line), self.line_quoted))
        self.line, self.line_quoted = [], False

    def _paragraph(self) -> None:
        self._break()
        if self.lines and self.lines[-1][0].strip():
            self.lines.append(("", False))

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag in _SELF_CLOSING and self.stack and self.stack[-1][0] == tag:
            self._close(len(self.stack) - 1)
        classes, ident = _tokens(attrs)
        if ident in _REST_IDS:
            self.rest_quoted = True
        skipped, hidden, quoted, signature = self._state()
        if tag == "br":
            self._break(hard=True)
        elif tag in _PARAGRAPHS:
            self._paragraph()
        elif tag in _BLOCKS:
            self._break()
        if tag in _VOID:
            return
        self.open[tag] += 1
        self.stack.append((
            tag, skipped or tag in _SKIP, hidden or _is_hidden(attrs),
            quoted or tag == "blockquote" or bool(classes & _QUOTE_CLASSES) or ident in _QUOTE_IDS
            or ident.startswith("yahoo_quoted"),
            signature or bool(classes & _SIGNATURE_CLASSES) or ident in _SIGNATURE_IDS,
        ))

    def handle_endtag(self, tag):
        if tag in _PARAGRAPHS:
            self._paragraph()
        elif tag in _BLOCKS:
            self._break()
        if not self.open[tag]:
            return
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                self._close(depth)
                break

    def _close(self, depth: int) -> None:
        """Close the element at `depth` and every one opened inside it and left open."""
        for entry in self.stack[depth:]:
            self.open[entry[0]] -= 1
        del self.stack[depth:]

    def handle_data(self, data):
        skipped, hidden, quoted, signature = self._state()
        if skipped or hidden or signature:
            return
        self.line.append(data)
        if quoted and data.strip():
            self.line_quoted = True

    def text(self) -> str:
        self._break()
        while self.lines and not self.lines[-1][0].strip():
            self.lines.pop()
        lines = [(" ".join(text.split()), quoted) for text, quoted in self.lines]
        out = []
        for j, (text, quoted) in enumerate(lines):
            if text:
                out.append(f"> {text}" if quoted else text)
            elif out and out[-1].startswith(">") and next((q for t, q in lines[j + 1:] if t), False):
                out.append(">")  # a gap inside the quote stays inside it
            else:
                out.append("")
        return re.sub(r"\n{3,}", "\n\n", re.sub(r"(?:\n>)+\n>(?=\n)", "\n>", "\n".join(out))).strip()


def html_to_text(markup: str) -> str:
    """The visible text of an HTML body, its quoted history `>`-prefixed line by line."""
    parser = _TextOfHtml()
    parser.feed(markup or "")
    parser.close()
    return parser.text()
