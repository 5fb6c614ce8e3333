#!/usr/bin/env python3
"""Whole-page text dumps of HTML pages, in several tools' layouts (bench data, not the package).

    .venv/bin/python bench/dumpmaker.py [BENCH_DIR] [--out DIR] [--styles blocks,html2text,...]

A text dump is what a crawler's text export or a browser's "save as text" gives: every
visible block of the page on its own line -- menus, footers, cookie text, link lists,
comments and the article. The cleaner of text dumps (``newsetl.extract.textdump.rules``) must not
learn one tool's layout, so each page is dumped in four styles:

  blocks     lxml walk over the body, one line per block element (p, div, li, h*, td...),
             inline text joined; script/style/template/svg/head dropped, nothing hidden by
             CSS is known (a crawler's export without a renderer)
  html2text  html2text's Markdown-ish text: links and images off, hard-wrapped at 78
             columns (so the cleaner's re-joining of wrapped paragraphs is exercised),
             "#" headings and "*" bullets
  inscriptis inscriptis' layout-preserving text (indents, table columns)
  browser    document.body.innerText in headless Debian chromium driven by playwright:
             JavaScript off and every request refused (nothing from the page is executed
             or fetched), so inline CSS applies, external CSS does not

Dumps are written to ``OUT/<style>/<page id>.txt`` (default ``bench/.data/textdumps``,
git-ignored) and reused by later runs; ``bench/textdumps.py`` calls ``ensure_dumps``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from lxml import etree, html as lxml_html

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BENCH_DIR = REPO_ROOT.parent / "shared" / "bench" / "extraction"
DEFAULT_OUT = REPO_ROOT / "bench" / ".data" / "textdumps"
STYLES = ("blocks", "html2text", "inscriptis", "browser")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]

# ----------------------------------------------------------------------------- blocks

_DROP_TAGS = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object", "embed",
              "canvas", "select", "math"}
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hgroup", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
    "thead", "tfoot", "tr", "ul", "caption", "center", "menu", "label", "button", "legend", "option",
}
_CELL_TAGS = {"td", "th"}
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


def _walk(el: etree._Element, out: list[str]) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    tag = tag.lower()
    if tag in _DROP_TAGS or el.tag is etree.Comment or el.tag is etree.ProcessingInstruction:
        if el.tail:
            out.append(el.tail)
        return
    block = tag in _BLOCK_TAGS
    if block:
        out.append("\n")
    elif tag in _CELL_TAGS:
        out.append("\t")
    elif tag == "br":
        out.append("\n")
    if el.text:
        out.append(el.text)
    for child in el:
        _walk(child, out)
    if block:
        out.append("\n")
    if el.tail:
        out.append(el.tail)


def dump_blocks(html: str) -> str:
    """One line per block element, inline text joined with single spaces."""
    tree = lxml_html.document_fromstring(html)
    body = tree.find("body")
    out: list[str] = []
    _walk(body if body is not None else tree, out)
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(out).split("\n"))
    return "\n".join(line for line in lines if line) + "\n"


# ----------------------------------------------------------------------------- html2text


def dump_html2text(html: str) -> str:
    import html2text

    converter = html2text.HTML2Text()
    converter.ignore_links = True
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.body_width = 78
    converter.unicode_snob = True
    return converter.handle(html)


# ----------------------------------------------------------------------------- inscriptis


def dump_inscriptis(html: str) -> str:
    from inscriptis import get_text

    return get_text(html)


# ----------------------------------------------------------------------------- browser


class Browser:
    """One headless chromium for many pages: innerText of each page's body."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        self._context = self._browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
        self._context.route("**/*", lambda route: route.abort())
        self._page = self._context.new_page()

    def __call__(self, html: str) -> str:
        self._page.set_content(html, wait_until="domcontentloaded", timeout=30_000)
        return self._page.evaluate("document.body ? document.body.innerText : ''")

    def close(self) -> None:
        self._browser.close()
        self._pw.stop()


def browser_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


# ----------------------------------------------------------------------------- driver


def load_pages(bench_dir: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(gold body, html, url) per page id."""
    truth = json.loads((bench_dir / "ground-truth.json").read_text(encoding="utf-8"))
    gold = {key: item.get("articleBody") or "" for key, item in truth.items()}
    urls = {key: item.get("url") or "" for key, item in truth.items()}
    pages = {}
    for key in gold:
        with gzip.open(bench_dir / "html" / f"{key}.html.gz", "rt", encoding="utf-8") as f:
            pages[key] = f.read()
    return gold, pages, urls


def ensure_dumps(pages: dict[str, str], out: Path, styles: Iterable[str]) -> dict[str, dict[str, str]]:
    """{style: {page id: dump}}, made where missing and cached under ``out``."""
    result: dict[str, dict[str, str]] = {}
    for style in styles:
        folder = out / style
        folder.mkdir(parents=True, exist_ok=True)
        missing = [key for key in pages if not (folder / f"{key}.txt").exists()]
        if missing:
            if style == "browser" and not browser_available():
                print(f"  ! no chromium at {CHROMIUM}: style 'browser' skipped", file=sys.stderr)
                continue
            _make(style, {key: pages[key] for key in missing}, folder)
        result[style] = {key: (folder / f"{key}.txt").read_text(encoding="utf-8") for key in pages}
    return result


def _make(style: str, pages: dict[str, str], folder: Path) -> None:
    print(f"  making {len(pages)} '{style}' dumps in {folder}", file=sys.stderr, flush=True)
    closer: Callable[[], None] | None = None
    if style == "browser":
        browser = Browser()
        maker: Callable[[str], str] = browser
        closer = browser.close
    else:
        maker = {"blocks": dump_blocks, "html2text": dump_html2text, "inscriptis": dump_inscriptis}[style]
    try:
        for key, html in pages.items():
            try:
                text = maker(html)
            except Exception as err:  # noqa: BLE001 - one bad page gives an empty dump, not a stop
                print(f"  ! {style} failed on {key[:12]}: {err!r}", file=sys.stderr)
                text = ""
            (folder / f"{key}.txt").write_text(text, encoding="utf-8")
    finally:
        if closer:
            closer()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bench_dir", nargs="?", type=Path, default=DEFAULT_BENCH_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--styles", default=",".join(STYLES))
    args = parser.parse_args(argv)
    _gold, pages, _urls = load_pages(args.bench_dir)
    dumps = ensure_dumps(pages, args.out, args.styles.split(","))
    for style, texts in dumps.items():
        lines = sum(t.count("\n") for t in texts.values())
        print(f"{style}: {len(texts)} dumps, {lines} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
