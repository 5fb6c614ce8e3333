"""Error classes of the claims audit on other sites' pages (D83, ``bench/claims_audit.py``):
cue classes and speaker names on sentences of the Zyte article-extraction benchmark
(MIT; the page is named above each text), through both extractors where the row is
theirs and through ``cue_class`` and ``SpeakerResolver`` themselves where the cue is the
model's decision.
"""

from __future__ import annotations

import pytest

from newsetl.enrich.claims.cueclass import cue_class
from newsetl.enrich.claims.lexicon import default_lexicon
from newsetl.enrich.claims.quotemarks import QuoteIndex, find_quotes
from newsetl.enrich.claims.speakers import SpeakerResolver
from support.claims import find, mentions_of, rows_of


def class_of(nlp, text: str, cue: str, speaker: str, content: str, quoted: bool = False) -> str:
    """``cue_class`` of the cue word ``cue`` said by the word ``speaker`` about ``content``."""
    doc = nlp(text)
    tok = {t.text: t for t in doc}
    a = text.index(content)
    return cue_class(tok[cue], tok[speaker], [(a, a + len(content))], quoted=quoted)


def resolver_of(doc, mentions: list[dict] | None = None) -> SpeakerResolver:
    """The resolver the extractors build for ``doc`` (its own mentions unless given)."""
    lexicon = default_lexicon()
    return SpeakerResolver(doc, mentions_of(doc) if mentions is None else mentions,
                           QuoteIndex(find_quotes(doc.text)), lexicon.person_nominals, lexicon.org_nominals)


def resolve(nlp, text: str, phrase: str, head: str, at: int = 0):
    """The resolution of the speaker phrase ``phrase`` (its first occurrence from ``at``)."""
    doc = nlp(text)
    resolver = resolver_of(doc)
    a = text.index(phrase, at)
    tok = next(t for t in doc if t.text == head and a <= t.idx < a + len(phrase))
    return resolver.resolve(tok, a, a + len(phrase))


# ----------------------------------------------------------------------------- cue classes
def test_a_stance_verb_with_a_noun_phrase_is_speech(nlp):
    # slate.com, John M. Ford: a denial of a noun phrase says the family was not involved
    text = "(The family denies any involvement.)"
    assert class_of(nlp, text, "denies", "family", "any involvement") == "speech"
    # the noun-phrase rule still makes an event "other" (D51)
    text = "Last week State Department official David Holmes revealed one of those interactions to impeachment investigators."
    assert class_of(nlp, text, "revealed", "Holmes", "one of those interactions") == "other"


def test_a_news_outlet_reporting_is_speech(nlp):
    # cnn.com, Asian markets: an outlet's "reported that" is speech, not a finding
    text = ("The major Asian market indexes were mixed in early trading Tuesday after CNBC reported that the mood "
            "in Beijing was pessimistic.")
    assert class_of(nlp, text, "reported", "CNBC", "the mood in Beijing was pessimistic") == "speech"
    rows = rows_of(nlp, text, "rules")
    find(rows, "the mood in Beijing was pessimistic", cue="reported", cue_class="speech")
    # latimes.com, Gannett: a reported figure is a noun phrase, no speech
    text = ("McClatchy reported a loss of $304.7 million on revenue of $167.4 million in the third quarter ended "
            "Sept. 29.")
    assert class_of(nlp, text, "reported", "McClatchy", "a loss of $304.7 million") == "other"
    # nypost.com, plague: a passive with no one reporting is an occurrence on record
    text = ("A case of the bubonic plague was reported in China over the weekend — after two people there were "
            "diagnosed with the pneumonic plague last week.")
    assert class_of(nlp, text, "reported", "plague", "in China over the weekend") == "other"
    # a study reporting stays a document
    text = "The study reported that the drug cut deaths by half."
    assert class_of(nlp, text, "reported", "study", "the drug cut deaths by half") == "document"


@pytest.mark.parametrize("text, cue, speaker, content", [
    # usatoday.com, flu vaccines for detained migrants
    ("In a Nov. 5 letter, the doctors pleaded with the administration to reconsider its decision to not "
     "vaccinate detained migrants for flu.", "pleaded", "doctors", "to reconsider its decision"),
    # slate.com, John M. Ford
    ("By then, McDougal and Rigney, who would eulogize Ford as his “blood brother,” had essentially adopted him.",
     "eulogize", "who", "Ford as his “blood brother,”"),
])
def test_speech_verbs_the_table_lacked(nlp, text, cue, speaker, content):
    assert class_of(nlp, text, cue, speaker, content, quoted="“" in content) == "speech"


