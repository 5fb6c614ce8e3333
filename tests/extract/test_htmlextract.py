"""HTML main-text extraction (newsetl.extract.html) on real news pages and on bad input.

The pages are raw/samples/html/*.html.gz: pages of the Zyte/Scrapinghub
article-extraction-benchmark (MIT, see the LICENSE beside them). The "gold" sentences
below are quoted from the benchmark's ground-truth articleBody of each page; the
boilerplate strings are navigation/promo text that the page shows outside the article.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
import trafilatura
from trafilatura import html2txt, load_html

from newsetl.extract import html as htmlextract
from newsetl.extract.document import Extracted
from newsetl.sources.disk import InputError
from newsetl.extract.candidates import Choice, _Text, choose, continues, trim_edges
from newsetl.extract.html import (
    extract_html,
    normalize_language,
    normalize_paragraphs,
    parse_published,
)
from support.paths import FIXTURES as TEST_FIXTURES, SAMPLES as SAMPLES_DIR

SAMPLES = SAMPLES_DIR / "html"
VERSION = trafilatura.__version__
PRIMARY = f"trafilatura/{VERSION}"
RECALL = f"trafilatura-recall/{VERSION}"
FIXTURES = TEST_FIXTURES / "html"


def read_sample(prefix: str) -> str:
    (path,) = SAMPLES.glob(f"{prefix}*.html.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return f.read()


# prefix, gold sentence, boilerplate on the page, title part, language, published_at (UTC)
PAGES = [
    pytest.param(
        "04a6711c",
        "In each case, President Trump tied himself to the outcome.",
        ["Skip to site index", "Continue reading the main story", "Today’s Paper"],
        "Republicans Are Following Trump to Nowhere",
        "en",
        datetime(2019, 11, 19, tzinfo=timezone.utc),  # date only on the page -> midnight UTC
        id="nytimes",
    ),
    pytest.param(
        "156770d6",
        "The tagline drew a mix of criticism and ridicule across Twitter on Monday",
        ["sign up for newsletters", "Skip to main content", "Briefing Room"],
        "South Dakota governor doubles down",
        "en",
        datetime(2019, 11, 19, 11, 56, 43, tzinfo=timezone.utc),  # 06:56:43-05:00
        id="thehill",
    ),
    pytest.param(
        "374ac9a5",
        'Aviation analysts called it the "end of an era,"',
        ["Keep Me Logged In", "Pre-Markets"],
        "Emirates inks $9 billion order",
        "en",
        datetime(2019, 11, 20, tzinfo=timezone.utc),
        id="cnbc",
    ),
    pytest.param(
        "5a822960",
        "The house where Adolf Hitler was born will be turned into a police station",
        ["Meet the Press", "Nightly News"],
        "House Hitler was born in to become police station",
        "en",
        datetime(2019, 11, 20, 9, 28, tzinfo=timezone.utc),  # 2019-11-20T09:28:00.000Z
        id="nbcnews",
    ),
    pytest.param(
        "0ec95c72",
        "시작은 엘제이의 일방적인 사진 공개로부터 비롯됐다.",
        ["주요뉴스", "정석희칼럼"],
        "엔터 미디어",
        "ko",
        datetime(2018, 8, 25, tzinfo=timezone.utc),
        id="entermedia-ko",
    ),
]


@pytest.fixture(scope="module")
def extracted() -> dict[str, Extracted]:
    return {}


def _extract(cache: dict[str, Extracted], prefix: str) -> Extracted:
    if prefix not in cache:
        cache[prefix] = extract_html(read_sample(prefix))
    return cache[prefix]


@pytest.mark.parametrize(("prefix", "gold", "boilerplate", "title", "language", "published"), PAGES)
def test_real_page_main_text_and_metadata(extracted, prefix, gold, boilerplate, title, language, published):
    html = read_sample(prefix)
    result = _extract(extracted, prefix)
    assert result.extractor == PRIMARY
    assert gold in result.text
    page_text = html2txt(html)
    for snippet in boilerplate:
        assert snippet in page_text, f"test premise: {snippet!r} is visible on the page"
        assert snippet not in result.text
    assert result.title and title in result.title
    assert result.language == language
    assert result.published_at == published
    assert result.published_at.tzinfo is not None
    assert result.published_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("prefix", [p.values[0] for p in PAGES])
def test_paragraphs_separated_by_one_blank_line(extracted, prefix):
    text = _extract(extracted, prefix).text
    paragraphs = text.split("\n\n")
    assert len(paragraphs) >= 5
    assert text == text.strip()
    assert "\n\n\n" not in text
    for paragraph in paragraphs:
        assert paragraph, "no empty paragraph"
        assert "\n" not in paragraph
        assert paragraph == " ".join(paragraph.split()), "whitespace normalised"


def test_other_metadata_fields(extracted):
    result = _extract(extracted, "04a6711c")
    assert result.byline == "Jamelle Bouie"
    assert result.sitename == "NYTimes"
    assert result.url == "https://www.nytimes.com/2019/11/19/opinion/republicans-elections-impeachment.html"
    # canonical URL of the page wins over the url argument; the argument is used when there is none
    html = read_sample("04a6711c")
    assert extract_html(html, url="https://example.org/x").url == result.url
    assert extract_html(_JSONLD_ONLY, url="https://example.org/budget").url == "https://example.org/budget"


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.html.gz")), ids=lambda p: p.name[:8])
def test_page_metadata_is_trafilaturas_for_every_field_an_article_keeps(path):
    """``page_metadata`` is trafilatura's ``extract_metadata`` without its last steps
    (categories, tags, license): a trafilatura upgrade that changes the steps it keeps
    must show here."""
    html = gzip.decompress(path.read_bytes()).decode("utf-8")
    for url in (None, "https://example.org/news/1"):
        config = htmlextract.date_config()
        ours = htmlextract.page_metadata(load_html(html), url, config).as_dict()
        theirs = trafilatura.extract_metadata(load_html(html), default_url=url, date_config=config).as_dict()
        for field in ("title", "author", "url", "hostname", "date", "sitename", "filedate"):
            assert ours[field] == theirs[field], field


def test_a_canonical_link_keeps_the_parameters_that_name_the_page():
    """trafilatura rewrites a canonical link with courlan, whose tracker filter drops
    ``reform``; the page's own link is kept, and identity normalises it (D53)."""
    from newsetl.extract.identity import article_id_for

    story = "".join(f"<p>The council met on day {i} to debate the harbour plan and its cost to the city.</p>"
                    for i in range(12))
    html = ('<html><head><title>Vote</title><link rel="canonical" '
            'href="https://news.example/vote.html?reform=1&amp;b=2&amp;a=1&amp;utm_source=rss"></head>'
            f"<body><article><h1>Vote</h1>{story}</article></body></html>")
    url = extract_html(html, url="https://news.example/feed-item?id=9").url
    assert url == "https://news.example/vote.html?reform=1&b=2&a=1&utm_source=rss"  # as the page wrote it
    assert article_id_for(url, "x") == article_id_for("https://news.example/vote.html?a=1&b=2&reform=1", "y")
    assert article_id_for(url, "x") != article_id_for("https://news.example/vote.html?a=1&b=2", "y")


