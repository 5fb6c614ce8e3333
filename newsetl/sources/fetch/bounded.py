"""Content-Encoding decoding that stops at a byte cap instead of unpacking a bomb.

zlib is asked for at most ``cap + 1`` output bytes per step (``max_length``), so memory
stays bounded by the cap however small the compressed input is.
"""

from __future__ import annotations

import zlib


class BodyTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"decompressed body exceeds the cap of {limit} bytes")
        self.limit = limit


class BadEncoding(Exception):
    """Unsupported or corrupt Content-Encoding."""


SUPPORTED_ENCODINGS = ("identity", "gzip", "x-gzip", "deflate")


GZIP_MAGIC = b"\x1f\x8b"


class StreamDecoder:
    """Feed raw body chunks, get decoded bytes; raises ``BodyTooLarge`` past ``limit``.

    A body labelled gzip or deflate that is not compressed at all (servers and archives
    do this: real ClueWeb records say gzip over plain HTML) is read as the plain body it
    is: gzip is recognised by its magic bytes; deflate is tried as zlib, then as raw
    deflate, and is plain if both fail before producing a byte. ``plain`` tells.
    """

    def __init__(self, content_encoding: str | None, limit: int):
        codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1:
            raise BadEncoding(f"stacked Content-Encoding {content_encoding!r} is not supported")
        self.coding = codings[0] if codings else "identity"
        if self.coding not in SUPPORTED_ENCODINGS:
            raise BadEncoding(f"Content-Encoding {self.coding!r} is not supported")
        self.limit = limit
        self.total = 0
        self.plain = self.coding == "identity"
        self._done = False
        self._d: zlib._Decompress | None = None
        self._between = False  # a gzip member ended and no byte of another was decoded
        # Decoders still to try, in order, while nothing has been decoded.
        self._modes = ["gzip"] if self.coding in ("gzip", "x-gzip") else ["zlib", "raw", "plain"]
        # Input held until the first decoded byte, to try the next mode on (at most limit).
        self._head = b""

    def _count(self, piece: bytes) -> bytes:
        self.total += len(piece)
        if self.total > self.limit:
            raise BodyTooLarge(self.limit)
        return piece

    def _start(self) -> None:
        """Take the next mode: a decompressor, or plain (gzip without its magic bytes)."""
        mode = self._modes.pop(0)
        if mode == "gzip" and self._head[:2] != GZIP_MAGIC:
            mode = "plain"
        self.plain = mode == "plain"
        wbits = {"gzip": 16 + zlib.MAX_WBITS, "zlib": zlib.MAX_WBITS, "raw": -zlib.MAX_WBITS}.get(mode)
        self._d = None if wbits is None else zlib.decompressobj(wbits)

    def _retry(self, why: str) -> bytes:
        """The current mode failed: the next one on everything fed so far, if nothing
        was decoded yet; else the body is corrupt."""
        if self.total or not self._modes or len(self._head) > self.limit:
            raise BadEncoding(f"corrupt {self.coding} body: {why}")
        self._start()
        return self._count(self._head) if self.plain else self._inflate(self._head)

    def feed(self, data: bytes) -> bytes:
        if self.plain:
            return self._count(data)
        if self.total == 0 and len(self._head) <= self.limit:
            self._head += data
        if self._d is None:  # the first bytes decide
            if len(self._head) < 2:
                return b""
            self._start()
            return self._count(self._head) if self.plain else self._inflate(self._head)
        return self._inflate(data)

    def _inflate(self, data: bytes) -> bytes:
        assert self._d is not None
        parts: list[bytes] = []
        while data and not self._done:
            try:
                piece = self._d.decompress(data, self.limit - self.total + 1)
            except zlib.error as exc:
                if self._between:  # not another gzip member: trailing garbage, ignored as browsers do
                    self._done = True
                    break
                return self._retry(str(exc))
            parts.append(self._count(piece))
            self._between = self._between and not piece
            if self._d.eof:
                data = self._d.unused_data
                if self.coding == "deflate":
                    self._done = True  # trailing garbage is ignored
                else:  # another gzip member may follow, in this chunk or the next
                    self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    self._between = True
                continue
            data = self._d.unconsumed_tail
        return b"".join(parts)

    def finish(self, strict: bool = True) -> bytes:
        """Flush; with ``strict``, a compressed stream that did not end is an error."""
        if self.plain or self._done or self._between:
            return b""
        if self._d is None:  # fewer than two bytes in all: nothing compressed fits
            self.plain = True
            return self._count(self._head)
        try:
            tail = self._count(self._d.flush(self.limit - self.total + 1))
        except zlib.error as exc:
            return self._retry(str(exc)) + self.finish(strict)
        if strict and not self._d.eof:
            if self.total == 0 and self._modes:
                return self._retry("the stream ends before any data") + self.finish(strict)
            raise BadEncoding(f"truncated {self.coding} body")
        return tail


def gunzip_bounded(data: bytes, limit: int) -> bytes:
    """Unpack a gzip file (e.g. sitemap.xml.gz) held in memory, up to ``limit`` bytes."""
    dec = StreamDecoder("gzip", limit)
    return dec.feed(data) + dec.finish()