# ----------------------------------------------------------------------------- speakers
HAYDEN = ("“He could have had a more successful career,” Patrick Nielsen Hayden, Teresa’s husband and Tor’s editor "
          "in chief, said, “if he had been more disciplined about his writing” and stuck to one genre, or written a "
          "series.")


def test_an_apposition_parsed_as_a_conjunct_is_no_second_speaker(nlp):
    # slate.com: the parser makes "husband" a conjunct of "Hayden"; one speaker, named
    res = resolve(nlp, HAYDEN, "Patrick Nielsen Hayden", "Hayden")
    assert res is not None and res.name == "Patrick Nielsen Hayden"
    for extractor in ("model", "rules"):
        r = find(rows_of(nlp, HAYDEN, extractor), "He could have had a more successful career", cue="said")
        assert r["speaker_name"] == "Patrick Nielsen Hayden", extractor
    # two people coordinated still name nobody
    text = "Kurt Volker and Tim Morrison said they had no knowledge of any effort to pressure Ukraine."
    assert resolve(nlp, text, "Kurt Volker and Tim Morrison", "Volker") is None


BIG_MACHINE = ("A row involving Taylor Swift, her former record label and a couple of big name US politicians looks "
               "like it's coming to an end.\n\nThe group that owns most of her music, Big Machine, says she will be "
               "allowed to play her old tracks at the American Music Awards on Sunday.\n\nSwift got high profile "
               "support last week, after accusing them of trying to stop her performing her back catalogue.\n\nBut "
               "the company says she didn't need their permission in the first place.\n\nTaylor Swift's first six "
               "albums were released through Big Machine, which was bought out by a company owned by talent manager "
               "Scooter Braun earlier this year.")


def test_a_name_the_ner_missed_takes_its_mention_elsewhere(nlp):
    # bbc.com: the NER tags "Big Machine" only in the last paragraph
    doc = nlp(BIG_MACHINE)
    first = BIG_MACHINE.index("Big Machine")
    assert not any(m["start_char"] == first for m in mentions_of(doc))
    res = resolve(nlp, BIG_MACHINE, "Big Machine", "Machine")
    assert res is not None and res.name == "Big Machine"
    r = find(rows_of(nlp, BIG_MACHINE, "model"), "she will be allowed to play her old tracks")
    assert r["speaker_name"] == "Big Machine"


DUVET = ("His doctor referred him to an urgent respiratory care clinic and sought out advice from one of the study "
         "authors, Owen Dempsey, a chest doctor at the Aberdeen Royal Infirmary.\n\n“Their immune system behaves in "
         "an exaggerated fashion—think Donald Trump rather than Barack Obama”\n\nDempsey talked with the man over "
         "the phone, trying to zero in any potential causes for his symptoms. And once the man mentioned that he and "
         "his wife had recently switched from synthetic bedding to a feather duvet and feather pillows, Dempsey "
         "quickly came up with a preliminary diagnosis that was later confirmed by lab testing: hypersensitivity "
         "pneumonitis, or HP.")


def test_the_man_is_not_the_last_named_speaker(nlp):
    # gizmodo.com, feather duvet lung: "the man" is the patient, Dempsey the doctor
    at = DUVET.index("once the man")
    assert resolve(nlp, DUVET, "the man", "man", at) is None
    for extractor in ("model", "rules"):
        r = find(rows_of(nlp, DUVET, extractor), "he and his wife had recently switched", cue="mentioned")
        assert r["speaker_name"] is None, extractor
    # a speaker introduced as a man is still "the man"
    text = ("John Smith, a local man, said the fire started in the kitchen.\n\nThe man said he called the fire "
            "department at once.")
    r = find(rows_of(nlp, text, "rules"), "he called the fire department", cue="said")
    assert r["speaker_name"] == "John Smith"


