"""A generated corpus of malformed inputs for tests/quality/test_malformed.py.

``build(raw, seed)`` writes over a thousand files under ``raw`` and returns, per input
(its source_uri: the path relative to raw, undecodable bytes of a name percent-escaped),
what it is: a ``Kind`` with its family and, when the outcome is certain, the quarantine
check it must end with or that it must be a duplicate.

The corpus holds a tree nested ``DEEP_LEVELS`` deep, longer than PATH_MAX: remove it with
``remove_tree(raw / DEEP_DIR)`` when done (``shutil.rmtree``, and so pytest's clean-up of
old temporary directories, recurses once per level and fails on it).
"""

from __future__ import annotations

import gzip
import os
import random
import zlib
from dataclasses import dataclass
from pathlib import Path

_DIR = os.O_RDONLY | os.O_DIRECTORY
DEEP_DIR = "deep"
DEEP_LEVELS = 1000  # of 10-character names: an 11,000-byte path, past PATH_MAX (4096)

ARTICLE = "article"
DUPLICATE = "duplicate"
ANY = "any"  # an article or a quarantine row, depending on what the extractor keeps
QUARANTINE = "quarantine"  # a quarantine row, whichever check catches it

# Sentences written for this corpus, not copied from anywhere.
ENGLISH = (
    "The finance minister said on Tuesday that the budget would be presented to parliament next week. "
    "Officials in the capital warned that the talks with the lenders had stalled over fuel subsidies. "
    "A spokesman for the opposition party accused the government of hiding the size of the deficit. "
    "Analysts expect the central bank to keep its main rate unchanged at its meeting in March. "
    "Farmers in the northern provinces have been waiting for the promised relief payments since the floods. "
)
FRENCH = (
    "Le ministre des finances a déclaré mardi que le budget serait présenté au parlement la semaine prochaine. "
    "Les négociations avec les créanciers sont bloquées sur la question des subventions au carburant. "
    "Selon les analystes, la banque centrale devrait maintenir son taux directeur lors de sa réunion de mars. "
)
GERMAN = (
    "Der Finanzminister sagte am Dienstag, der Haushalt werde dem Parlament in der nächsten Woche vorgelegt. "
    "Die Gespräche mit den Gläubigern stocken wegen der Subventionen für Treibstoff und Strom. "
    "Nach Ansicht von Beobachtern wird die Zentralbank den Leitzins im März nicht verändern. "
)
CHINESE = (
    "财政部长星期二表示，预算将于下周提交议会审议。"
    "官员们警告说，与贷款方的谈判因燃料补贴问题陷入僵局。"
    "分析人士预计，中央银行将在三月份的会议上维持主要利率不变。"
)


@dataclass(frozen=True)
class Kind:
    family: str
    expect: str  # ARTICLE, DUPLICATE, ANY, or the quarantine check
    language: str | None = None
    contains: str | None = None  # text the landed article must hold (decoded right)


