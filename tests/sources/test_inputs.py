"""Source stage: discovery and safe reading of files under raw_dir."""

from __future__ import annotations

import gzip
import json
import os
import time
from pathlib import Path

import pytest
from support.malformed_corpus import remove_tree, write_deep

from newsetl.extract.identity import article_id_for
from newsetl.run.incremental import file_state
from newsetl.sources.disk import HTML, TEXT, InputError, decode, discover, read_page
from newsetl.sources.fetch.sources import links_from_document
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


def test_gzip_members_are_all_read_and_gzip_in_gzip_is_named(tmp_path):
    # Several members one after the other (`cat a.gz b.gz`, bgzip): only the first was
    # read, and the page landed cut without a word.
    first, second = b"<html><body><p>First half. ", b"Second half.</p></body></html>"
    (tmp_path / "members.html.gz").write_bytes(gzip.compress(first) + gzip.compress(second) + b"\0" * 16)
    assert _read(tmp_path / "members.html.gz", tmp_path) == (first + second).decode()
    # the cap holds over all the members together
    (tmp_path / "many.html.gz").write_bytes(gzip.compress(b"a" * 600_000) * 3)
    assert _error(tmp_path / "many.html.gz", tmp_path, max_unpacked=1_000_000).check == "decompressed_too_large"
    cut = gzip.compress(first) + gzip.compress(second)[:-6]
    (tmp_path / "cut-member.html.gz").write_bytes(cut)
    assert _error(tmp_path / "cut-member.html.gz", tmp_path).check == "corrupt_gzip"
    # bgzip's blocks are read; half a million empty members are refused at once, not
    # unpacked one by one for minutes
    blocks = b"".join(gzip.compress(first + b"x" * 60_000 + second) for _ in range(300))
    (tmp_path / "bgzip.html.gz").write_bytes(blocks)
    assert len(_read(tmp_path / "bgzip.html.gz", tmp_path, max_unpacked=20_000_000)) == 300 * (60_000 + 57)
    (tmp_path / "empties.html.gz").write_bytes(gzip.compress(b"") * 500_000)
    started = time.monotonic()
    error = _error(tmp_path / "empties.html.gz", tmp_path)
    assert error.check == "corrupt_gzip" and "gzip members" in error.reason
    assert time.monotonic() - started < 2
    # a .gz of a .gz: said as such, not "binary data"
    (tmp_path / "twice.html.gz").write_bytes(gzip.compress(gzip.compress(first + second)))
    error = _error(tmp_path / "twice.html.gz", tmp_path)
    assert error.check == "nested_gzip" and "gzip file inside" in error.reason