def test_a_nationality_is_no_speaker(nlp):
    # albawaba.com, Israeli settlements: the NORP in the phrase is no one who speaks
    text = ("The French foreign ministry said it \"regrets any decision likely to encourage... settlement building\".\n\n"
            "Israeli settlers, who overwhelmingly form part of Netanyahu's right-wing constituency, said the US policy "
            "change paved the way for the annexation of West Bank settlements into Israel.")
    assert resolve(nlp, text, "The French foreign ministry", "ministry") is None
    assert resolve(nlp, text, "Israeli settlers", "settlers") is None
    for extractor in ("model", "rules"):
        r = find(rows_of(nlp, text, extractor), "the US policy change paved the way", cue="said")
        assert r["speaker_name"] is None, extractor
    # an organization or a place still names its officials
    text = "US officials said American forces had launched a rescue mission to free the hostages."
    res = resolve(nlp, text, "US officials", "officials")
    assert res is not None and res.label == "GPE"


# ----------------------------------------------------------------------------- D88: cues that attribute nothing
def cues_of(nlp, text: str) -> set[str]:
    return {r["cue"] for r in rows_of(nlp, text, "model")}


@pytest.mark.parametrize("text, cue", [
    # uexpress.com, Dear Abby: advice to the letter writer ("you" is the source)
    ("I'm 74 and was tempted to go to the police but didn't. Now I wish I had pressed charges. Should I have? -- "
     "BEATEN UP IN CALIFORNIA\n\nDEAR BEATEN UP: There is probably more to this story than what you have written, "
     "but yes, you should have notified the police. You were assaulted and falsely imprisoned in that restroom.",
     "notified"),
    # tennis podcast page: a question no one named asks
    ("Afterwards, The Tennis Podcast team of Catherine Whitaker, David Law and Matt Roberts gave their initial "
     "impressions of the new format.\n\nIs it fair to say that the event was neither as bad as the sceptics thought "
     "it would be, nor as good as the organisers hoped it would be? Was it a misjudgement to hold the opening "
     "ceremony at 2:30pm on a Monday?", "say"),
    # apnews.com, debate preview: an imperative to the reader
    ("Given that policy specifics make up the backbone of her candidacy, she can’t afford another underwhelming "
     "performance on the defining policy debate of the primary season. Expect the policy-minded senator to have a "
     "new strategy this time around.", "Expect"),
    # self-help pages: the writer telling "you", and an imperative's conjunct
    ("Today, we’re going to talk about how to adapt a success mindset so you’re able to step into a leadership "
     "role in your online business naturally and with ease.\n\nBut more importantly, I’m going to show you how "
     "taking a leadership role will help you to create a business you’ll love.", "show"),
    ("Now that you know your business stage, you can tap into the power of focused attention and make fast "
     "progress. Ignore all the techniques you’ll need in future stages, and just aim to master the stage you’re in.",
     "aim"),
])
def test_the_writer_addressing_the_reader_is_no_claim(nlp, text, cue):
    assert cue not in cues_of(nlp, text)


def test_the_reader_filter_keeps_claims(nlp):
    from newsetl.enrich.claims.noclaim import to_the_reader

    # "you" and a question inside a quote are the quoted speaker's
    text = "“Do you think that the plan will work?” she asked."
    doc = nlp(text)
    think = next(t for t in doc if t.text == "think")
    you = next(t for t in doc if t.text == "you")
    assert not to_the_reader(think, you, QuoteIndex(find_quotes(text)))
    # a named speaker's clause, and a named speaker's question, stay
    text = "Volker said he had no knowledge of any efforts to urge Ukraine to investigate Joe and Hunter Biden."
    assert "said" in cues_of(nlp, text)
    text = "Did Volker say that he had no knowledge of any efforts to urge Ukraine to investigate the Bidens?"
    doc = nlp(text)
    say = next(t for t in doc if t.text == "say")
    volker = next(t for t in doc if t.text == "Volker")
    assert not to_the_reader(say, volker, QuoteIndex(find_quotes(text)))


# ----------------------------------------------------------------------------- D88: classes and speakers
def test_an_admission_of_a_noun_phrase_is_speech(nlp):
    # usatoday.com, Epstein guards
    text = ("Hawk Sawyer acknowledged significant staffing shortages Tuesday, telling lawmakers that prison officials "
            "are working to fill 3,000 vacancies across the system.")
    assert class_of(nlp, text, "acknowledged", "Sawyer", "significant staffing shortages") == "speech"


def test_a_scan_finding_is_a_document(nlp):
    # nypost.com, feather duvet lung
    text = "The scan revealed severe inflammation in the man's lungs."
    assert class_of(nlp, text, "revealed", "scan", "severe inflammation in the man's lungs") == "document"


