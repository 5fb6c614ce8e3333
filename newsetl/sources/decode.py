"""Bytes of a page to text, never raising: BOM, then the HTTP charset, then a
``<meta>`` / XML declaration, then strict UTF-8, then detection. The one decoder of
newsetl: fetched pages, feeds, stored pages and files on disk all go through it.

Detection is charset-normalizer, with one correction: for text in a Latin script it
often answers cp1250 (or another Latin code page) for English pages written in
Windows-1252, which garbles letters such as ``ï``. When its guess is a Latin code page
and Windows-1252 reads the bytes at least as plausibly, Windows-1252 is used (it is
also the WHATWG default for unlabelled Western pages). A declared ISO-8859-1/ASCII
label is read as Windows-1252, as browsers do. Bytes that are valid UTF-8 with
multi-byte characters are read as UTF-8 whatever label they carry (a server default or
a template's stale ``<meta>``, not a fact): text in a legacy code page (cp1252, gb2312,
Shift_JIS, KOI8-R, ...) is valid UTF-8 by chance only when very short. The other way
round, a UTF-8 label on bytes with no UTF-8 character at all is passed over (the next
label, then detection decide): read as UTF-8, each accented letter was lost to U+FFFD.
UTF-16 and UTF-32 without a BOM are told by where their NUL bytes fall.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:\-]+)["']""")
# WHATWG Encoding Standard: these labels mean windows-1252 in a browser.
_AS_CP1252 = {"iso8859-1", "latin-1", "ascii", "cp1252"}
# Python text codecs that no page is written in: they raise on any bytes (undefined, idna
# with errors="replace"), read backslashes as escapes, or are UTF-7, which browsers refuse.
_NOT_PAGE_ENCODINGS = {"undefined", "idna", "punycode", "unicode-escape", "raw-unicode-escape", "utf-7"}
# charset-normalizer answers that mean "some Latin-script single-byte code page".
_LATIN_GUESSES = {
    "cp1250", "cp1252", "cp1254", "cp1257", "cp775", "cp850", "cp852", "cp437", "cp858",
    "latin_1", "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_9", "iso8859_10", "iso8859_13",
    "iso8859_14", "iso8859_15", "iso8859_16", "mac_latin2", "mac_roman", "mac_iceland", "mac_turkish",
}  # fmt: skip
_COMMON_SYMBOLS = set("\u00a0\u00a3\u00a5\u00a7\u00a9\u00ab\u00ae\u00b0\u00b1\u00b4\u00b7\u00bb\u20ac\u2122")
_DETECT_BYTES = 200_000
# Bytes looked at to tell UTF-16/32 without a BOM by where their NUL bytes fall.
_WIDE_SNIFF_BYTES = 4096
# Control characters that text does not hold (tab, line feeds, form feed and carriage
# return are text). More than one in twenty of a page's head: binary data, not text.
# Counted by deleting the others, in C (a loop over the bytes cost 0.4 ms a page, D79).
_CONTROLS = "".join(chr(c) for c in range(32) if c < 9 or 13 < c)
_CONTROL_BYTES = _CONTROLS.encode("ascii")
_NO_CONTROLS = dict.fromkeys(map(ord, _CONTROLS))
#: The first bytes of every PDF file (ISO 32000: "%PDF-1.7").
PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # a Python codec name
    # bom | header | meta | utf-8 | detected | fallback (not UTF-8 and the detector had
    # no usable answer: read as cp1252, likely not text at all)
    source: str


def normalize_label(label: str | None) -> str | None:
    """A charset label to a Python codec name, or None if unknown/unusable."""
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip().strip("\"'"))
    except LookupError:
        return None
    name = info.name
    if not getattr(info, "_is_text_encoding", True) or name in _NOT_PAGE_ENCODINGS:
        return None  # base64, zlib, rot13...: Python codecs, not charsets; they raised in decode
    if name in _AS_CP1252:
        return "cp1252"
    if name == "utf-8-sig":  # a BOM is read before any label
        return "utf-8"
    if name.startswith("utf-16") or name.startswith("utf-32"):
        # A UTF-16 label in an ASCII-compatible document is a lie (WHATWG: use UTF-8).
        return "utf-8"
    return name


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _HEADER_CHARSET.search(content_type)
    return m.group(1) if m else None


