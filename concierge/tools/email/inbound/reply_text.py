"""The customer's own words in a reply: plain text (from the HTML part when there is no text part),
without the quoted earlier messages, the signature, the mobile tagline and the legal footer.

A reply's shape decides what a quote marker means. An attribution ("On …, Ana wrote:") followed by
`>` lines only heads that quote: the customer may answer below it or between its lines (bottom-posted
and interleaved replies), so the unquoted lines after it are still theirs. An attribution followed by
unquoted text, an Outlook header block (From:/Sent:/To:/Subject:, in any of the languages in
`reply_markers`) or an "Original Message" / "Forwarded message" separator opens the earlier message
as it was pasted under the reply: everything from there on is history.
"""

from __future__ import annotations

import re

from concierge.tools.email.inbound.html_text import html_to_text
from concierge.tools.email.inbound.reply_markers import header_label, is_attribution, is_device_suffix, is_legal_footer, is_separator, is_tagline

__all__ = ["MAX_READ_CHARS", "html_to_text", "own_words", "plain_text", "reply_words"]

# What a reply's own words reasonably hold; more is pasted material, and parsing it would only cost time.
MAX_READ_CHARS = 20_000

_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"), None) | {0xA0: " ", 0x202F: " "}
# A line that only draws a rule: "-----", "_____", "—————", "=====", "*****".
_RULE = re.compile(r"^\s*(?:[-_=*~–—•·]\s*){3,}$")
_SENTENCE_END = re.compile(r"[.!?…]\s*$")
# A wrapped attribution continues on a line that starts with an address, a bracket or a lower-case word.
_CONTINUES = re.compile(r"^\s*(?:[<\"'(\[]|>:|[a-zà-ÿа-я])", re.U)
_TAGLINE_LOOKAHEAD = 40
_HEADER_GAP = 1  # lines that are not headers allowed inside a header block ("On Behalf Of …", a wrapped To:)


def own_words(text: str) -> str:
    """The reply without the quoted earlier messages (our own emails carry numbers that are not the
    customer's), the signature block, the tagline of a phone's mail app and a legal footer."""
    return "\n".join(_own_lines(_lines(text))).strip()


def signature_block(text: str) -> str:
    """What the customer's mail put below their own words and above the quoted history: the
    signature, a contact block, a tagline, a footer (a number there is a desk line, to ask about)."""
    lines = _lines(text)
    return "\n".join(_above_quote(lines, through_signature=True)[len(_own_lines(lines)):]).strip()


def _own_lines(lines: list[str]) -> list[str]:
    return _without_trailers(_above_quote(lines, through_signature=False))


def _lines(text: str) -> list[str]:
    return (text or "").translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _above_quote(lines: list[str], *, through_signature: bool) -> list[str]:
    """The reply's lines before the quoted history; without `through_signature`, also before a
    signature delimiter or a closing tagline."""
    kept: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        span = _attribution_span(lines, i)
        if span:
            after = _next_text(lines, i + span)
            if after is not None and _quoted(lines[after]):
                i += span  # it only heads a `>` quote: the customer may write below it
                continue
            break
        if _quoted(line):
            i += 1
            continue
        if is_separator(line) or _header_block_at(lines, i):
            break
        if not through_signature and (_signature_delimiter(line) or (is_tagline(line) and _nothing_of_theirs_after(lines, i + 1))):
            break
        kept.append(line.rstrip())
        i += 1
    return kept


def reply_words(text: str) -> str:
    """What the reply's parse step reads: the customer's own words, capped."""
    return own_words(text)[:MAX_READ_CHARS]


def plain_text(text: str | None, html_body: str | None) -> str:
    """The text part when there is one, else the HTML part as text (its quoted history `>`-marked)."""
    if text and text.strip():
        return text
    return html_to_text(html_body or "")


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _signature_delimiter(line: str) -> bool:
    """RFC 3676's "-- " and the "--" that clients leave when they trim the space."""
    return line.rstrip() in ("--", "-- ") or line.strip() in ("--", "—", "– –")


def _next_text(lines: list[str], start: int) -> int | None:
    for j in range(start, len(lines)):
        if lines[j].strip():
            return j
    return None


def _attribution_span(lines: list[str], i: int) -> int:
    """How many lines the attribution starting at line i spans (clients wrap it over two or three), or 0."""
    first = lines[i]
    if not first.strip() or _quoted(first):
        return 0
    if is_attribution(first):
        return 1
    if _SENTENCE_END.search(first) or len(first) > 250 or i + 1 >= len(lines):
        return 0
    second = lines[i + 1]
    unfinished = first.rstrip().endswith((",", "<", "(", '"'))
    if not unfinished and not _CONTINUES.match(second) and any(is_attribution(_joined(lines[i + 1:i + 1 + k])) for k in (1, 2)):
        return 0  # the attribution starts on the next line: this one is the customer's
    for span in (2, 3):
        part = lines[i:i + span]
        if len(part) < span or not part[-1].strip() or (_quoted(part[-1]) and part[-1].strip() != ">:"):
            return 0
        if is_attribution(_joined(part)):
            return span
    return 0


def _joined(part: list[str]) -> str:
    return " ".join(p.strip() for p in part)