NOEL = ("Each defendant is charged with one count of conspiring to falsify records. Noel, 31, is charged with five "
        "counts of falsifying records; Thomas, 41, is charged with three.\n\nNoel and Thomas pleaded not guilty in "
        "Manhattan federal court Tuesday afternoon and were released on the condition that each post $100,000 bond "
        "within a week.")


def test_the_second_of_two_coordinated_speakers_names_no_one(nlp):
    # usatoday.com, Epstein guards: the source chosen is "Thomas", conjunct of "Noel"
    at = NOEL.index("Noel and Thomas")
    assert resolve(nlp, NOEL, "Thomas", "Thomas", at) is None
    assert resolve(nlp, NOEL, "Noel and Thomas", "Noel", at) is None
    # one person alone is still named
    assert resolve(nlp, NOEL, "Thomas", "Thomas").name.endswith("Thomas")


GOVERNOR = ("Republican Gov. Eric Holcomb and leaders of the GOP-dominated Legislature have avoided direct criticism of "
            "teachers or school districts for the closings. They seem intent on not antagonizing educators as Kentucky "
            "GOP Gov. Matt Bevin, who lost his reelection bid this month, did in lashing out at teachers who used sick "
            "days to rally.\n\nBosma said lawmakers would take action to prevent the use of student test scores to "
            "evaluate teachers and schools.\n\nTeachers didn’t see Holcomb at the Statehouse on Tuesday. His office said "
            "he was keeping long-standing plans for traveling to Florida.\n\nThe governor said he was waiting for a "
            "teacher pay commission he appointed in February to make recommendations on increasing salaries.")


def test_the_governor_is_the_one_the_text_calls_governor(nlp):
    # apnews.com, Indiana teachers: "The governor" after "Bosma said" is Holcomb, the governor
    # the story names most, not Bosma (the House Speaker) nor Bevin (another state's)
    at = GOVERNOR.index("The governor")
    res = resolve(nlp, GOVERNOR, "The governor", "governor", at)
    assert res is not None and res.name.endswith("Holcomb")
    r = find(rows_of(nlp, GOVERNOR, "model"), "he was waiting for a teacher pay commission", cue="said")
    assert r["speaker_name"] is not None and r["speaker_name"].endswith("Holcomb")
    # with no one titled so, the nearest speaker as before
    text = "Mary Smith said the budget was balanced.\n\nThe governor said he would sign it."
    res = resolve(nlp, text, "The governor", "governor")
    assert res is not None and res.name == "Mary Smith"


# ----------------------------------------------------------------------------- D92: speakers after D91's retrain
FORD = ("Three years ago, over breakfast, my friend Helen handed me a novel about a quest that, unknown to both of us, "
        "would set me off on a quest of my own. The book was called The Dragon Waiting, and it was written by the late "
        "science fiction and fantasy author John M. Ford. Helen placed the mass-market paperback with its garish cover "
        "in my hands, her eyes aglow with evangelical fervor, telling me I would love it. I would soon learn that, "
        "owing to Ford’s obscurity, his fans do things like this all the time.\n\n"
        "Ford had won the Philip K. Dick Award and multiple World Fantasy Awards. He was a beloved and influential "
        "peer to writers including Neil Gaiman, Jo Walton, Ellen Kushner, James Rigney, Jack Womack, and Daniel "
        "Abraham.\n\n"
        "In his final years, Ford toiled away at a colossal work, over 140,000 words long, titled Aspects. Beth "
        "Meacham described it as “a magical-parliamentary-nobility-romance-spy-adventure. And that only touches it.” "
        "When he’d finish chunks of it, he’d fire them off to close friends, including Gaiman, Walton, and Meacham. "
        "They were all amazed by it.\n\n"
        "Although Ford had outlined the book in a sonnet cycle (seriously), he struggled to get it right. On July 27, "
        "2006, he emailed Gaiman about how hard it was to weave action into some parts of the story. “It’s not exactly "
        "like I can have someone charge into the room with a gun every few minutes,” he wrote.")