def write_deep(root: Path, dirs: list[str], files: dict[str, bytes], links: dict[str, str] | None = None) -> None:
    """Create root/dirs[0]/dirs[1]/.../ with ``files`` and symlinks ``links`` (name ->
    target) at the bottom, each directory opened relative to the last: the whole path
    may be longer than PATH_MAX."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root, _DIR)
    try:
        for name in dirs:
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, _DIR, dir_fd=fd)
            os.close(fd)
            fd = child
        for name, data in files.items():
            f = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=fd)
            with os.fdopen(f, "wb") as out:
                out.write(data)
        for name, target in (links or {}).items():
            os.symlink(target, name, dir_fd=fd)
    finally:
        os.close(fd)


def remove_tree(root: Path) -> None:
    """``rm -r`` for a tree of any depth: no recursion, one directory descriptor open."""
    fd = os.open(root, _DIR | os.O_NOFOLLOW)
    below: list[str] = []  # names from root down to the directory fd is on
    try:
        while True:
            with os.scandir(fd) as it:
                entries = list(it)
            sub = next((e.name for e in entries if e.is_dir(follow_symlinks=False)), None)
            if sub is not None:
                child = os.open(sub, _DIR | os.O_NOFOLLOW, dir_fd=fd)
                os.close(fd)
                fd = child
                below.append(sub)
                continue
            for e in entries:
                os.unlink(e.name, dir_fd=fd)
            if not below:
                break
            parent = os.open("..", _DIR, dir_fd=fd)
            os.close(fd)
            fd = parent
            os.rmdir(below.pop(), dir_fd=fd)
    finally:
        os.close(fd)
    os.rmdir(root)


def _html(title: str, body: str, lang: str = "en", head: str = "") -> str:
    paras = "".join(f"<p>{p.strip()}.</p>" for p in body.split(". ") if p.strip())
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{paras}</article>"
            f"<footer>Contact us</footer></body></html>")


def _story(rng: random.Random, n: int, words: str = ENGLISH) -> str:
    sentences = [s for s in words.split(". ") if s]
    return ". ".join(rng.choice(sentences) for _ in range(n)) + "."


def build(raw: Path, seed: int = 6) -> dict[str, Kind]:
    rng = random.Random(seed)
    kinds: dict[str, Kind] = {}

    def put(rel: str, data: bytes | str, kind: Kind) -> Path:
        path = raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        kinds[rel] = kind
        return path

    # Binary junk under every name the pipeline reads.
    for i in range(220):
        ext = (".html", ".txt", ".htm")[i % 3]
        put(f"binary/junk {i:03d}{ext}", rng.randbytes(rng.randint(64, 20_000)) + b"\x00", Kind("binary", "binary_content"))
    # Gzip cut short, and gzip that is not gzip at all.
    page = _html("A long page", _story(rng, 400)).encode()
    packed = gzip.compress(page)
    for i in range(120):
        put(f"gzip/truncated-{i:03d}.html.gz", packed[: rng.randint(20, len(packed) - 20)], Kind("truncated_gzip", "corrupt_gzip"))
    for i in range(10):
        put(f"gzip/not-gzip-{i:02d}.html.gz", page[: 500 + i], Kind("fake_gzip", "corrupt_gzip"))
    # Gzip bombs: a few KB on disk, more than the decompression cap once unpacked.
    bomb = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb_bytes = bomb.compress(b"<p>" + b"a" * (21 * 1024 * 1024) + b"</p>") + bomb.flush()
    for i in range(20):
        put(f"gzip/bomb-{i:02d}.html.gz", bomb_bytes, Kind("gzip_bomb", "decompressed_too_large"))
    for i in range(10):
        put(f"gzip/ok-{i:02d}.html.gz", gzip.compress(_html(f"Packed {i}", _story(rng, 8)).encode()),
            Kind("valid_gzip", ANY))
    # Invalid UTF-8 in text dumps: stray bytes in otherwise English, French or German text.
    for i in range(130):
        text = bytearray(_story(rng, 10, (ENGLISH, FRENCH, GERMAN, FRENCH, GERMAN, FRENCH, GERMAN, FRENCH)[i % 8]).encode())
        for _ in range(rng.randint(1, 30)):
            text.insert(rng.randrange(len(text)), rng.choice((0x80, 0xC3, 0xFF, 0xFE, 0xE2)))
        put(f"utf8/bad bytes {i:03d}.txt", bytes(text), Kind("invalid_utf8", ANY))
    # Empty, whitespace-only, and text-less HTML.
    for i in range(40):
        put(f"empty/zero-{i:02d}.{('html', 'txt', 'htm', 'html.gz')[i % 4]}", b"", Kind("zero_bytes", "empty_file"))
    for i in range(40):
        put(f"empty/space-{i:02d}.html", " \n\t\r\n" * rng.randint(1, 200), Kind("whitespace", "empty_file"))
    for i in range(80):
        shell = ("<html></html>", "<html><head><title>x</title></head><body></body></html>",
                 "<!DOCTYPE html><html><body><div><span></span></div></body></html>", "<p></p>" * 50)[i % 4]
        put(f"empty/shell-{i:02d}.html", shell, Kind("empty_html", "word_count"))
    # Pathological sizes and shapes.
    put("huge/nested-5mb.html", "<html><body>" + "<div><span><b>x" * 350_000 + "</b></span></div>" * 10 + "</body></html>",
        Kind("nested_5mb", QUARANTINE))
    put("huge/wide-5mb.html", "<html><body><p>" + "<span>x</span> " * 350_000 + "</p></body></html>",
        Kind("wide_5mb", "html_too_complex"))
    put("huge/one-line.html", _html("One line", _story(rng, 60), head="<style>" + "a{b:c}" * 250_000 + "</style>"),
        Kind("long_line_html", ARTICLE, "en"))
    put("huge/one-line.txt", " ".join([FRENCH] * 5_000), Kind("long_line_text", ANY))
    big = put("huge/over-the-cap.html", b"", Kind("too_large", "file_too_large"))
    os.truncate(big, 11 * 1024 * 1024)  # sparse: over the cap on disk without writing 11 MB
    for i in range(4):
        attr = "x" * rng.randint(100_000, 400_000)
        put(f"huge/attribute-{i}.html", _html(f"Attribute {i}", _story(rng, 8), head=f'<meta name="a" content="{attr}">'),
            Kind("huge_attribute", ANY))
    # Pages in other languages: land, but are not analysed.
    for i in range(30):
        lang, words = (("fr", FRENCH), ("de", GERMAN), ("zh", CHINESE))[i % 3]
        if lang == "zh":
            body = "".join(rng.choice(CHINESE.split("。")[:-1]) + "。" for _ in range(80))
        else:
            body = _story(rng, 25, words)
        # Chinese pages land too: their words are counted without spaces (schemas.count_words).
        expected = ARTICLE if lang == "zh" else ANY
        put(f"intl/{lang}/page-{i:02d}.html", _html(f"{lang} {i}", body, lang=lang), Kind("non_english", expected, lang))
        put(f"intl/{lang}/dump-{i:02d}.txt", f"{lang} {i}\n\n" + body.replace(". ", ".\n\n"), Kind("non_english", ANY))
    # Real-looking English pages, their exact copies, and near copies.
    originals = []
    for i in range(10):
        rel = f"dupes/original-{i:02d}.html"
        put(rel, _html(f"Story {i}", _story(rng, 12)), Kind("original", ARTICLE, "en"))
        originals.append(rel)
    for i in range(130):
        src = originals[i % len(originals)]
        put(f"dupes/z copy {i:03d} of {Path(src).stem}.html", (raw / src).read_bytes(), Kind("exact_duplicate", DUPLICATE))
    for i in range(10):
        src = (raw / originals[i % len(originals)]).read_text(encoding="utf-8")
        near = src.replace("</article>", f"<p>Updated at {i} o'clock with a late correction from the desk.</p></article>")
        put(f"dupes/near-{i:02d}.html", near, Kind("near_duplicate", ARTICLE, "en"))
    # Misnamed and odd files.
    for i in range(10):
        put(f"odd/html-in-a-txt-{i:02d}.txt", _html(f"Txt {i}", _story(rng, 8)), Kind("html_as_txt", ANY))
    for i, ext in enumerate((".pdf", ".json", ".docx", ".xml", ".csv") * 10):
        put(f"odd/other-{i:02d}{ext}", rng.randbytes(100), Kind("unsupported", "unsupported_type"))
    for i in range(20):
        name = ("ünïcödé ", "日本語 ", "spaces   ", "emoji 📰 ", "quote'\" ")[i % 5]
        put(f"odd/{name}{i:02d}.txt", f"Odd name {i}\n\n" + _story(rng, 20, FRENCH).replace(". ", ".\n\n"), Kind("odd_name", ANY))
    for i in range(10):
        put(f"odd/bom-{i:02d}.txt", b"\xef\xbb\xbf" + _story(rng, 25, GERMAN).encode(), Kind("bom", ANY))
        put(f"odd/bad-charset-{i:02d}.html", _html(f"Charset {i}", _story(rng, 8)).replace(
            'charset="utf-8"', 'charset="no-such-charset"'), Kind("bad_charset", ANY))
        put(f"odd/latin1-{i:02d}.html", _html(f"Café {i}", "Le café était fermé. " + _story(rng, 8), lang="en")
            .replace('charset="utf-8"', 'charset="iso-8859-1"').encode("latin-1"), Kind("latin1", ANY))
        put(f"odd/nul-in-html-{i:02d}.html", _html(f"Nul {i}", _story(rng, 8)).replace("<p>", "<p>\x00", 3),
            Kind("nul_bytes", "binary_content"))
    # File and directory names that are not UTF-8 (Latin-1 file systems, old archives):
    # read by their real bytes, known by a source_uri with those bytes escaped.
    names = raw / "names"
    names.mkdir()
    for i in range(10):
        title = f"Caf\u00e9 story {i}"
        Path(os.fsdecode(bytes(names) + b"/caf\xe9 %02d.html" % i)).write_bytes(_html(title, _story(rng, 12)).encode())
        # "caf%E9 00.html" is also the real name of a sibling below: the escaped one gives way.
        uri = f"names/caf%E9 {i:02d}.html" + ("%00" if i == 0 else "")
        kinds[uri] = Kind("latin1_name", ARTICLE, "en", contains=title)
    put("names/caf%E9 00.html", _html("Looks escaped", _story(rng, 12)), Kind("latin1_name", ARTICLE, "en"))
    resume = Path(os.fsdecode(bytes(names) + b"/r\xe9sum\xe9s"))
    resume.mkdir()
    for i in range(5):
        (resume / f"dump-{i:02d}.txt").write_text(f"Dump {i}\n\n" + _story(rng, 20).replace(". ", ".\n\n"))
        kinds[f"names/r%E9sum%E9s/dump-{i:02d}.txt"] = Kind("latin1_name", ANY)
    Path(os.fsdecode(bytes(names) + b"/100% s\xfbr.html")).write_bytes(_html("Percent", _story(rng, 12)).encode())
    kinds["names/100%25 s%FBr.html"] = Kind("latin1_name", ARTICLE, "en")
    Path(os.fsdecode(bytes(names) + b"/caf\xe9.pdf")).write_bytes(b"%PDF-1.4\n")
    kinds["names/caf%E9.pdf"] = Kind("latin1_name", "unsupported_type")
    # Pages whose <meta> charset their bytes contradict (valid UTF-8 declared otherwise).
    zh = "".join(rng.choice(CHINESE.split("。")[:-1]) + "。" for _ in range(80))
    for label in ("gb2312", "gbk", "big5", "shift_jis"):
        page = _html(f"zh {label}", zh, lang="zh").replace('charset="utf-8"', f'charset="{label}"')
        put(f"charset/zh-as-{label}.html", page,
            Kind("contradicted_charset", ARTICLE, "zh", contains="财政部长星期二表示"))
    for label in ("shift_jis", "koi8-r", "euc-kr", "iso-8859-1"):
        body = "The caf\u00e9 owners said \u201cno\u201d \u2013 again. " + _story(rng, 12)
        page = _html(f"en {label}", body).replace('charset="utf-8"', f'charset="{label}"')
        put(f"charset/en-as-{label}.html", page,
            Kind("contradicted_charset", ARTICLE, "en", contains="caf\u00e9 owners said \u201cno\u201d"))
    # Hostile inputs of D99: UTF-16/32 with and without a BOM, a UTF-8 label on
    # Windows-1252 bytes, Python codecs named as charsets, unclosed tags past the parser's depth, gzip members and gzip in
    # gzip, a FIFO, a directory named like a page, names with line breaks, pages whose
    # text is in a script, all menu, one paragraph 3,000 times, control characters.
    for i, codec in enumerate(("utf-16-le", "utf-16-be", "utf-32-le", "utf-16-le", "utf-16-be", "utf-32-be")):
        bom = "\ufeff" if i < 3 else ""
        title = f"Wide {codec} {i}"
        put(f"hostile/wide-{i}.html", (bom + _html(title, _story(rng, 12))).encode(codec),
            Kind("wide_unicode", ARTICLE, "en", contains=title))
    for i in range(3):
        body = "The caf\u00e9 owners said \u201cno\u201d \u2013 again. " + _story(rng, 12)
        put(f"hostile/lying-utf8-{i}.html", _html(f"Lying {i}", body).encode("cp1252"),
            Kind("lying_utf8_label", ARTICLE, "en", contains="caf\u00e9 owners said \u201cno\u201d"))
    for label in ("base64", "zlib", "utf-7"):
        put(f"hostile/charset-{label}.html", _html(f"Codec {label}", _story(rng, 12)).replace(
            'charset="utf-8"', f'charset="{label}"'), Kind("codec_as_charset", ARTICLE, "en", contains=f"Codec {label}"))
    for i, tag in enumerate(("div", "span", "font")):
        put(f"hostile/unclosed-{tag}.html", _html(f"Unclosed {tag}", _story(rng, 12)).replace(
            "</h1>", "</h1>" + f"<{tag}>x " * 300), Kind("too_deep", "html_too_deep"))
    halves = _html("Two members", _story(rng, 12)).encode()
    put("hostile/members.html.gz", gzip.compress(halves[:300]) + gzip.compress(halves[300:]),
        Kind("gzip_members", ARTICLE, "en", contains="Two members"))
    put("hostile/twice.html.gz", gzip.compress(gzip.compress(_html("Twice", _story(rng, 12)).encode())),
        Kind("gzip_in_gzip", "nested_gzip"))
    os.mkfifo(raw / "hostile" / "fifo.html")
    kinds["hostile/fifo.html"] = Kind("fifo", "not_a_file")
    put("hostile/folder.html/inside.html", _html("Inside a folder", _story(rng, 12)),
        Kind("dir_named_like_a_page", ARTICLE, "en", contains="Inside a folder"))
    put("hostile/line\nbreak\rname.html", _html("Line breaks", _story(rng, 12)),
        Kind("newline_name", ARTICLE, "en", contains="Line breaks"))
    put("hostile/in-a-script.html", f"<html><body><script>document.write('{_story(rng, 12)}')</script></body></html>",
        Kind("script_text", QUARANTINE))
    put("hostile/menu.txt", "\n".join(["Home", "News", "Sport", "Weather", "Contact us", "Sign in"] * 20),
        Kind("all_menu", QUARANTINE))
    put("hostile/same-paragraph.html", _html("Same", "").replace("</h1>", "</h1>" + ("<p>" + ENGLISH.split(". ")[0] + ".</p>") * 3000),
        Kind("repeated_paragraph", ANY))
    put("hostile/controls.txt", "Controls\n\n" + _story(rng, 20).replace(" ", " \x0b", 3).replace("a", "a\x07", 2),
        Kind("control_chars", ANY))
    # A tree nested DEEP_LEVELS deep, path longer than PATH_MAX, with a symlink loop at
    # the bottom: walked without recursion, read through directory descriptors.
    dirs = [f"level-{i:04d}" for i in range(DEEP_LEVELS)]
    bottom = "/".join([DEEP_DIR, *dirs])
    write_deep(raw / DEEP_DIR, dirs, {
        "bottom.html": _html("Deep down", _story(rng, 12)).encode(),
        "junk.txt": rng.randbytes(2000) + b"\x00",
    }, {"loop": "..", "self.html": "self.html"})
    kinds[f"{bottom}/bottom.html"] = Kind("deep_tree", ARTICLE, "en", contains="Deep down")
    kinds[f"{bottom}/junk.txt"] = Kind("deep_tree", "binary_content")
    kinds[f"{bottom}/self.html"] = Kind("deep_tree", "not_a_file")  # a symlink to itself
    for i in range(10):
        link = raw / f"odd/link-{i:02d}.html"
        link.symlink_to(raw / originals[i])
        kinds[link.relative_to(raw).as_posix()] = Kind("symlink", "not_a_file")
    return kinds