def test_a_hostile_sidecar_stops_nothing(tmp_path):
    # A .meta.json nested past Python's recursion limit raised RecursionError out of
    # discovery: one 200 KB file beside a page stopped the whole run.
    page = "<html><body><p>" + "word " * 100 + "</p></body></html>"
    (tmp_path / "page.html").write_text(page)
    (tmp_path / "page.meta.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "other.html").write_text(page.replace("word", "other"))
    (tmp_path / "other.meta.json").write_text('{"url": 5, "final_url": ["x"], "encoding": "base64"}')
    found = {i.source_uri: i for i in discover(tmp_path)}
    assert set(found) == {"page.html", "other.html"}
    assert found["page.html"].url is found["page.html"].encoding is found["other.html"].url is None
    assert "other other" in read_page(found["other.html"], 10_000_000, 10_000_000)  # "base64": no charset
    # the fetcher's own readers of its sidecars and state files
    from newsetl.sources.fetch.rawstore import RawStore

    store = RawStore(tmp_path)
    sha = "ab" * 32
    store.meta_path(sha).parent.mkdir(parents=True, exist_ok=True)
    store.meta_path(sha).write_text("[" * 100_000)
    assert store.read_meta(sha) is None


def test_one_guarded_json_reader_for_sidecars_and_state(tmp_path):
    # The four JSON reads of sidecars and state files go through one reader that says None
    # for anything but a readable JSON object. read_stored_page had its own: a sidecar
    # holding a list, or headers that are not an object, raised AttributeError.
    from newsetl.sources.fetch.rawstore import RawStore, read_stored_page
    from newsetl.sources.jsonfile import json_object, read_json_object

    deep = "[" * 100_000 + "]" * 100_000
    for bad in (deep, "{" * 100_000, "[1]", '"text"', "{", b"\xff{}", "\ufeff{}", ""):
        assert json_object(bad) is None, bad[:10]
    assert json_object(b'{"url": "u"}') == {"url": "u"}
    assert read_json_object(tmp_path / "missing.json") is None
    assert read_json_object(tmp_path) is None  # a directory

    store = RawStore(tmp_path)
    page = "<html><body><p>Caf\u00e9 page</p></body></html>"
    stored = store.put(page.encode("utf-8"), {"url": "https://example.org/a", "headers": {}})
    path = tmp_path / stored.raw_path
    for sidecar in ("[1, 2]", deep, '{"headers": ["content-type"]}', '{"headers": {"content-type": 5}}',
                    '{"encoding": "undefined"}', '{"encoding": "base64"}'):
        store.meta_path(stored.sha256).write_text(sidecar)
        text, meta = read_stored_page(path)
        assert text == page and isinstance(meta, dict), sidecar[:20]
        assert store.read_meta(stored.sha256) in (None, json_object(sidecar))
    url = "https://example.org/a"
    store.save_state(url, {"content_sha256": stored.sha256, "etag": "x"})
    assert store.load_state(url)["etag"] == "x"
    state_file = next((tmp_path / "web" / ".state").rglob("*.json"))
    for bad in (deep, "[1]", "not json"):
        state_file.write_text(bad)
        assert store.load_state(url) is None


def test_decoding_follows_declared_charset_then_utf8_then_detection():
    cp1252 = "Café owners said “no” – again. ".encode("cp1252") * 20
    assert decode(cp1252).startswith("Café owners said “no” – again.")
    latin = b'<html><head><meta charset="iso-8859-1"></head><body>na\xefve r\xe9sum\xe9</body></html>'
    assert "naïve résumé" in decode(latin)
    assert decode("\ufeffbonjour".encode("utf-8")) == "bonjour"
    bogus = b'<meta charset="no-such-charset"><p>ok</p>'
    assert "ok" in decode(bogus)
    with pytest.raises(InputError) as info:
        decode(b"\x00\x01\x02" * 100)
    assert info.value.check == "binary_content"


def test_binary_is_a_nul_or_more_than_one_control_byte_in_twenty_of_the_head():
    text = b"a" * 95
    assert decode(text + b"\x01" * 5) == "a" * 95 + "\x01" * 5  # 5 in 100: still text
    with pytest.raises(InputError) as info:
        decode(text[:-1] + b"\x1b" * 6)  # 6 in 100
    assert info.value.check == "binary_content"
    # tab, line feed, vertical tab, form feed and carriage return are text
    assert decode(b"a\t\n\x0b\x0c\r" * 20).startswith("a\t")
    # only the first 8 KiB count
    assert decode(b"a" * 8192 + b"\x02" * 1000).startswith("aaa")
    with pytest.raises(InputError):
        decode(b"a" * 10 + b"\x00" + b"a" * 100)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
def test_utf16_and_utf32_text_is_text_not_binary(tmp_path, codec, bom):
    # Windows tools save "Unicode" text as UTF-16: full of NUL bytes, it was quarantined
    # as binary_content with or without its BOM.
    page = ('<html><head><meta charset="utf-8"><title>Café “news”</title></head>'
            "<body><p>Le café était fermé – again.</p></body></html>")
    data = ("\ufeff" if bom else "").encode(codec) + page.encode(codec)
    assert decode(data) == page
    (tmp_path / "page.html").write_bytes(data)
    assert _read(tmp_path / "page.html", tmp_path) == page
    # binary data stays binary in any clothing
    for junk in ("\x00" * 50 + "a" * 50, "\x01\x02\x03 abc " * 30):
        with pytest.raises(InputError) as info:
            decode(("\ufeff" if bom else "").encode(codec) + junk.encode(codec))
        assert info.value.check == "binary_content", junk


def test_a_utf8_label_on_bytes_with_no_utf8_character_is_passed_over():
    # A Windows-1252 page behind a template's <meta charset="utf-8"> (or a sidecar that
    # kept the server's UTF-8 header): read as UTF-8, every accent became U+FFFD.
    text = "Le café était fermé – “no” again, naïvely."
    page = f'<html><head><meta charset="utf-8"></head><body><p>{text}</p></body></html>'.encode("cp1252")
    assert text in decode(page)
    assert text in decode(page, encoding="utf-8")
    # UTF-8 with one damaged byte is still UTF-8: its other characters are kept
    damaged = f'<meta charset="utf-8"><p>{text}</p>'.encode() + b"\xff"
    assert text in decode(damaged) and decode(damaged).endswith("\ufffd")


@pytest.mark.parametrize("label", ["base64", "zlib", "rot13", "hex", "uu", "undefined", "idna", "unicode_escape",
                                   "utf-7", "utf_8_sig"])
def test_a_python_codec_named_as_charset_is_no_charset(tmp_path, label):
    # <meta charset="base64"> names a Python codec that cannot decode bytes to text: the
    # decoder raised, and the page was lost as extraction_error (a feed: internal_error).
    text = "Café owners said “no” – again. " * 20
    page = f'<html><head><meta charset="{label}"></head><body><p>{text}</p></body></html>'
    (tmp_path / "page.html").write_bytes(page.encode("cp1252"))
    assert text in _read(tmp_path / "page.html", tmp_path)
    assert text in decode(page.encode("utf-8"), encoding=label)  # a sidecar naming one
    feed = (f'<?xml version="1.0" encoding="{label}"?><rss version="2.0"><channel><title>t</title>'
            '<item><link>https://news.example.org/a/story.html</link></item></channel></rss>').encode()
    links = links_from_document(feed, "https://news.example.org/feed.xml")
    assert links.kind == "feed" and links.pages == ["https://news.example.org/a/story.html"]


def test_the_disk_decoder_is_the_fetchers_and_trusts_bytes_over_labels():
    chinese = "财政部长星期二表示，预算将于下周提交议会审议。"
    # valid UTF-8 declared gb2312 (a template's stale <meta>): the bytes win, no mojibake
    page = f'<html><head><meta charset="gb2312"></head><body><p>{chinese}</p></body></html>'.encode()
    assert chinese in decode(page)
    # the same from a fetch sidecar that recorded a contradicted header charset
    assert chinese in decode(page, encoding="shift_jis")
    # a page really in gb2312 is read as declared, and a sidecar's choice is followed
    assert chinese in decode(f'<meta charset="gb2312"><p>{chinese}</p>'.encode("gb2312"))
    assert "naïve" in decode("naïve café ".encode("cp1252") * 10, encoding="cp1252")
    # bytes no text encoding fits
    with pytest.raises(InputError) as info:
        decode(bytes(range(0x80, 0x100)) * 20)
    assert info.value.check == "undecodable"


def test_names_that_are_not_utf8_are_read_and_identified(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    files = {
        b"caf\xe9.txt": b"Latin-1 name. " * 40,  # an old Latin-1 file system
        b"r\xe9sum\xe9/page.html": b"<html><body><p>In a Latin-1 directory.</p></body></html>",
        b"100% s\xfbr.txt": b"Percent and Latin-1. " * 40,
        b"caf%E9.txt": b"A valid name that looks escaped. " * 40,
        "café.txt".encode(): b"UTF-8 name. " * 40,
    }
    for name, data in files.items():
        path = os.path.join(os.fsencode(raw), name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    found = {inp.source_uri: inp for inp in discover(raw)}
    assert set(found) == {"caf%E9.txt%00", "r%E9sum%E9/page.html", "100%25 s%FBr.txt", "caf%E9.txt", "café.txt"}
    for uri, inp in found.items():
        uri.encode("utf-8")  # storable text
        article_id_for(None, uri)  # the id hashes it
        raw_name = os.fsencode(inp.path.relative_to(raw))
        assert read_page(inp, 10_000, 10_000).encode() == files[raw_name]  # read by its real bytes
        assert file_state(inp.path).size_bytes == len(files[raw_name])
    assert found["caf%E9.txt%00"].path.name.encode("utf-8", "surrogateescape") == b"caf\xe9.txt"
    # the same names, run after run
    assert [i.source_uri for i in discover(raw)] == list(found)


def test_a_tree_nested_1000_deep_past_path_max_is_walked_and_read(tmp_path):
    raw = tmp_path / "raw"
    dirs = [f"level-{i:04d}" for i in range(1000)]  # an 11,000-byte path: PATH_MAX is 4096
    text = b"Deep down. " * 60
    try:
        write_deep(raw / "deep", dirs, {"bottom.txt": text, "bottom.html": b""},
                   {"loop": "..", "top": str(raw), "self.txt": "self.txt"})
        (raw / "top.txt").write_bytes(b"At the top. " * 60)
        os.symlink(raw, raw / "back")  # a loop at the top too
        found = {inp.source_uri.rsplit("/", 1)[-1]: inp for inp in discover(raw)}  # returns: no loop followed
        assert sorted(found) == ["bottom.html", "bottom.txt", "self.txt", "top.txt"]
        bottom = found["bottom.txt"]
        assert bottom.source_uri == "/".join(["deep", *dirs, "bottom.txt"]) and len(bottom.source_uri) > 4096
        assert read_page(bottom, 10_000, 10_000).encode() == text
        assert file_state(bottom.path).size_bytes == len(text)
        assert _error(found["bottom.html"].path, raw).check == "empty_file"
        assert _error(found["self.txt"].path, raw).check == "not_a_file"
    finally:
        if (raw / "deep").exists():
            remove_tree(raw / "deep")  # shutil.rmtree, and pytest's own clean-up, would recurse too deep


def test_a_fifo_is_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    assert _error(tmp_path / "pipe.txt", tmp_path).check == "not_a_file"
