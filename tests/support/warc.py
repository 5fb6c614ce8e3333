"""A small WARC file of given pages, written as crawlers write them (for the WARC tests)."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def write_warc(path: Path, pages: dict[str, bytes]) -> None:
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "newsetl tests"}))
        for i, (url, html) in enumerate(pages.items()):
            headers = [("Content-Type", "text/html")]
            payload = html
            if i == 0:  # one record keeps the payload as sent, gzip-encoded
                headers.append(("Content-Encoding", "gzip"))
                payload = gzip.compress(html)
            elif i == 1:  # one says gzip over the plain page, as real ClueWeb records do
                headers.append(("Content-Encoding", "gzip"))
            headers.append(("Content-Length", str(len(payload))))
            http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=http))
        for url, status, ctype, body in (
            ("http://news.example.invalid/gone", "404 Not Found", "text/html", b"<html>gone</html>"),
            ("http://news.example.invalid/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n"),
        ):
            http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))