def test_a_persons_gender_comes_from_the_text_not_the_first_guess(nlp):
    # slate.com, John M. Ford: "her eyes ..., telling me" is Helen's; once the resolver took
    # that "her" for Ford, Ford was "she" and "he wrote" went past him to Beth Meacham
    at = FORD.index("her eyes")
    res = resolve(nlp, FORD, "her", "her", at)
    assert res is None or res.name == "Helen"
    r = find(rows_of(nlp, FORD, "model"), "someone charge into the room with a gun", cue="wrote")
    assert r["speaker_name"] == "John M. Ford"
    # the pronouns after a name tell its gender, whatever a pronoun resolved first
    doc = nlp(FORD)
    resolver = resolver_of(doc)
    ford = next(m["entity_id"] for m in mentions_of(doc) if m["canonical_name"] == "John M. Ford")
    assert resolver.gender.get(ford) == "m"


def test_the_active_subject_of_a_speech_verb_is_its_source_not_its_content(nlp):
    # bbc.com, Taylor Swift: the model took "Big Machine" + "doing anything wrong" as the
    # content of "denied", said by no one; the later "they said" then lost its antecedent
    text = BIG_MACHINE + ("\n\nBig Machine have twice denied doing anything wrong.\n\n\"At no point did we say Taylor "
                          "could not perform on the AMAs or block her Netflix special,\" they said in a statement.")
    rows = rows_of(nlp, text, "model")
    denied = [r for r in rows if r["cue"] == "denied"]
    assert denied and all(r["content"] == "doing anything wrong" for r in denied)
    assert denied[0]["speaker_name"] == "Big Machine"
    r = find(rows, "At no point did we say Taylor", cue="said")
    assert r["speaker_name"] == "Big Machine"


def test_a_phrase_the_parse_cut_out_of_a_name_takes_the_name(nlp):
    # msn.com, flu shots for detained migrants: the model's source is the parser's "Disease Control"
    text = ("A flu outbreak at the CBP McAllen facility affected nearly three dozen immigrants.\n\nThe Centers for "
            "Disease Control recommends all individuals above age 6 months get a flu vaccine by the end of October.")
    res = resolve(nlp, text, "Disease Control", "Control")
    assert res is not None and res.name == "Centers for Disease Control"
    r = find(rows_of(nlp, text, "model"), "get a flu vaccine", cue="recommends")
    assert r["speaker_name"] == "Centers for Disease Control"
    # a name the NER ran on past a list names no one from its last word
    text = "Executives at CBS All Access, Disney said the service would launch in the spring."
    doc = nlp(text)
    mentions = [{"start_char": 0, "end_char": len("Executives at CBS All Access, Disney"), "label": "ORG",
                 "entity_id": "x", "canonical_name": "CBS All Access, Disney", "surface": "CBS All Access, Disney"}]
    resolver = resolver_of(doc, mentions)
    a = text.index("Disney")
    tok = next(t for t in doc if t.text == "Disney")
    assert resolver.resolve(tok, a, a + len("Disney")) is None


# ----------------------------------------------------------------------------- D95: the speakers the audits still got wrong
VW = ("Indeed graphical lighting is a big theme in the concept, with the IQ.LIGHT LED headlamps joined by an "
      "illuminated VW logo and crossbar, along with honeycomb-style LED daytime running lights.\n\nAll those lights "
      "allow VW to program in welcome and goodbye patterns, that the ID. SPACE VIZZION can show as you unlock and "
      "lock the car.\n\nInside, there’s seating for four, though VW says it could add a rear bench instead and "
      "accommodate a fifth person. Rather than leather, there’s AppleSkin, a faux-leather made in part from residual "
      "matter from apple juice production. VW has used chrome-like paint rather than actual chrome, and done away "
      "with plastic decorative inserts in favor of more AppleSkin. The automaker says it’ll be doing that with all "
      "ID. models, and that future iterations of the material will have metallic finishes.")


def test_the_automaker_is_the_business_the_story_is_about(nlp):
    # engadget.com, VW ID. SPACE VIZZION (d88): "The automaker" is VW, named again just before
    res = resolve(nlp, VW, "The automaker", "automaker")
    assert res is not None and res.name == "VW"
    r = find(rows_of(nlp, VW, "model"), "doing that with all", cue="says")
    assert r["speaker_name"] == "VW"


