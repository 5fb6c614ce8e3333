"""Extract stage on real files, through the load path's functions (discover, extract_batch,
the articles contract): what hostile characters become in an article (D104)."""

from __future__ import annotations

from pathlib import Path

from newsetl.extract import extract_batch
from newsetl.extract.document import CONTROLS, without_controls
from newsetl.quality.validate import validate_records
from newsetl.settings import Settings
from newsetl.sources import discover
from schemas import count_words

SENTENCE = "The minister said the talks with Pakistan would continue next week in Islamabad."
BODY = " ".join([SENTENCE] * 6)


def _line(city: str) -> str:
    return " ".join(f"The envoy said the talks in {city} went well on day {k}." for k in range(1, 7))


def _landed(raw: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    """(articles that pass the contract, quarantine rows) by source_uri."""
    out = extract_batch(list(discover(raw)), Settings(), "test")
    checked = validate_records("articles", out.articles, "test")
    articles = {row["source_uri"]: row for row in checked.valid.to_dict("records")}
    quarantine = {q["source_uri"]: q for q in out.quarantine + checked.quarantine}
    return articles, quarantine


def test_control_characters_and_non_characters_never_reach_an_article(tmp_path):
    # C0 controls written as character references stayed in an HTML page's text (&#1;,
    # &#127;), and so did U+FFFE/U+FFFF; raw ones were deleted by the HTML parser, joining
    # the words on either side; a vertical tab or a form feed in a text dump cut its line.
    refs = "alpha&#1;beta gamma&#x7;delta eta&#xFFFE;theta iota&#xFFFF;kappa omi&#127;cron nu&#x1B;xi"
    raw_controls = "Raw\x01bytes here\x0bvertical and\x0cfeed and\x1bescape."
    (tmp_path / "page.html").write_text(
        "<html><head><title>The&#1; talks\x02 resume</title></head><body><article>"
        f"<p>{BODY} {refs}</p><p>{BODY} {raw_controls}</p><p>&#1;&#xFFFF;</p></article></body></html>"
    )
    # In a dump, a vertical tab (a word processor's line break) and a form feed (a page
    # break) are line breaks, as str.splitlines() reads them; the other controls are spaces.
    (tmp_path / "dump.txt").write_text(
        f"Talks resume\n\n{BODY} Raw\x01bytes and\x1bescape to the end\ufffe.\x0c{_line('Lahore')}\x0b"
        f"{_line('Karachi')}\n\n{BODY}\n"
    )
    articles, quarantine = _landed(tmp_path)
    assert quarantine == {} and set(articles) == {"page.html", "dump.txt"}
    page, dump = articles["page.html"], articles["dump.txt"]
    for article in (page, dump):
        for value in (article["text"], article["title"] or ""):
            assert not CONTROLS.search(value), repr(value)
        # the count, the hash and the layout are of the clean text
        assert article["word_count"] == count_words(article["text"])
        assert all(p and p == " ".join(p.split()) for p in article["text"].split("\n\n"))
    assert page["title"] == "The talks resume"
    assert "alpha beta gamma delta eta theta iota kappa omi cron nu xi" in page["text"]
    assert "Raw bytes here vertical and feed and escape." in page["text"]
    assert "Raw bytes and escape to the end ." in dump["text"]
    # the lines after the form feed and the vertical tab are kept, each a line of its own
    for city in ("Lahore", "Karachi"):
        assert _line(city) in dump["text"].split("\n\n")


def test_without_controls_keeps_words_apart_and_clean_text_as_it_is():
    clean = f"{SENTENCE}\n\n{SENTENCE}"
    assert without_controls(clean) is clean
    assert without_controls("a\x01b \x0b c\n\n\x07\ufdd0\n\nd\uffff") == "a b c\n\nd"
    # tab, line feed, carriage return, NEL (a line break) and U+FFFD are not controls here
    assert not CONTROLS.search("\t\n\r\x85\ufffd")


def test_a_page_without_a_letter_or_digit_is_quarantined_like_its_empty_dump(tmp_path):
    # A page of emoji and symbols landed as an article of hundreds of "words"; its text dump
    # is cut to an empty text, quarantined by the contract. The contract now says why.
    emoji = " ".join(["\U0001F600\U0001F389\U0001F525 \U0001F44D\U0001F3FD \u2764\ufe0f \u2728 \U0001F1F5\U0001F1F0 \u2605 \u263a"] * 40)
    paragraphs = "".join(f"<p>{emoji}</p>" for _ in range(8))
    (tmp_path / "emoji.html").write_text(f'<html lang="en"><body><article>{paragraphs}</article></body></html>')
    (tmp_path / "emoji.txt").write_text("\n\n".join([emoji] * 8))
    # one letter, or digits only, is text: a short one is held by word_count alone
    (tmp_path / "scores.html").write_text(
        "<html><body><article>" + "".join(f"<p>{i} \u2013 {i + 1} \u2605</p>" for i in range(60)) + "</article></body></html>")
    articles, quarantine = _landed(tmp_path)
    assert set(quarantine) == {"emoji.html", "emoji.txt"} and set(articles) == {"scores.html"}
    page, dump = quarantine["emoji.html"], quarantine["emoji.txt"]
    assert (page["table"], page["check"]) == ("articles", "has_letter_or_digit")
    assert page["reason"].startswith("text: has_letter_or_digit (got '\U0001F600")
    # the empty dump keeps its reasons: the empty text is str_length's alone
    assert dump["check"] == "str_length(1, 2000000), greater_than_or_equal_to(50)"