def declared_in_document(data: bytes) -> str | None:
    """Charset named by an XML declaration or a <meta> tag in the first 4 KiB."""
    head = data[:4096]
    m = _XML_DECL.match(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii", errors="ignore") if m else None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte sequence cut by a size cap at the very end still counts as UTF-8.
        return exc.start >= len(data) - 3 and exc.reason == "unexpected end of data"
    return True


def _plausibility(text: str) -> float:
    """Share of non-ASCII characters that are letters or usual punctuation/symbols."""
    odd = total = 0
    for ch in text:
        if ch < "\x80":
            continue
        total += 1
        if ch in _COMMON_SYMBOLS or "\u2010" <= ch <= "\u2027":
            continue
        if not unicodedata.category(ch).startswith("L"):
            odd += 1
    return 1.0 if total == 0 else 1.0 - odd / total


def detect(data: bytes) -> str | None:
    """Best codec for bytes that are not UTF-8 (see module doc), or None without a
    usable guess; never raises."""
    sample = data[:_DETECT_BYTES]
    try:
        best = from_bytes(sample).best()
    except Exception:  # noqa: BLE001 - detection must never take a page down
        best = None
    guess = normalize_label(best.encoding) if best is not None and best.encoding else None
    if guess is None or guess == "utf-8":
        return None  # not UTF-8 (checked before) and no usable guess
    try:
        sample[:-8].decode(guess)
    except UnicodeDecodeError:
        return None  # the guess cannot even read the bytes
    if guess in _LATIN_GUESSES and guess != "cp1252":
        as_1252 = sample.decode("cp1252", errors="replace")
        as_guess = sample.decode(guess, errors="replace")
        if _plausibility(as_1252) >= _plausibility(as_guess):
            return "cp1252"
    return guess


def _multibyte_utf8(data: bytes) -> bool:
    """Valid UTF-8 with at least one multi-byte character: the bytes prove UTF-8."""
    return not data[:_DETECT_BYTES].isascii() and _is_utf8(data)


def _wide_by_shape(data: bytes) -> str | None:
    """UTF-16 or UTF-32 without a BOM, told by where the NUL bytes of its ASCII
    characters fall (markup and Latin text are mostly ASCII): every 4th byte of 4 NUL in
    UTF-32, every other one in UTF-16, and none in the other places. None when the bytes
    do not have that shape or do not decode strictly as it."""
    head = data[:_WIDE_SNIFF_BYTES]
    if b"\x00" not in head or len(head) < 8:
        return None

    def nul_share(offset: int, step: int) -> float:
        lane = head[offset::step]
        return lane.count(0) / max(len(lane), 1)

    shapes = (
        ("utf-32-le", 4, nul_share(3, 4) == 1 and nul_share(2, 4) > 0.9 and nul_share(0, 4) == 0),
        ("utf-32-be", 4, nul_share(0, 4) == 1 and nul_share(1, 4) > 0.9 and nul_share(3, 4) == 0),
        ("utf-16-le", 2, nul_share(1, 2) > 0.3 and nul_share(0, 2) == 0),
        ("utf-16-be", 2, nul_share(0, 2) > 0.3 and nul_share(1, 2) == 0),
    )
    for name, unit, fits in shapes:
        if fits:
            sample = head[: len(head) - len(head) % unit]
            try:
                sample.decode(name)
            except UnicodeDecodeError as exc:
                if exc.start < len(sample) - 4:  # not only a surrogate pair cut at the end
                    return None
            return name
    return None


def wide_unicode(data: bytes) -> str | None:
    """The codec of UTF-16 or UTF-32 bytes (by their BOM, or by the shape of their NUL
    bytes), else None: such text is full of NUL bytes and is not binary data."""
    name, source = next(((n, "bom") for bom, n in _BOMS if data.startswith(bom)), (None, None))
    if source == "bom":
        return name if name.startswith(("utf-16", "utf-32")) else None
    return _wide_by_shape(data)


def looks_binary(data: bytes) -> bool:
    """Binary data rather than text: a PDF, or a NUL, or more than one control character
    in twenty, in the first 8 KiB; UTF-16/32 text is judged by its characters, not its
    bytes. The one binary test: files on disk (``disk.decode``) and fetched pages (the
    fetcher's ``html_refusal``) both ask it (D99, D104)."""
    if data.startswith(PDF_MAGIC):  # a PDF's first objects can be plain ASCII for kilobytes
        return True
    head = data[:8192]
    wide = wide_unicode(head)
    if wide is not None:
        text = head[_bom_length(head) :].decode(wide, errors="replace")
        return "\x00" in text or len(text) - len(text.translate(_NO_CONTROLS)) > len(text) * 0.05
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > len(head) * 0.05


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _never_utf8(data: bytes) -> bool:
    """Bytes past ASCII none of which forms a UTF-8 character: a UTF-8 label on them is
    a lie (a legacy page behind a server or template default), not damaged UTF-8."""
    sample = data[:_DETECT_BYTES]
    return not sample.isascii() and _UTF8_MULTIBYTE.search(sample) is None and not _is_utf8(data)


def choose_encoding(data: bytes, content_type: str | None = None, *, charset: str | None = None) -> tuple[str, str]:
    """(codec, source) for a page: source is bom | header | meta | utf-8 | detected | fallback.

    ``charset``: a label known from outside the bytes, as the HTTP header's (the
    fetcher's choice kept in a stored page's sidecar); it stands for ``content_type``'s.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, "bom"
    if wide := _wide_by_shape(data):
        return wide, "detected"
    for source, label in (
        ("header", charset or charset_from_content_type(content_type)),
        ("meta", declared_in_document(data)),
    ):
        name = normalize_label(label)
        if name is None or (name == "utf-8" and _never_utf8(data)):
            continue
        if name != "utf-8" and _multibyte_utf8(data):
            return "utf-8", "utf-8"
        return name, source
    if _is_utf8(data):
        return "utf-8", "utf-8"
    guess = detect(data)
    return (guess, "detected") if guess else ("cp1252", "fallback")


def decode_html(data: bytes, content_type: str | None = None, *, charset: str | None = None) -> Decoded:
    """Decode a page (or feed) the way a browser would, with the corrections above."""
    name, source = choose_encoding(data, content_type, charset=charset)
    if source == "bom":
        data = data[_bom_length(data) :]
    try:
        return Decoded(data.decode(name, errors="replace"), name, source)
    except (LookupError, UnicodeError):  # a codec that cannot read bytes: never raise
        return Decoded(data.decode("cp1252", errors="replace"), "cp1252", "fallback")


def _bom_length(data: bytes) -> int:
    for bom, _name in _BOMS:
        if data.startswith(bom):
            return len(bom)
    return 0
