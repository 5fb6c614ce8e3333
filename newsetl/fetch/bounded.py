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


class StreamDecoder:
    """Feed raw body chunks, get decoded bytes; raises ``BodyTooLarge`` past ``limit``."""

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
        self._done = False
        self._raw_deflate_tried = False
        self._d = self._new()

    def _new(self) -> zlib._Decompress | None:
        if self.coding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self.coding == "deflate":
            return zlib.decompressobj()  # zlib-wrapped; raw deflate tried on error
        return None

    def _count(self, piece: bytes) -> bytes:
        self.total += len(piece)
        if self.total > self.limit:
            raise BodyTooLarge(self.limit)
        return piece

    def feed(self, data: bytes) -> bytes:
        if self._d is None:
            return self._count(data)
        parts: list[bytes] = []
        while data and not self._done:
            try:
                piece = self._d.decompress(data, self.limit - self.total + 1)
            except zlib.error as exc:
                if self.coding == "deflate" and not self._raw_deflate_tried and self.total == 0:
                    # Some servers send raw deflate under "deflate": retry without the wrapper.
                    self._raw_deflate_tried = True
                    self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise BadEncoding(f"corrupt {self.coding} body: {exc}") from None
            parts.append(self._count(piece))
            if self._d.eof:
                data = self._d.unused_data
                if data and self.coding != "deflate" and data[:2] == b"\x1f\x8b":
                    self._d = self._new()  # next gzip member
                else:
                    self._done = True  # trailing garbage is ignored, as browsers do
                continue
            data = self._d.unconsumed_tail
        return b"".join(parts)

    def finish(self, strict: bool = True) -> bytes:
        """Flush; with ``strict``, a compressed stream that did not end is an error."""
        if self._d is None or self._done:
            return b""
        tail = self._count(self._d.flush(self.limit - self.total + 1))
        if strict and not self._d.eof:
            raise BadEncoding(f"truncated {self.coding} body")
        return tail


def gunzip_bounded(data: bytes, limit: int) -> bytes:
    """Unpack a gzip file (e.g. sitemap.xml.gz) held in memory, up to ``limit`` bytes."""
    dec = StreamDecoder("gzip", limit)
    return dec.feed(data) + dec.finish()