def _header_block_at(lines: list[str], i: int) -> bool:
    """Line i opens the header block of an earlier message: at least two kinds of header (From, Sent or
    Date, To, Subject, Cc) close together, and enough of them (or an address in From) that it is not the
    customer writing "From: 14 April / To: 18 April"."""
    first = header_label(lines[i])
    if first is None:
        return False
    roles: dict[str, str] = {first[0]: first[1]}
    gaps: list[int] = []  # lines between one header and the next
    gap = others = 0
    for line in lines[i + 1:i + 16]:
        label = header_label(line) if line.strip() else None
        if label is None:
            gap += 1
            others += bool(line.strip())
            if others > _HEADER_GAP:
                break
            continue
        if label[0] in roles:
            break  # a header seen again starts another block: "From: 14 April / To: 18 April" then the quote's
        roles[label[0]] = label[1]
        gaps.append(gap)
        gap = others = 0
    if len(roles) < 2 or (gaps[0] > 0 and max(gaps[1:], default=0) == 0 and len(gaps) > 1):
        return False  # set apart from a tight block below it: the customer's line, and the block starts there
    return len(roles) >= 3 or "subject" in roles or "@" in roles.get("from", "") or "mailto:" in roles.get("from", "")


def _nothing_of_theirs_after(lines: list[str], start: int) -> bool:
    """After a tagline only blank lines, quotes, signatures and other taglines follow (looked at for a
    bounded stretch, so a message of many taglines costs no more than a few passes)."""
    for j in range(start, min(len(lines), start + _TAGLINE_LOOKAHEAD)):
        line = lines[j]
        if not line.strip() or _quoted(line) or is_tagline(line):
            continue
        return bool(_attribution_span(lines, j) or is_separator(line) or _header_block_at(lines, j)
                    or _signature_delimiter(line))
    return start + _TAGLINE_LOOKAHEAD >= len(lines)


def _without_trailers(lines: list[str]) -> list[str]:
    """The customer's lines without what mail software and companies append below them."""
    lines = _cut_legal_footer(lines)
    lines = _cut_ruled_footer(lines)
    lines = _cut_device_suffix(lines)
    lines = _cut_contact_block(lines)
    while lines and (not lines[-1].strip() or _RULE.match(lines[-1])):
        lines.pop()
    return lines


def _paragraph_starts(lines: list[str]) -> list[int]:
    return [j for j, line in enumerate(lines) if line.strip() and (j == 0 or not lines[j - 1].strip())]


def _first_text(lines: list[str]) -> int:
    return next((j for j, line in enumerate(lines) if line.strip()), len(lines))


def _cut_legal_footer(lines: list[str]) -> list[str]:
    first = _first_text(lines)
    for start in _paragraph_starts(lines):
        end = _next_blank(lines, start)
        if start > first and is_legal_footer(" ".join(lines[start:end])):
            return lines[:start]
    return lines


def _next_blank(lines: list[str], start: int) -> int:
    return next((j for j in range(start, len(lines)) if not lines[j].strip()), len(lines))


# A signature or mailing-list footer under a rule is short; a rule with a long text under it is the customer's.
_MAX_RULED_FOOTER_LINES = 15


def _cut_ruled_footer(lines: list[str]) -> list[str]:
    first = _first_text(lines)
    below = sum(1 for line in lines[first + 1:] if line.strip())  # text lines below line j, kept up to date
    for j in range(first + 1, len(lines)):
        below -= bool(lines[j].strip())
        if below <= _MAX_RULED_FOOTER_LINES and _RULE.match(lines[j]):
            return lines[:j]
    return lines


def _cut_device_suffix(lines: list[str]) -> list[str]:
    """"Ana Costa / via mobile": the name line and the device it was sent from are the app's signature."""
    text = [j for j, line in enumerate(lines) if line.strip()]
    if len(text) < 3 or not is_device_suffix(lines[text[-1]]):
        return lines
    name = lines[text[-2]].strip()
    if _name_like(name) and text[-2] == text[-1] - 1:
        return lines[:text[-2]]
    return lines[:text[-1]]


_CONTACT = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.-]+|\bwww\.|https?://|[☎📞📱📧✉]|"
    r"^\s*(?:tel|tél|phone|mob|mobile|cell|fax|m|t|f|p|e|w|direct|office|telefon|telefone|teléfono|telefono|"
    r"handy|móvil|movil|cel|tlf|puh|тел|email|e-mail|web)\.?\s*[:.]?\s*[+(\d]", re.I)
_SIGN_OFF = re.compile(
    r"^\s*(?:thanks|thank you|many thanks|best|regards|kind regards|best regards|warm regards|cheers|sincerely|"
    r"yours|all the best|cordialement|bien à vous|merci|salutations|mit freundlichen grüßen|viele grüße|"
    r"beste grüße|grüße|lg|mfg|saludos|un saludo|atentamente|gracias|cumprimentos|atenciosamente|obrigad[oa]|"
    r"cordiali saluti|saluti|grazie|met vriendelijke groet|groeten|pozdrawiam|z poważaniem|med vänliga hälsningar|"
    r"hälsningar|med venlig hilsen|med vennlig hilsen|hilsen|mvh|ystävällisin terveisin|terveisin|"
    r"с уважением|спасибо)\b[\s\w,!.]*$", re.I)


def _name_like(line: str) -> bool:
    words = line.strip().split()
    return 0 < len(words) <= 4 and not re.search(r"[\d@:;!?]", line) and line.strip()[:1].isupper()


def _cut_contact_block(lines: list[str]) -> list[str]:
    """A signature without a delimiter: below the last paragraph's name line, two or more lines of
    addresses, websites or labelled numbers (the sender's desk details, not an answer)."""
    starts = _paragraph_starts(lines)
    if len(starts) < 2:
        return lines
    start = starts[-1]
    block = [j for j in range(start, len(lines)) if lines[j].strip()]
    if _SIGN_OFF.match(lines[start]) and len(block) > 1:
        keep = block[1] + 1  # "Best regards," and the name under it stay
    elif _name_like(lines[start]):
        keep = start
    else:
        return lines
    contacts = [j for j in block if j >= keep and _CONTACT.search(lines[j])]
    if len(contacts) >= 2 and all(len(lines[j]) <= 100 for j in block):
        return lines[:keep]
    return lines
