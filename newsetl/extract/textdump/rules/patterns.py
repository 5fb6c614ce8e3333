"""The rules' pattern tables: one compiled alternation per rule class.

Each list is one rule class; the comment says why an entry exists. Banners and notes say
what they are at the start, so the rules search only a unit's first characters.
"""

from __future__ import annotations

import re


def _any(patterns: list[str], flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """One compiled alternation per rule class: one regex pass per unit stays cheap
    on multi-megabyte inputs, while the lists stay readable and commentable."""
    return re.compile("|".join(f"(?:{p})" for p in patterns), flags)


# Consent banners. A STRONG hit starts a banner run; the run then grows over
# neighbours that are WEAK (privacy vocabulary) or banner buttons, because banners
# contain paragraphs ("If you have enabled privacy controls…") that never say "cookie".
CONSENT_STRONG = _any([
    r"\b(this|our) (web ?site|site|page) uses? cookies",  # the classic banner opener
    r"\bwe (also )?(use|store|set) (\w+ )?cookies",  # "we use cookies", "we store cookies on your browser"
    r"\bcookies? (are|is) (set|used|placed|stored)\b",  # category descriptions in the settings pane
    r"\bcookies? (policy|settings|preferences|banner|list|notice|consent|declaration)\b",
    r"\b(accept|allow|reject|decline|refuse|manage|deny) (all )?(the )?cookies\b",  # buttons
    r"\b(strictly necessary|functional|performance|targeting|analytics|advertising|"
    r"marketing|social media|first[- ]party) cookies\b",  # settings-pane category titles
    r"\bwe (and our partners )?(value|respect|care about) your privacy\b",  # IAB/TCF banners
    r"\bwe and our (\d+ )?(partners|vendors)\b",  # TCF "we and our 842 partners store…"
    r"\b(manage|update|change) (your )?(consent|privacy) (preferences|settings|choices)\b",
    r"\bconsent preferences\b",
    r"\bdo not sell( or share)? my personal information\b",  # CCPA footer/button
    r"\bby (clicking|continuing|using this site)\b.{0,80}\byou (agree|consent|accept)\b",
])
CONSENT_WEAK = _any([
    r"\bcookies?\b",
    r"\bprivacy\b",
    r"\bopt[- ]?(out|in)\b",
    r"\bpersonal (data|information)\b",
    r"\bconsent\b",
    r"\btrack(ing)?\b",
    r"\byour (browser|device)\b",
    r"\bpreferences\b",
    r"\b(advertising|adverts?|ads)\b",
    r"\bpersonali[sz]e[ds]?\b",
    r"\bthird[- ]part(y|ies)\b",
    r"\banalytics\b",
    r"\b(ccpa|gdpr)\b",
    r"\bsettings\b",
])
# Banner buttons and close boxes; only meaningful as a whole short unit, so an exact
# phrase set (compared casefolded, trailing punctuation stripped) is enough.
CONSENT_BUTTONS = frozenset({
    "x", "×", "✕", "close", "ok", "okay", "got it", "i agree", "agree", "i accept", "accept",
    "accept all", "reject", "reject all", "decline", "decline all", "allow", "allow all", "deny",
    "confirm choices", "confirm my choices", "more options", "learn more", "save", "save settings",
    "save preferences", "save & exit", "manage options", "manage settings", "manage preferences",
    "settings", "cookie settings", "continue", "continue without accepting",
})
# Cheap gate before CONSENT_STRONG: every strong pattern contains one of these words,
# and a substring test is ~100x cheaper than the alternation on a 2 MB dump.
CONSENT_HINTS = ("cookie", "privacy", "partners", "vendors", "consent", "personal information",
                 "by clicking", "by continuing", "by using")

# Paywall / subscription / metering notes. Only applied to short units so a body
# paragraph that quotes such wording (a story about paywalls) survives.
PAYWALL = _any([
    r"\byour (ip |free |trial |subscriber |digital )?access\b.{0,80}\b(will )?(expire|has expired|ends|ended)",
    r"\bto ensure uninterrupted (reading|access)\b",  # institutional-licence notices
    r"\bplease contact\b.{0,80}\b(sales|subscriptions?|account manager|licensing)\b",
    r"\b(subscribe|sign up|register|log in|sign in)( now| today| for free)? to "
    r"(continue|keep|read|unlock|get (full|unlimited))",
    r"\bcontinue reading\b.{0,60}\b(subscri|sign in|log in|register)",
    r"\balready (a )?(subscriber|member|have an account)\b",
    r"\byou(['’]ve| have) (reached|used|read|hit) (your|all|\d+)\b.{0,40}\b(articles?|stories|limit)\b",
    r"\b(this|the) (article|story|content|piece) is (only )?(for|available (only )?to|reserved for|exclusive to) "
    r"(paid |our |premium )?(subscribers|members)",
    r"\b(start|begin|get) (your|a) (free )?(\d+-day )?(trial|subscription)\b",
    r"\b(unlimited|full|digital) access\b.{0,40}\b(subscri|\$|€|£|per (month|week)|/mo)",
    r"\bsubscribe (now|today)\b",
    r"^subscribe$",
    r"\b(for|as low as|just|only) [$€£]\d+(\.\d\d)? (a|per) (month|week|year)\b",
    r"\bcreate (a )?free account\b",
    r"\bsubscribers? only\b",
    r"\bsupport (our|independent|quality) journalism\b",
    r"\bsign up for (our|the)\b.{0,40}\bnewsletter\b",
    r"\bsubscribe to (our|the)\b.{0,40}\bnewsletter\b",
])

# Gate for PAYWALL: every pattern above contains one of these (casefolded text).
PAYWALL_HINTS = ("access", "uninterrupted", "contact", "subscri", "sign up", "sign in", "log in",
                 "register", "continue reading", "already", "you've", "you have", "trial", "$", "€",
                 "£", "account", "journalism", "newsletter", "members")

# Photo/agency names that appear in credits. A slash credit ("Arif Ali/AFP/Getty
# Images") or "via X" is only treated as a credit when one of these is in it, so
# headings like "AC/DC returns" or "Input/output" are left alone.
_AGENCY = (
    r"(AP|AFP|Reuters|Getty Images|Getty|EPA(-EFE)?|EFE|Bloomberg|Shutterstock|Xinhua|"
    r"Anadolu( Agency)?|Sipa( USA)?|Alamy|PA( Images| Wire| Media)?|Corbis|NurPhoto|"
    r"ZUMA( Press| Wire)?|Polaris|Redux|Pool|AAP|Kyodo|Yonhap|TASS|Sputnik|UPI|"
    r"SOPA Images|LightRocket|Contributor|Stringer|Handout|Associated Press|"
    r"Agence France-Presse|Flickr|Wikimedia Commons|Wikimedia|Unsplash|Pexels|"
    r"iStock(photo)?|DVIDS|Planet Labs|Maxar( Technologies)?|Invision)"
)
# A whole unit that is only a credit.
CREDIT_LINE = _any([
    # "Photo: …", "Photograph: …", "Image 1: …", "Credit: …", "Photo by …", "Photo courtesy of …"
    r"^(photo|photograph|photo illustration|illustration|image|picture|graphic|video|credit|"
    r"photos|images)s?( \d+)?(\s*[:\-–—]| by| courtesy( of)?:?)\s+\S.{0,150}$",
    r"^(photo |image )?courtesy( of)?\s*:?\s+\S.{0,100}$",
    r"^(photo |image )?source\s*:\s+\S.{0,100}$",
    # "Arif Ali/AFP/Getty Images", "AP Photo/Evan Vucci", "Jane Doe / Reuters"
    rf"^[^!?]{{0,80}}\s?/\s?{_AGENCY}\b[^!?]{{0,60}}$",
    rf"^{_AGENCY}( Photos?)?\s?/\s?[^.!?]{{1,60}}$",
    # "U.S. Department of State via Flickr", "Bloomberg via Getty Images"
    rf"^[^!?]{{0,80}}\bvia {_AGENCY}\b.{{0,20}}$",
    # "(Getty Images)", "© Reuters"
    rf"^[(\[]?(©|\(c\)|copyright)?\s*{_AGENCY}[)\]]?$",
], re.IGNORECASE)
# A caption that ends with its credit ("…Israel's capital. B.K. Bangash/AP"). Checked
# on the last 160 characters only: credits are short and this keeps the scan bounded.
CREDIT_TAIL = re.compile(
    rf"(?:(?<=[\s.!?”\"’)])|^)(?:"
    rf"[(\[]?(?:Photo(?:graph)?|Image|Picture|Credit|Illustration)s?(?: by)?\s*:\s*[^.!?:]{{2,80}}[)\]]?"
    rf"|[(\[]?(?:Photo by )?[A-Z][\w.'’\-]*(?: [A-Z][\w.'’\-]*){{0,3}}\s?/\s?{_AGENCY}"
    rf"(?:\s?/\s?{_AGENCY})?(?: via {_AGENCY})?[)\]]?"
    rf"|[(\[]?{_AGENCY} Photos?\s?/\s?[A-Z][\w.'’\-]*(?: [A-Z][\w.'’\-]*){{0,3}}[)\]]?"
    rf")\s*$"
)

# Gate for the credit classes: every credit pattern needs one of these, except a bare
# agency name of up to three words ("Reuters", "(Getty Images)").
CREDIT_HINTS = ("/", ":", "via ", "courtesy", "©", "copyright", "(c)")

# Standalone page chrome: buttons, share bars, ad slots, jump links, media
# placeholders. Whole-unit phrases, compared casefolded with trailing ":.!…" stripped.
UI_NOISE_PHRASES = frozenset({
    "x", "×", "✕", "close", "menu", "search", "back to top", "skip to content",
    "skip to main content", "skip ahead", "loading",
    # ad slots and their labels
    "advertisement", "advertising", "ad", "ads", "sponsored", "sponsored content", "promoted",
    "paid content", "paid post", "ads by google", "by taboola", "by outbrain", "taboola", "outbrain",
    # jump links around an ad or a paywall break
    "story continues below", "story continues below advertisement", "article continues below",
    "article continues below advertisement", "continue reading", "continue reading the main story",
    "continue reading below",
    # audio players and share bars
    "listen", "listen to this article", "listen to the article", "listen to this story",
    "share", "tweet", "email", "e-mail", "print", "copy link", "link copied", "save", "bookmark",
    "facebook", "twitter", "x.com", "linkedin", "whatsapp", "reddit", "pinterest", "telegram",
    "flipboard", "gift article", "gift this article",
    # media placeholders left by images and embeds
    "image", "photo", "video", "gallery", "play video", "watch", "enlarge image", "enlarge this image",
    "all rights reserved",
})
UI_NOISE = _any([
    r"listen( to (this|the) (article|story))?\W*\d+ min(utes?)?",  # audio player with duration
    r"\d+ min(ute)?s? (read|listen)",  # reading-time badge
    r"(©|\(c\)|copyright)\s.{0,80}",  # legal footer line
    r"more from our (experts|writers|authors|contributors|reporters|columnists)",  # inline promo box
])
UI_NOISE_HINTS = ("listen", "min", "©", "(c)", "copyright", "more from our")

# An inline widget label. With nothing after the colon it introduces a short list of
# topic tags / links ("More on:" then "Terrorism and Counterterrorism"); with text
# after the colon it is itself the link ("Read more: Rates held as inflation cools").
WIDGET_LABEL = re.compile(
    r"^(more on|more about|read more|read also|also read|see also|related|related topics|related coverage|"
    r"topics|tags|filed under|in this (article|story)|explore|recommended|watch|listen)\s*:\s*(?P<rest>.*)$",
    re.IGNORECASE,
)

# Headers of blocks that follow the article on a page. STRONG ones cannot be an
# in-article heading; they cut the rest of the page when they sit after most of the body.
TRAILING_STRONG = _any([
    r"^related (articles?|stories|posts|content|coverage|reading|links|news|videos?)\b",
    # recommendation widgets name themselves anywhere in the line
    r"^.{0,60}?\b(taboola|outbrain|sponsored (links|content|stories|posts))\b",
    r"^trending( now)?\b|^promoted (links|stories)\b",
    r"^top (stories|news|headlines|reads)\b",
    r"^most (read|popular|viewed|shared|emailed|commented)\b",
    r"^you (may|might|will) (also )?(like|enjoy|be interested in)\b",
    r"^recommended( for you| reading| stories| articles| videos)?\s*:?$",
    r"^share (this|the)( article| story| page| post)?\s*:?$|^share on (facebook|twitter|x|linkedin)\b",
    r"^(leave|post|add|write) a (comment|reply)\b|^\d+ comments?$|^comments?\s*(\(\d+\))?$",
    r"^join the (conversation|discussion)\b",
    r"^more (stories|articles|news|coverage|headlines)( from| on| like this| in)?\b",
    r"^(latest|more) (news|stories|headlines)$",
    r"^(what to read next|read next|up next|don'?t miss|popular (now|stories|on)|around the web|"
    r"from (our|the) partners|editors'? picks?)\b",
])
# Gate for TRAILING_STRONG: the first word of every pattern above, plus the widget
# names that may sit anywhere in the line.
TRAILING_FIRST_WORDS = frozenset({
    "related", "trending", "promoted", "top", "most", "you", "recommended", "share", "leave",
    "post", "add", "write", "comments", "comment", "join", "more", "latest", "what", "read", "up",
    "don't", "dont", "popular", "around", "from", "editors", "editor's", "editors'",
})
TRAILING_ANYWHERE = ("taboola", "outbrain", "sponsored")

# Ambiguous: "More on the economy" can be an in-article heading, "More from Foreign
# Policy" is a trailing list. These only cut when no real body follows them.
TRAILING_WEAK = _any([
    r"^more (from|on|about|in|by) \S",
    r"^read more\b",
    r"^further reading$",
    r"^(also|latest) (on|in|from) \S",
    r"^in other news$",
    r"^elsewhere\b",
])

# A kicker/section label above the headline (FP's "The South Asia Channel",
# "Analysis", "Opinion"). Only consulted when two headline-like lines compete.
SECTION_LABEL = _any([
    r"\b(channel|section|blog|column|opinion|analysis|commentary|podcast|newsletter|briefing|"
    r"dispatch|explainer|breaking news|editorial)\b",
])
