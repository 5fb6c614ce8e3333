"""Tests for the plain-text dump cleaner (newsetl.extract.textdump.rules).

Seeds are real dumps (raw/samples/seeds); the fixtures under tests/fixtures/textclean
are invented dumps that use different wording for the same kinds of boilerplate, so
a rule keyed to the seeds' exact text would fail them.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from newsetl.extract.document import Extracted
from newsetl.extract.textdump.rules import EXTRACTOR, clean_text_dump, explain_text_dump, parse_date_line
from support.paths import FIXTURES as TEST_FIXTURES, REPO

ROOT = REPO
SEEDS = ROOT / "raw" / "samples" / "seeds"
FIXTURES = TEST_FIXTURES / "textclean"

# Strings that only boilerplate contains; none may survive cleaning of any seed.
FORBIDDEN = [
    "cookie", "Cookie", "Taboola", "Related articles", "Share this", "Top Stories",
    "More From Our Experts", "More on:", "Getty Images", "via Flickr",
    "uninterrupted reading", "IP access",
]


def _seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def _paragraphs(text: str) -> list[str]:
    return text.split("\n\n") if text else []


def _assert_well_formed(result: Extracted) -> None:
    text = result.text
    assert result.extractor == EXTRACTOR
    assert text == text.strip()
    assert "\n\n\n" not in text
    for para in _paragraphs(text):
        assert para, "empty paragraph"
        assert "\n" not in para, f"line break inside paragraph: {para[:60]!r}"
        assert para == para.strip() and "  " not in para and "\t" not in para
    paras = _paragraphs(text)
    assert len(paras) == len(set(paras)), "a paragraph appears twice"
    if result.title:
        assert not text.startswith(result.title), "title repeated at the start of text"
    if result.published_at is not None:
        assert result.published_at.utcoffset().total_seconds() == 0


def _assert_in_order(paras: list[str], expected: list[str]) -> None:
    positions = [paras.index(e) for e in expected]  # ValueError: not a whole paragraph
    assert positions == sorted(positions), "paragraphs out of order"


# --------------------------------------------------------------------------------------
# The five real seeds
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["000", "001", "002", "003", "004"])
def seed_result(request) -> tuple[str, Extracted]:
    return request.param, clean_text_dump(_seed(request.param))


def test_seed_no_boilerplate_survives(seed_result):
    name, result = seed_result
    _assert_well_formed(result)
    for needle in FORBIDDEN:
        assert needle not in result.text, f"seed {name}: {needle!r} survived"
    assert len(result.text.split()) > 400, f"seed {name}: body lost"


def test_seed_000_series_note_and_headings():
    result = clean_text_dump(_seed("000"))
    paras = _paragraphs(result.text)
    # No headline in this dump; the series note is kept as the first paragraph (decision:
    # publisher notes about the article are body text, see textclean's module docstring).
    assert result.title is None
    assert paras[0].startswith("This article is the latest in a series we are producing")
    assert paras[1].startswith("Relations between Pakistan and the United States appear to be at an all-time low.")
    assert paras[-1].endswith(
        "requires careful diplomacy and investment in Pakistan to offset China’s economic and military influence."
    )
    _assert_in_order(paras, [
        "The latest U.S. drone strike deepens the spat",
        "Shifting alliances",
        "The Impact of Chinese investment in Pakistan",
        "Impact on human rights and security in the region",
        "What should the United States do?",
    ])
    assert len(paras) == 20  # nothing to drop in this dump


def test_seed_001_paywall_kicker_teaser_credit_taboola():
    result = clean_text_dump(_seed("001"))
    paras = _paragraphs(result.text)
    assert result.title == "The U.S.-Pakistan relationship in disarray"
    assert "The South Asia Channel" not in result.text
    assert "Rachel Mines" not in result.text
    assert "Arif Ali" not in result.text
    # The teaser ending in "..." repeated the first two paragraphs; only the full text stays.
    assert "and that it will ..." not in result.text
    assert paras[0] == (
        "Pakistan’s prolonged detention of Raymond Davis, the CIA contractor who shot and killed two "
        "Pakistani motorcyclists in Lahore on January 27, has undoubtedly dealt a body blow to "
        "U.S.-Pakistan relations."
    )
    # Two paragraphs the dump glued with a single newline come out as two paragraphs.
    assert paras[1].endswith("some fear could rupture completely.")
    assert paras[2].startswith("The ongoing U.S.-Pakistan struggles are often attributed to a mere trust gap")
    assert "a very shaky status quo may well persevere." in paras[-2]
    # Author bio: kept, as the last paragraph (decision documented in the module).
    assert paras[-1].startswith("Michael Kugelman is the South Asia program associate")
    assert "More from Foreign Policy" not in result.text
    assert "By Taboola" not in result.text


SEED_002_QUESTIONS = [
    "Defense Secretary Leon Panetta, visiting Afghanistan June 7, said because of attacks from Haqqani "
    "forces--insurgent Afghan forces based in Pakistan--the United States is \"reaching the limits of our "
    "patience\" with Pakistan. Does this indicate a new low in U.S.-Pakistan relations, or is this the new norm?",
    "That was because of Pakistan’s nuclear program, right?",
    "Pakistan was among our closest allies when I started covering foreign affairs in the 1960s. "
    "How did relations plummet so?",
    "How does the United States justify the use of drones that attack Pakistani territory?",
    "You’ve just been in Pakistan. Is there now a stronger anti-American feeling?",
    "Civilian deaths often accompany these drone attacks.",
    "Did the Obama administration think about giving Pakistan advance warning about the raid on Osama bin "
    "Laden’s compound in Abbottabad last year, or invite the Pakistani forces to participate in it? Clearly "
    "that was a great shock to the Pakistani leadership and military, and as you noted, relations have been "
    "bad since then.",
    "Why doesn’t Pakistan take action against the Haqqani network instead of letting the group take "
    "sanctuary in Pakistan?",
]


def test_seed_002_interview_questions_date_and_pull_quotes():
    result = clean_text_dump(_seed("002"))
    paras = _paragraphs(result.text)
    assert result.title == "The Widening U.S.-Pakistan Rift"
    assert "The Widening U.S.-Pakistan Rift" not in result.text  # printed twice in the dump
    assert result.published_at == datetime(2012, 6, 7, 20, 1, tzinfo=timezone.utc)  # 3:01 pm EST
    assert "3:01 pm" not in result.text
    assert paras[0].startswith("The U.S. drone attack that killed an al-Qaeda leader has further frayed ties")
    _assert_in_order(paras, SEED_002_QUESTIONS)
    assert paras[-1] == (
        "I think the Pakistani policy is short-sighted. If they actually succeed in retaining ties with the "
        "Haqqanis and Afghanistan falls to pieces after the United States leaves, the Haqqanis will then turn on them."
    )
    # Topic tags under "More on:" and the "Top Stories" list are gone.
    for gone in ["Terrorism and Counterterrorism", "Election 2024", "United Kingdom", "CFR experts discuss"]:
        assert gone not in result.text
    # Pull quotes repeated body sentences; each sentence now appears once, inside its answer.
    assert result.text.count("There is an underlying anti-Americanism in almost every corner in Pakistan.") == 1
    assert "There is an underlying anti-Americanism in almost every corner in Pakistan." not in paras
    assert result.text.count("But they believe the Haqqanis are probably their best proxies") == 1


def test_seed_003_caption_title_and_consent_tail():
    result = clean_text_dump(_seed("003"))
    paras = _paragraphs(result.text)
    assert result.title == "How Pakistan Is Responding to Trump"
    assert "Pakistani traders rally in Islamabad" not in result.text  # caption, printed twice
    assert "Bangash" not in result.text
    assert paras[0].startswith("Pushed by Trump, Tillerson, and Mattis to do more to fight terrorism")
    _assert_in_order(paras, ["Why ask for compensation now?", "Other Pakistani pushback"])
    assert paras[-1].endswith(
        "one individual that the U.S. had listed as a Specially Designated Global Terrorist."
    )
    for gone in ["Do Not Sell", "California Consumer Privacy Act", "opt-out", "Save Settings"]:
        assert gone not in result.text
    assert "X" not in paras


def test_seed_004_credits_share_and_related():
    result = clean_text_dump(_seed("004"))
    paras = _paragraphs(result.text)
    assert result.title == "Pakistan and the United States"
    assert paras[0].startswith("U.S. Secretary of State Rex Tillerson was recently on a tour of South Asia")
    assert "Quid Pro Quo Policy with Modest Thaw" in paras
    assert paras[-1].endswith("will bear fruit.")
    for gone in ["Image 1", "Department of State via", "Modi 3.0", "Bharatiya Janata", "Ladakh", "Maritime commerce"]:
        assert gone not in result.text


# --------------------------------------------------------------------------------------
# Invented dumps: same boilerplate kinds, different wording
# --------------------------------------------------------------------------------------

INVENTED = {
    # consent at the top ("We value your privacy… Accept all"), kicker, byline, Guardian-style
    # date, caption printed twice with "Photograph: …/Reuters", "Read more:", metering note,
    # fragment pull quote, "You may also like" + share + copyright at the end.
    "harbour_strike": dict(
        title="Dockworkers' strike halts container traffic at Northport",
        byline="Jane Doe",
        published_at=datetime(2025, 3, 4, 14, 32, tzinfo=timezone.utc),
    ),
    # paywall price line, "Published: … a.m. ET" (EST in March), "By X | Staff Writer",
    # teaser ending in "…" repeating the lede, "Photo: … via Flickr", "Advertisement",
    # inline "Recommended for you" box mid-article, a real "More on the budget" heading,
    # "Already a subscriber? Log in", "Most Read" + "Comments (14)".
    "clinic_funding": dict(
        title="City approves $4.2 million to reopen shuttered east side clinics",
        byline="Marcus Bell",
        published_at=datetime(2024, 3, 3, 14, 15, tzinfo=timezone.utc),
    ),
    # hard-wrapped at 72 columns; one-line cookie notice + "OK", newsletter pitch, two
    # authors, ISO timestamp, caption with credit on the next line "(AP Photo/…)", a
    # whole-sentence pull quote, "Related coverage:" list, weak "More from <Site>" tail.
    "drought_wrapped": dict(
        title="Drought forces farmers to cull herds across the southern plains",
        byline="Maria Lopez and Tom Chen",
        published_at=datetime(2023, 11, 5, 8, 30, tzinfo=timezone.utc),
    ),
}


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(INVENTED))
def test_invented_dump_exact_output(name):
    result = clean_text_dump(_fixture(f"{name}.txt"))
    _assert_well_formed(result)
    expected = _fixture(f"{name}.expected.txt").strip()
    assert result.text == expected
    for field, value in INVENTED[name].items():
        assert getattr(result, field) == value, field


def test_invented_dumps_drop_each_kind():
    harbour = clean_text_dump(_fixture("harbour_strike.txt")).text
    for gone in ["privacy", "Accept all", "Photograph:", "Containers stacked", "Read more", "free articles",
                 "Subscribe", "You may also like", "Ferry fares", "Share this", "©", "Business"]:
        assert gone not in harbour, gone
    assert harbour.count("Our members kept this port running through the pandemic") == 1
    clinic = clean_text_dump(_fixture("clinic_funding.txt")).text
    for gone in ["$1 a week", "…", "via Flickr", "Advertisement", "Recommended for you", "Water main break",
                 "Already a subscriber", "Most Read", "garage fire", "Comments"]:
        assert gone not in clinic, gone
    # A mid-article heading that looks like a trailing header, followed by real body: kept.
    assert "\n\nMore on the budget\n\n" in clinic
    drought = clean_text_dump(_fixture("drought_wrapped.txt")).text
    for gone in ["cookies", "newsletter", "AP Photo", "rancher moves cattle", "Related coverage",
                 "Wheat harvest", "More from Wire Daily", "Fuel prices"]:
        assert gone not in drought, gone
    assert drought.count("You can't rebuild a herd in one good season") == 1


def _normalised_paragraphs(raw: str) -> list[str]:
    blocks = re.split(r"\n\s*\n", raw.strip())
    return [" ".join(block.split()) for block in blocks]


def test_clean_text_passes_through_unchanged():
    raw = _fixture("clean_article.txt")
    paras = _normalised_paragraphs(raw)
    result = clean_text_dump(raw)
    assert result.title == paras[0] == "Wind farm off Cape Ardent wins final approval"
    assert result.text == "\n\n".join(paras[1:])
    assert "What happens next" in _paragraphs(result.text)
    assert result.byline is None and result.published_at is None


@pytest.mark.parametrize(
    "raw",
    [pytest.param(lambda: _seed(p), id=f"seed{p}") for p in ["000", "001", "002", "003", "004"]]
    + [pytest.param(lambda n=n: _fixture(f"{n}.txt"), id=n) for n in [*sorted(INVENTED), "clean_article"]],
)
def test_cleaning_is_idempotent(raw):
    """Clean output (title line + body) is itself clean text: a second pass changes nothing."""
    first = clean_text_dump(raw())
    again = clean_text_dump(f"{first.title}\n\n{first.text}" if first.title else first.text)
    assert again.text == first.text
    assert again.title == first.title


# --------------------------------------------------------------------------------------
# Rules are general: one boilerplate line dropped from inside an ordinary article
# --------------------------------------------------------------------------------------

_ARTICLE_HEAD = (
    "Port authority outlines plan to modernise the northern docks\n\n"
    "The port authority on Tuesday published a ten-year plan to modernise the northern docks, "
    "promising new cranes, an electrified rail spur and a deeper channel for larger container ships.\n\n"
    "Officials said the first phase, costing about $300 million, would begin next year if the state "
    "legislature approves the borrowing in its spring session.\n\n"
)
_ARTICLE_TAIL = (
    "\n\nLocal businesses broadly welcomed the plan, although several residents' groups said they would "
    "press for limits on night-time work and truck traffic through the harbour district.\n\n"
    "A public consultation will run until the end of June, with hearings scheduled in each ward.\n\n"
    "The authority expects to publish a revised version of the plan in the autumn, after reviewing "
    "comments from residents, shipping lines and the city council."
)


@pytest.mark.parametrize(
    "line, reason",
    [
        ("We use cookies to give you the best possible experience on our website.", "consent"),
        ("By clicking “Accept”, you agree to the storing of cookies on your device.", "consent"),
        ("Manage consent preferences", "consent"),
        ("Subscribe to continue reading", "paywall"),
        ("You have reached your limit of free articles this month.", "paywall"),
        ("This article is reserved for subscribers.", "paywall"),
        ("Start your free 14-day trial today", "paywall"),
        ("Already have an account? Sign in", "paywall"),
        ("Sign up for the Evening Briefing newsletter", "paywall"),
        ("Photograph: Jane Doe/Reuters", "credit"),
        ("Photo: Harbour Authority", "credit"),
        ("Credit: Port of Northport", "credit"),
        ("Image 3: Wikimedia Commons", "credit"),
        ("AP Photo/Evan Vucci", "credit"),
        ("John Moore/Getty Images", "credit"),
        ("Bloomberg via Getty Images", "credit"),
        ("(Getty Images)", "credit"),
        ("Cranes unload a ship at the northern docks. Photo by Sam Lee/AFP", "caption"),
        ("Advertisement", "ui"),
        ("Story continues below advertisement", "ui"),
        ("5 min read", "ui"),
        ("© 2024 Northport Herald Ltd", "ui"),
        ("Read more: Container volumes hit a record in March", "widget"),
        ("See also: How the harbour board is elected", "widget"),
    ],
)
def test_boilerplate_line_inside_article_is_dropped(line, reason):
    raw = _ARTICLE_HEAD + line + _ARTICLE_TAIL
    decisions = dict((text, decision) for decision, text in explain_text_dump(raw))
    assert decisions[" ".join(line.split())] == reason
    result = clean_text_dump(raw)
    assert line not in result.text
    assert len(_paragraphs(result.text)) == 5  # every body paragraph kept


@pytest.mark.parametrize(
    "line",
    [
        # A news sentence about cookies is not a banner.
        "Google said it would stop supporting third-party cookies in Chrome, a change advertisers have long feared.",
        "Reuters reported that the talks had stalled over the cost of the rail spur.",
        "More on the financing",  # heading followed by body paragraphs
        "Photos of the site show rusting cranes and silted berths.",
        "By 2030, the authority expects traffic to double.",
        "Why now?",
        "Q:",
    ],
)
def test_body_lines_that_resemble_boilerplate_are_kept(line):
    raw = _ARTICLE_HEAD + line + _ARTICLE_TAIL
    result = clean_text_dump(raw)
    assert line in _paragraphs(result.text)


def test_trailing_header_cuts_only_after_the_body():
    body = _ARTICLE_HEAD.split("\n\n", 1)[1] + _ARTICLE_TAIL.strip()
    tail = "\n\nYou might also like\n\nHarbour ferry to resume Sunday service\n\nDock museum reopens after repairs"
    result = clean_text_dump("Port authority outlines plan\n\n" + body + tail)
    assert "ferry" not in result.text and "museum" not in result.text
    assert result.text.endswith("shipping lines and the city council.")
    # The same header early in the body is an inline box: its items (the rest of its
    # block) go, the article stays.
    box = "\n\nYou might also like\nHarbour ferry to resume Sunday service\nDock museum reopens after repairs"
    top = "Port authority outlines plan\n\n" + body.split("\n\n", 1)[0] + box + "\n\n" + body.split("\n\n", 1)[1]
    result = clean_text_dump(top)
    assert "ferry" not in result.text and "museum" not in result.text
    assert result.text.endswith("shipping lines and the city council.")
    assert len(_paragraphs(result.text)) == 5


def test_paragraph_printed_twice_is_kept_once():
    repeated = "Officials said the first phase, costing about $300 million, would begin next year"
    raw = _ARTICLE_HEAD + _ARTICLE_HEAD.split("\n\n")[2] + _ARTICLE_TAIL
    assert raw.count(repeated) == 2
    result = clean_text_dump(raw)
    assert result.text.count(repeated) == 1
    assert len(_paragraphs(result.text)) == 5


def test_repeated_qa_markers_and_section_breaks_survive():
    raw = (
        "An interview with the harbour master\n\n"
        "Q:\n\nHow long will the dredging take to complete once the permits are issued?\n\n"
        "A:\n\nAbout eighteen months, if the weather holds and the contractors deliver the barges on time.\n\n"
        "* * *\n\n"
        "Q:\n\nWill the channel stay open to ferries while the work is going on?\n\n"
        "A:\n\nYes, one lane stays open at all times, with pilots guiding every vessel through the works."
    )
    paras = _paragraphs(clean_text_dump(raw).text)
    assert paras.count("Q:") == 2 and paras.count("A:") == 2


# --------------------------------------------------------------------------------------
# Header metadata
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, expected",
    [
        ("June 7, 2012 3:01 pm (EST)", datetime(2012, 6, 7, 20, 1, tzinfo=timezone.utc)),
        ("Published: March 3, 2024 at 9:15 a.m. ET", datetime(2024, 3, 3, 14, 15, tzinfo=timezone.utc)),
        ("Updated July 4, 2024 at 9:15 a.m. ET", datetime(2024, 7, 4, 13, 15, tzinfo=timezone.utc)),  # EDT
        ("Tue 4 Mar 2025 14.32 GMT", datetime(2025, 3, 4, 14, 32, tzinfo=timezone.utc)),
        ("2023-11-05T08:30:00Z", datetime(2023, 11, 5, 8, 30, tzinfo=timezone.utc)),
        ("2023-11-05 10:30 +02:00", datetime(2023, 11, 5, 8, 30, tzinfo=timezone.utc)),
        ("Sept. 12, 2019", datetime(2019, 9, 12, tzinfo=timezone.utc)),  # no zone written: UTC
        ("12th December 2020", datetime(2020, 12, 12, tzinfo=timezone.utc)),
    ],
)
def test_parse_date_line(line, expected):
    assert parse_date_line(line) == expected


@pytest.mark.parametrize(
    "line",
    ["June 2012", "The vote on June 7, 2012 was close", "February 30, 2024", "June 7, 2012 newsroom",
     "13:01 pm June 7", ""],
)
def test_parse_date_line_rejects_non_dates(line):
    assert parse_date_line(line) is None


@pytest.mark.parametrize(
    "line, expected",
    [  # layouts outside the three the cleaner's own parser knew (D56: dateparser reads them)
        ("March 3 2024 9am", datetime(2024, 3, 3, 9, 0, tzinfo=timezone.utc)),
        ("9 am March 3 2024", datetime(2024, 3, 3, 9, 0, tzinfo=timezone.utc)),
        ("Tuesday, March 3 at 9 am, 2024", datetime(2024, 3, 3, 9, 0, tzinfo=timezone.utc)),
        ("7th of June 2012", datetime(2012, 6, 7, tzinfo=timezone.utc)),
        ("Friday, 7 June 2019 10:12 GMT+5", datetime(2019, 6, 7, 5, 12, tzinfo=timezone.utc)),
    ],
)
def test_parse_date_line_reads_more_layouts(line, expected):
    assert parse_date_line(line) == expected


@pytest.mark.parametrize(
    "line",
    ["06/07/2012",  # June or July, depending on the country: not guessed
     "May 2012 be remembered", "Islamabad, June 7, 2012", "Photo: June 7, 2012", "June 7 2012 2:61 pm",
     "March 3, 2024 Updated March 4, 2024", "yesterday at 9 am", "1338 words, 2012"],
)
def test_parse_date_line_still_rejects_what_is_not_a_date_line(line):
    assert parse_date_line(line) is None


def test_byline_and_date_on_one_line():
    raw = ("Harbour dredging begins\n\nBy Ana Ruiz | June 9, 2024 8:00 am PDT\n\n"
           + _ARTICLE_HEAD.split("\n\n", 1)[1] + _ARTICLE_TAIL.strip())
    result = clean_text_dump(raw)
    assert result.title == "Harbour dredging begins"
    assert result.byline == "Ana Ruiz"
    assert result.published_at == datetime(2024, 6, 9, 15, 0, tzinfo=timezone.utc)
    assert "Ana Ruiz" not in result.text


def test_date_line_deep_in_the_body_is_left_alone():
    paras = [f"Paragraph {i} of the report describes the state of the docks in some detail here." for i in range(6)]
    raw = "Dock report\n\n" + "\n\n".join(paras[:4] + ["June 7, 2012"] + paras[4:])
    result = clean_text_dump(raw)
    assert result.published_at is None
    assert "June 7, 2012" in _paragraphs(result.text)


# --------------------------------------------------------------------------------------
# Robustness
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", " ", "\n\n\n", "\t \r\n \r ", "\x00\x00", "\u200b\ufeff"])
def test_empty_and_blank_inputs(raw):
    result = clean_text_dump(raw)
    assert result == Extracted(text="", extractor=EXTRACTOR)


def test_single_lines():
    assert clean_text_dump("Senate passes budget bill").text == "Senate passes budget bill"
    assert clean_text_dump("Senate passes budget bill").title is None
    one = "The Senate passed the budget bill on Tuesday by a vote of 52 to 48."
    assert clean_text_dump(f"  {one}  \n").text == one
    assert clean_text_dump("Accept all cookies").text == ""


def test_line_endings_and_control_characters_do_not_change_the_result():
    raw = _fixture("harbour_strike.txt")
    reference = clean_text_dump(raw)
    assert clean_text_dump(raw.replace("\n", "\r\n")) == reference
    assert clean_text_dump(raw.replace("\n", "\r")) == reference
    noisy = (raw.replace("Northport", "North\x00port").replace("harbour", "har\u200bbour")
             .replace("Talks are", "Talks\u00a0\u00a0are").replace("came to", "came\tto"))
    assert clean_text_dump(noisy) == reference


def test_garbage_input_does_not_crash():
    garbage = "".join(chr(c) for c in range(0x110)) * 50 + "\ud800"  # incl. a lone surrogate
    result = clean_text_dump(garbage)
    assert isinstance(result, Extracted)


# Speed is measured in bench/, not asserted here; the timeout only catches a rule that
# goes quadratic (minutes, not seconds) on a 2 MB input.
@pytest.mark.timeout(60)
def test_huge_realistic_dump_keeps_each_paragraph_once():
    seeds = "\n\n".join(_seed(p) for p in ["000", "001", "002", "003", "004"])
    raw = (seeds * (2_000_000 // len(seeds) + 1))[:2_000_000]
    result = clean_text_dump(raw)
    # The same pages over and over: each body paragraph survives once.
    assert result.text.count("Relations between Pakistan and the United States appear to be at an all-time low.") == 1


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(("word " * 400_000)[:2_000_000], id="one-2MB-line"),
        pytest.param("\n".join(f"Line {i} about AP" for i in range(130_000))[:2_000_000], id="130k-short-lines"),
        pytest.param("ABCDEFGHIJ" * 200_000, id="one-2MB-token"),
        pytest.param("Photo: x/" * 220_000, id="credit-like-line"),
        pytest.param("\r\n" * 1_000_000, id="only-crlf"),
        pytest.param("\x00" * 2_000_000, id="only-nul"),
    ],
)
@pytest.mark.timeout(60)
def test_huge_pathological_inputs_do_not_crash(raw):
    result = clean_text_dump(raw)
    assert isinstance(result, Extracted)
    assert len(result.text.split()) <= len(raw.split())  # nothing invented
