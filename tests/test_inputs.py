"""Source stage: discovery and safe reading of files under raw_dir."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from newsetl.inputs import HTML, TEXT, InputError, decode, discover, read_page
from newsetl.settings import Settings

SETTINGS = Settings()


def _read(path: Path, root: Path, **caps) -> str:
    [inp] = [i for i in discover(root) if i.path == path]
    return read_page(inp, caps.get("max_file", 10_000_000), caps.get("max_unpacked", 10_000_000))


def _error(path: Path, root: Path, **caps) -> InputError:
    with pytest.raises(InputError) as info:
        _read(path, root, **caps)
    return info.value


def test_discovery_finds_every_kind_recursively_in_stable_order(tmp_path, samples_dir):
    for rel in ("b/page.HTML", "a/page.htm", "a/z/page.html.gz", "dump.txt", "notes.pdf", "LICENSE", ".hidden/x.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    found = {i.source_uri: i for i in discover(tmp_path, SETTINGS.ignore_globs)}
    assert list(found) == ["dump.txt", "notes.pdf", "a/page.htm", "a/z/page.html.gz", "b/page.HTML"]
    assert found["a/z/page.html.gz"].kind == HTML and found["a/z/page.html.gz"].compressed
    assert found["dump.txt"].kind == TEXT
    assert found["notes.pdf"].kind is None  # not skipped: it will be quarantined
    samples = [i.source_uri for i in discover(samples_dir, SETTINGS.ignore_globs)]
    assert len(samples) == 16 and not any(s.endswith(("LICENSE", ".md")) for s in samples)


def test_symlinks_are_not_followed_out_of_raw_dir(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret " * 100)
    raw = tmp_path / "raw"
    raw.mkdir()
    os.symlink(outside, raw / "linkdir")
    os.symlink(outside / "secret.txt", raw / "link.txt")
    found = list(discover(raw))
    assert [i.source_uri for i in found] == ["link.txt"]
    with pytest.raises(InputError) as info:
        read_page(found[0], 10_000, 10_000)
    assert info.value.check == "not_a_file"


def test_fetch_sidecar_gives_the_page_its_url(tmp_path):
    (tmp_path / "ab").mkdir()
    (tmp_path / "ab" / "abcd.html.gz").write_bytes(gzip.compress(b"<html></html>"))
    (tmp_path / "ab" / "abcd.meta.json").write_text(json.dumps({"url": "http://x.org/a", "final_url": "https://x.org/a"}))
    [inp] = discover(tmp_path)
    assert inp.url == "https://x.org/a"


def test_size_caps_and_broken_files(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 3000)
    assert _error(big, tmp_path, max_file=10_000).check == "file_too_large"
    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip.compress(b"<p>" + b"a" * 5_000_000))
    assert len(bomb.read_bytes()) < 10_000
    assert _error(bomb, tmp_path, max_unpacked=1_000_000).check == "decompressed_too_large"
    truncated = tmp_path / "cut.html.gz"
    truncated.write_bytes(gzip.compress(os.urandom(5000))[:1000])
    assert _error(truncated, tmp_path).check == "corrupt_gzip"
    notgzip = tmp_path / "plain.html.gz"
    notgzip.write_bytes(b"<html>not compressed</html>")
    assert _error(notgzip, tmp_path).check == "corrupt_gzip"
    blank = tmp_path / "blank.txt"
    blank.write_bytes(b" \n\t\n")
    assert _error(blank, tmp_path).check == "empty_file"


def test_decoding_follows_declared_charset_then_utf8_then_detection():
    cp1252 = "Café owners said “no” – again. ".encode("cp1252") * 20
    assert decode(cp1252, TEXT).startswith("Café owners said “no” – again.")
    latin = b'<html><head><meta charset="iso-8859-1"></head><body>na\xefve r\xe9sum\xe9</body></html>'
    assert "naïve résumé" in decode(latin, HTML)
    assert decode("\ufeffbonjour".encode("utf-8"), TEXT) == "bonjour"
    bogus = b'<meta charset="no-such-charset"><p>ok</p>'
    assert "ok" in decode(bogus, HTML)
    with pytest.raises(InputError) as info:
        decode(b"\x00\x01\x02" * 100, TEXT)
    assert info.value.check == "binary_content"