def test_the_company_is_no_one_when_another_organization_acts_before_it(nlp):
    # latimes.com, GateHouse and Gannett: the story's company is GateHouse, but "the company"
    # after "McClatchy reported a loss" is McClatchy (a null, not the wrong name)
    text = ("The merged Gannett and GateHouse may not diverge from the trend; Reed has said that he expects to wring "
            "as much as $300 million in “synergies” from the combination, but that may be hard to do without more "
            "shrinkage in the workforce. Earlier this year, GateHouse reportedly laid off more than 60 employees (the "
            "company would not disclose the actual number but called it “immaterial”) and Gannett reportedly laid off "
            "several hundred.\n\nBut public companies such as Gannett, GateHouse and also McClatchy Co. can’t escape "
            "the industry’s economic challenges.\n\nSacramento-based McClatchy, a chain of 30 newspapers including the "
            "Sacramento Bee, Miami Herald and Kansas City Star, may be another canary in the news industry’s coal mine. "
            "McClatchy reported a loss of $304.7 million on revenue of $167.4 million in the third quarter ended Sept. "
            "29. Most of the loss reflected a write-down of the company’s news assets.\n\nBut the company also "
            "reported long-term debt of more than $700 million.")
    rows = rows_of(nlp, text, "model")
    # (without the check of another organization acting nearby, the story's GateHouse)
    assert find(rows, "long-term debt", cue="reported")["speaker_name"] is None


def test_the_agency_is_the_agency_named_before(nlp):
    # cnet.com, water vapor on Europa: "according to the agency" is NASA
    text = ("A team led by researchers out of NASA's Goddard Space Flight Center in Greenbelt, Maryland, has "
            "confirmed traces of water vapor above the surface of Jupiter's icy moon Europa.\n\nAnd that's a big deal "
            "as the tiny space rock is one of the highest priority targets in NASA's search for extraterrestrial life, "
            "according to the agency.")
    res = resolve(nlp, text, "the agency", "agency")
    assert res is not None and res.name == "NASA"


def test_an_affiliation_the_ner_tagged_elsewhere(nlp):
    # businessinsider.com roundup (d88): "Alibaba leaders", the NER tags "Alibaba" only later (as a place)
    text = ("- Alibaba leaders have denied 'sensational' claims made in viral Weibo post that said the Chinese "
            "e-commerce giant misreported its Singles Day sales. Peng Mei — project manager for communications on "
            "Singles Day and PR director of Tmall, the retail site owned by Alibaba — responded to the allegations in "
            "a post on WeChat, threatening legal action.")
    doc = nlp(text)
    assert not any(m["start_char"] == 2 for m in mentions_of(doc))
    res = resolve(nlp, text, "Alibaba leaders", "leaders")
    assert res is not None and res.name == "Alibaba"


def test_a_dateline_is_no_affiliation(nlp):
    # hawaiinewsnow.com (d88): the dateline's city is not who confirmed it
    text = ("HONOLULU, Hawaii (HawaiiNewsNow) - NASA scientists using a telescope atop Mauna Kea have confirmed the "
            "presence of water vapor on the surface of Europa, one of Jupiter’s 79 moons.")
    res = resolve(nlp, text, "HONOLULU, Hawaii (HawaiiNewsNow) - NASA scientists", "scientists")
    assert res is not None and res.name == "NASA"


def test_a_first_name_takes_the_one_full_name(nlp):
    # slate.com, John M. Ford (d88): "Elise wrote" is Elise Matthesen; on the whole page the
    # mentions left "Elise" an entity of its own (as here), so the speaker was "Elise"
    text = ("When I got word that a deal had finally been struck, I immediately thought of Elise Matthesen.\n\n“I "
            "don’t even have words, it’s such good news,” she replied in an email. “Except maybe Mike’s words.”\n\n"
            "In 1997, Elise wrote, she interviewed Mike for a convention.")

    def elise(text: str):
        doc = nlp(text)
        at = text.index("Elise wrote")
        mentions = [dict(m, canonical_name="Elise", entity_id="elise") if m["start_char"] == at else m
                    for m in mentions_of(doc)]
        assert any(m["start_char"] == at and m["label"] == "PERSON" for m in mentions)
        tok = next(t for t in doc if t.idx == at)
        return resolver_of(doc, mentions).resolve(tok, at, at + len("Elise"))

    res = elise(text)
    assert res is not None and res.name == "Elise Matthesen"
    # two people of that first name: no guess
    assert elise(text.replace("In 1997", "Elise Smith agreed. In 1997")).name == "Elise"
