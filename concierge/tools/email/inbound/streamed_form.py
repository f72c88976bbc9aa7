"""A `multipart/form-data` post read as it streams in (python-multipart's parser fed chunk by chunk):
form fields are kept as bytes, for the caller to decode by the charset the sender names; files are
counted and dropped, only their field, file name, type and size kept, so a reply with photos costs
no memory. Past `max_bytes` nothing more is kept and the rest of the post is read and discarded,
so the sender gets its answer rather than a broken connection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.multipart import MultipartParser, parse_options_header


@dataclass(frozen=True)
class Attachment:
    field: str
    filename: str
    content_type: str
    size: int


@dataclass
class StreamedForm:
    fields: dict[str, bytes] = field(default_factory=dict)
    field_types: dict[str, str] = field(default_factory=dict)  # a field part's own Content-Type, when it has one
    attachments: list[Attachment] = field(default_factory=list)
    size: int = 0  # bytes of the whole post
    too_large: bool = False  # the post went past max_bytes: what came after that point was not kept


class _Collector:
    """python-multipart's callbacks: one part at a time, its headers, then its data."""

    def __init__(self, form: StreamedForm) -> None:
        self.form = form
        self.header_name = self.header_value = b""
        self.headers: dict[bytes, bytes] = {}
        self.name = self.filename = self.content_type = ""
        self.is_file = False
        self.data = bytearray()
        self.size = 0

    def on_part_begin(self) -> None:
        self.headers, self.data, self.size = {}, bytearray(), 0

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_name.lower()] = self.header_value
        self.header_name = self.header_value = b""

    def on_headers_finished(self) -> None:
        _, disposition = parse_options_header(self.headers.get(b"content-disposition"))
        self.name = disposition.get(b"name", b"").decode("utf-8", "replace")
        self.is_file = b"filename" in disposition
        self.filename = disposition.get(b"filename", b"").decode("utf-8", "replace")
        self.content_type = self.headers.get(b"content-type", b"").decode("latin-1")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self.size += end - start
        if not self.is_file:
            self.data += data[start:end]

    def on_part_end(self) -> None:
        if self.is_file:
            self.form.attachments.append(Attachment(self.name, self.filename, self.content_type, self.size))
        elif self.name:
            self.form.fields[self.name] = bytes(self.data)
            if self.content_type:
                self.form.field_types[self.name] = self.content_type


async def read_form(chunks: AsyncIterator[bytes], content_type: str, *, max_bytes: int) -> StreamedForm:
    """The form a post carries; `ValueError` when it is not well-formed multipart/form-data."""
    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data" or not params.get(b"boundary"):
        raise ValueError("expected a multipart/form-data body with a boundary")
    form = StreamedForm()
    collector = _Collector(form)
    parser = MultipartParser(params[b"boundary"], {  # type: ignore[arg-type]
        name: getattr(collector, name) for name in ("on_part_begin", "on_header_field", "on_header_value", "on_header_end",
                                                    "on_headers_finished", "on_part_data", "on_part_end")})
    async for chunk in chunks:
        form.size += len(chunk)
        if form.too_large:
            continue  # drained, not kept
        if form.size > max_bytes:
            form.too_large = True
            continue
        parser.write(chunk)  # raises MultipartParseError (a ValueError) on a malformed body
    if not form.too_large:
        parser.finalize()
    return form