def test_gold_sentence_check_can_fail(extracted):
    # the boilerplate assertions are meaningful: a whole-page dump contains the navigation
    assert "Skip to site index" in html2txt(read_sample("04a6711c"))
    assert "Skip to site index" not in _extract(extracted, "04a6711c").text


# --- fallback -----------------------------------------------------------------------

_BODY = " ".join(
    [
        "The city council approved the new budget on Tuesday after a long debate about schools.",
        "Spending on roads rises by four percent while the library budget stays flat.",
        "The mayor said the plan balances repairs with the need to keep local taxes stable.",
    ]
    * 4
)
# A page rendered client-side: the article exists only as JSON-LD articleBody.
_JSONLD_ONLY = f"""<!DOCTYPE html><html lang="en"><head><title>Council approves budget</title>
<script type="application/ld+json">{json.dumps({
    "@context": "https://schema.org", "@type": "NewsArticle", "headline": "Council approves budget",
    "articleBody": _BODY, "datePublished": "2024-03-05T10:30:00+01:00",
})}</script></head>
<body><div id="app"><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<h1>Council approves budget</h1></div></body></html>"""


def test_primary_finds_nothing_on_jsonld_only_page():
    # premise of the fallback test: the primary strategy alone yields no text here
    assert htmlextract.run_primary(load_html(_JSONLD_ONLY)) == ""


def test_empty_primary_takes_the_longer_second_opinion():
    result = extract_html(_JSONLD_ONLY)
    assert result.extractor == RECALL  # recall mode reads the JSON-LD articleBody
    assert "The city council approved the new budget on Tuesday" in result.text
    assert "Home" not in result.text
    assert result.title == "Council approves budget"
    assert result.published_at == datetime(2024, 3, 5, 9, 30, tzinfo=timezone.utc)
    assert result.language == "en"


# --- candidates (D42): real pages where the primary alone fails --------------------------


def read_fixture(prefix: str) -> str:
    (path,) = FIXTURES.glob(f"{prefix}*.html.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return f.read()


def test_long_article_is_not_cut_to_its_opening():
    # wired.com: precision mode stops after 502 of the article's 1,420 words, well above
    # any "too short" threshold; readability continues the same article to its end.
    html = read_fixture("d48aeb9c")
    primary = normalize_paragraphs(htmlextract.run_primary(load_html(html)))
    last_sentence = "Are these accounts actual businesses, in the traditional sense?"
    assert 400 < len(primary.split()) < 600 and last_sentence not in primary  # premise
    result = extract_html(html)
    assert result.extractor == f"readability/{VERSION}"
    assert result.text.startswith(primary.split("\n\n")[0][:60]) or primary.split("\n\n")[0] in result.text
    assert last_sentence in result.text
    assert "David Stier, a data scientist and business advisor in the Bay Area" in result.text
    assert len(result.text.split()) > 1300
    assert "Subscribe to WIRED" not in result.text


def test_a_second_long_article_of_the_same_layout():
    html = read_fixture("2f42ef1d")
    result = extract_html(html)
    assert "When it comes to the actual sickness, you’re still on your own." in result.text
    assert len(result.text.split()) > 1200


def test_related_headlines_below_the_article_are_trimmed():
    # billboard.com: precision mode keeps four "related" headlines after the tour dates;
    # readability agrees on the article without them.
    html = read_fixture("9cb8224b")
    primary = normalize_paragraphs(htmlextract.run_primary(load_html(html)))
    related = "Jonas Brothers Added to 2019 American Music Awards Performance Lineup"
    assert related in primary  # premise
    result = extract_html(html)
    assert result.extractor == f"trafilatura-trimmed/{VERSION}"
    assert related not in result.text
    assert "A half century on, The Doobie Brothers are still smoking." in result.text
    assert "Oct. 10 -- The Cynthia Woods Mitchell Pavilion, Houston, TX" in result.text
    # only whole non-prose lines go: every kept paragraph is the primary's, in order
    kept = result.text.split("\n\n")
    assert [p for p in primary.split("\n\n") if p in kept] == kept


_WORDS = ("harbour council budget school road library mayor tax ferry port dock crane union wage "
          "strike vote park bridge rail station tram bus fare market fish boat river flood dam").split()
# Twelve distinct prose paragraphs (no 4-word sequence shared between two of them).
_PROSE = [
    f"Paragraph {n} says: " + " ".join(_WORDS[(n * 7 + 3 * i) % len(_WORDS)] + f"{n}x{i}" for i in range(24)) + "."
    for n in range(12)
]


def test_a_longer_text_that_only_adds_a_header_is_no_continuation():
    primary = _Text("\n\n".join(_PROSE[:6]))
    header = _Text("\n\n".join(["By A. Writer", "Updated 5:27 am", "Photo: Agency"] * 8 + _PROSE[:6]))
    assert not continues(primary, header)
    longer = _Text("\n\n".join(_PROSE))
    assert continues(primary, longer)


def test_trimming_never_drops_prose():
    primary = _Text("\n\n".join(["Council approves harbour plan"] + _PROSE[:4] + [_PROSE[5], "Tags"]))
    reference = _Text("\n\n".join(_PROSE[:4]))
    trimmed = trim_edges(primary, reference).split("\n\n")
    assert trimmed == _PROSE[:4] + [_PROSE[5]]  # headline and tag line go, the prose stays
    disagreeing = _Text("\n\n".join(_PROSE[:4] + ["A different article altogether, with other words in it " * 3]))
    assert trim_edges(primary, disagreeing) == primary.text


def test_a_failing_second_opinion_keeps_the_primary():
    def broken() -> str:
        raise RuntimeError("boom")

    tree = load_html("<html><body>" + "".join(f"<p>{p}</p>" for p in _PROSE) + "</body></html>")
    choice = choose("\n\n".join(_PROSE[:2]), tree, broken, normalize_paragraphs)
    assert isinstance(choice, Choice) and choice.text.startswith(_PROSE[0])


# --- bad input ------------------------------------------------------------------------

BAD_INPUTS = {
    "empty": "",
    "whitespace": "  \n\t ",
    "plain-text": "This is not HTML, only a line of text.",
    "binary-garbage": "\x00\x01\x02\ufffd\x7f<<<>>>&&&;;</p></div>",
    "broken-markup": "<html><body><div><p>Unclosed <b>bold <i>para</div></span></p><p>Another",
    "deep-unclosed-5mb": "<div><span>" * 450_000,  # no tree trafilatura takes: nothing to cut
}
# Nested past libxml2's depth limit (256), where the parser drops the rest of the page.
TOO_DEEP = {
    "deep-5mb": "<html><body>" + "<div>" * 500_000 + "deep" + "</div>" * 500_000 + "</body></html>",
    "deep-article-unclosed": "<html><body><article>" + "<div><span>" * 450_000,
}
# About 500k elements in 5 MB: trafilatura would take over a minute on it.
WIDE_AND_DEEP_5MB = (
    "<html><body>"
    + ("<div><p>" + "<span><b>" * 100 + "word" + "</b></span>" * 100 + "</p></div>") * 2_400
    + "</body></html>"
)


@pytest.mark.parametrize("html", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_does_not_raise(html, capsys):
    result = extract_html(html)
    assert isinstance(result, Extracted)
    assert isinstance(result.text, str)
    assert len(result.text.split()) < 20
    assert result.extractor.endswith(f"/{VERSION}")
    out, _err = capsys.readouterr()
    assert out == ""


@pytest.mark.parametrize("html", ["", "   ", "\x00\x01", "<div><span>" * 450_000])
def test_hopeless_input_gives_empty_text(html):
    assert extract_html(html).text == ""


def test_page_too_large_to_parse_is_refused_with_a_reason():
    with pytest.raises(InputError) as info:
        extract_html(WIDE_AND_DEEP_5MB)
    assert info.value.check == "html_too_complex"


@pytest.mark.parametrize("tag", ["div", "span", "font", "b"])
def test_a_page_nested_past_the_parsers_depth_is_refused_not_cut(tag):
    # 300 unclosed tags between two paragraphs: libxml2 stops at depth 256 and drops the
    # second paragraph without a word; the page landed cut before.
    first, second = _PROSE[0], _PROSE[1]
    html = (f"<html><head><title>Deep</title></head><body><article><p>{first}</p>" + f"<{tag}>x " * 300
            + f"<p>{second}</p></article></body></html>")
    with pytest.raises(InputError) as info:
        extract_html(html)
    assert info.value.check == "html_too_deep" and "256" in info.value.reason
    # 250 levels parse whole
    shallow = html.replace(f"<{tag}>x " * 300, f"<{tag}>x " * 250)
    text = extract_html(shallow).text
    assert first[:60] in text and second[:60] in text


@pytest.mark.parametrize("html", TOO_DEEP.values(), ids=TOO_DEEP.keys())
def test_deep_pathological_pages_are_refused_with_a_reason(html):
    with pytest.raises(InputError) as info:
        extract_html(html)
    assert info.value.check == "html_too_deep"


def test_bad_input_keeps_the_url_argument():
    assert extract_html("", url="https://example.org/a").url == "https://example.org/a"


# --- helpers --------------------------------------------------------------------------


def test_normalize_paragraphs():
    assert normalize_paragraphs(" First  line\u00a0here \n\n\n  Second\tline \n") == "First line here\n\nSecond line"
    assert normalize_paragraphs("") == ""
    assert normalize_paragraphs(None) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [("en", "en"), ("en-US", "en"), ("EN_gb", "en"), ("pt-BR", "pt"), ("eng", "en"), ("English", "en"),
     ("ko", "ko"), ("", None), (None, None), ("x-klingon", None), ("1234", None)],
)
def test_normalize_language(value, expected):
    assert normalize_language(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-11-19", datetime(2019, 11, 19, tzinfo=timezone.utc)),
        ("2019-11-19T06:56:43-0500", datetime(2019, 11, 19, 11, 56, 43, tzinfo=timezone.utc)),
        ("2019-11-19T06:56:43+05:30", datetime(2019, 11, 19, 1, 26, 43, tzinfo=timezone.utc)),
        ("2019-11-19T06:56:43", datetime(2019, 11, 19, 6, 56, 43, tzinfo=timezone.utc)),
        ("", None),
        (None, None),
        ("not a date", None),
    ],
)
def test_parse_published(value, expected):
    result = parse_published(value)
    assert result == expected
    if result is not None:
        assert result.tzinfo is timezone.utc


def test_threads_take_turns_inside_trafilatura(monkeypatch):
    # Two threads inside trafilatura at once can SIGSEGV the process (seen in CI): the
    # real extraction runs, and a spy around it records how many threads were inside.
    inside, most = 0, 0
    guard = threading.Lock()
    real = htmlextract._extract_html

    def spy(*args):
        nonlocal inside, most
        with guard:
            inside += 1
            most = max(most, inside)
        try:
            time.sleep(0.01)  # widen the window two unguarded threads would share
            return real(*args)
        finally:
            with guard:
                inside -= 1

    monkeypatch.setattr(htmlextract, "_extract_html", spy)
    pages = [gzip.open(p, "rt", encoding="utf-8").read() for p in sorted(SAMPLES.glob("*.html.gz"))[:4]]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda page: extract_html(page), pages * 2))
    assert most == 1
    assert all(r.text for r in results)
    assert [r.text for r in results[:4]] == [r.text for r in results[4:]]
