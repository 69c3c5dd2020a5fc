"""Selection rules of the reference set: genre and parties of a statement, from its title.

The JSON Lines sources of the reference set (``../shared/bench``: archived White
House releases, vie-publique.fr texts) carry no genre and no parties. These
rules read them from the title, one function per rule:

- :func:`clean_title`: the source's YAML escapes (``\\_``, ``\\u2019``…) decoded,
  invisible characters dropped;
- :func:`complete_title`: a title the source cut at its first line, completed
  from the file name's slug (used for the rules only, never shipped);
- :func:`title_genre`: ``joint_statement``, ``communique``, ``declaration``,
  ``statement``, ``readout``, ``speech``, ``press_conference``, or None for what
  is not a foreign-policy statement (disaster and emergency declarations,
  proclamations, nominations, fact sheets, interviews, letters, messages,
  the *Conseil des ministres*, tributes…);
- :func:`title_parties`: the parties named in the title, canonical English
  names (Babel's territory names as gazetteer, plus :data:`ALIASES`,
  :data:`ADJECTIVES`, :data:`GROUPS`, :data:`LEADERS` and :data:`CAPITALS`);
- :func:`select_record`: the whole decision for one source record.

A country named after the topic word of a title (``on``, ``sur``…) is the topic,
not a party ("Joint Statement on Israel"), unless a counterpart word introduces it
(``with``, ``between``, ``avec``, ``entre``: "relations entre la France et la Lettonie",
and the list that goes on from it) or it is part of a compound ("U.S.-Japan",
"franco-allemand"); a leader's name is a party wherever it is.

Changing a rule changes the selection: bump :data:`SELECTION_VERSION` (the
staleness check of ``analysis reference check`` compares it).

Examples
--------
>>> title_genre("Joint Statement by France and Japan on Widget Standards", "en")
'joint_statement'
>>> title_parties("Joint Statement by France and Japan on Widget Standards", "en")
['France', 'Japan']
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

SELECTION_VERSION = "2"  # 2: parties in one order (publisher first, then alphabetical)
"""Version of the rules of this module (recorded in ``build.json``)."""

TITLE_GENRES = (
    "joint_statement", "communique", "declaration", "statement", "readout", "speech", "press_conference",
)  # fmt: skip
"""Genres :func:`title_genre` can return."""

PUBLISHER_PARTIES = {"white house": "United States", "vie-publique": "France"}
"""Publisher (lower-case part of the record's ``publisher``) -> the party it always is."""

PRINCIPALS = {"United States": r"\bpresident (?:joe |joseph r\.? |kamala )?(?:biden|harris)\b"}
"""Publisher's party -> its leaders in a title: a one-sided item of a source without tags (a
readout, a statement, a speech) is kept only at that level (the President's or Vice President's)."""

JOINT_GENRES = ("joint_statement", "communique", "declaration")
"""Genres joint by nature: kept without a leader named, when the title names another party."""

FOREIGN_POLICY_TAG = "International"
"""A vie-publique record is a foreign-policy item when its ``tags`` include this one."""

# Canonical names replacing Babel's English one (the names the manifest and the news use).
_CANONICAL = {
    "TR": "Turkey", "KR": "South Korea", "KP": "North Korea", "MM": "Myanmar",
    "CD": "Democratic Republic of the Congo", "CG": "Republic of the Congo",
    "HK": "Hong Kong", "MO": "Macao", "VA": "Holy See", "PS": "Palestinian Territories",
}  # fmt: skip
# Not parties: pseudo-regions, the euro area, U.S. territories and Jersey (New Jersey).
_SKIP = {"ZZ", "XA", "XB", "EZ", "QO", "UM", "AS", "GU", "MP", "PR", "VI", "JE"}

ALIASES: dict[str, str] = {
    "U.S.": "United States", "U.S": "United States", "US": "United States", "USA": "United States",
    "United States of America": "United States", "America": "United States",
    "Etats-Unis": "United States", "Etats-Unis d'Amerique": "United States",
    "UK": "United Kingdom", "Britain": "United Kingdom", "Great Britain": "United Kingdom",
    "Northern Ireland": "United Kingdom",
    "Republic of Korea": "South Korea", "ROK": "South Korea", "Korea": "South Korea",
    "Democratic People's Republic of Korea": "North Korea", "DPRK": "North Korea",
    "People's Republic of China": "China", "PRC": "China", "Turkey": "Turkey",
    "Russian Federation": "Russia", "Federation de Russie": "Russia", "Republique francaise": "France",
    "Czech Republic": "Czechia", "UAE": "United Arab Emirates", "Emirats arabes unis": "United Arab Emirates",
    "Aotearoa New Zealand": "New Zealand", "Cabo Verde": "Cape Verde", "Vatican": "Holy See",
    "Palestinian Authority": "Palestinian Territories",
    "Democratic Republic of the Congo": "Democratic Republic of the Congo",
    "DRC": "Democratic Republic of the Congo",
    "EU": "European Union", "European Commission": "European Union", "European Council": "European Union",
    "Commission europeenne": "European Union", "Conseil europeen": "European Union",
    "NATO": "NATO", "OTAN": "NATO", "ONU": "United Nations", "Nations unies": "United Nations",
    "ASEAN": "ASEAN", "African Union": "African Union", "Union africaine": "African Union",
    "G20": "G20", "APEC": "APEC", "Gulf Cooperation Council": "Gulf Cooperation Council",
    "GCC": "Gulf Cooperation Council",
}  # fmt: skip
"""Other names of a party, matched as words (upper-case abbreviations only in upper case)."""

GROUPS: dict[str, tuple[str, ...]] = {
    "Quad": ("Australia", "India", "Japan", "United States"),
    "AUKUS": ("Australia", "United Kingdom", "United States"),
    "G7": ("Canada", "France", "Germany", "Italy", "Japan", "United Kingdom", "United States"),
    "P3": ("France", "United Kingdom", "United States"),
    "C5+1": ("Kazakhstan", "Kyrgyzstan", "Tajikistan", "Turkmenistan", "Uzbekistan", "United States"),
    "Small Group": ("Egypt", "France", "Germany", "Jordan", "Saudi Arabia", "United Kingdom",
                    "United States"),
    "North America": ("Canada", "Mexico", "United States"),
    "North American": ("Canada", "Mexico", "United States"),
    "Five Nuclear-Weapon States": ("China", "France", "Russia", "United Kingdom", "United States"),
}  # fmt: skip
"""Groups of a few fixed members, named in titles: their members are the parties (the Small
Group on Syria, the C5+1, the North American leaders…)."""

ADJECTIVES: dict[str, dict[str, str]] = {
    "en": {
        "French": "France", "American": "United States", "Mexican": "Mexico", "Japanese": "Japan",
        "Egyptian": "Egypt", "Iraqi": "Iraq", "British": "United Kingdom", "German": "Germany",
        "Canadian": "Canada", "Israeli": "Israel", "Ukrainian": "Ukraine", "Korean": "South Korea",
        "Saudi": "Saudi Arabia", "Russian": "Russia", "Dutch": "Netherlands", "Danish": "Denmark",
        "Nordic": "",
    },
    "fr": {
        "francais": "France", "americain": "United States", "russe": "Russia", "allemand": "Germany",
        "britannique": "United Kingdom", "tunisien": "Tunisia", "egyptien": "Egypt", "portugais": "Portugal",
        "turc": "Turkey", "turque": "Turkey", "libanais": "Lebanon", "italien": "Italy", "espagnol": "Spain",
        "marocain": "Morocco", "algerien": "Algeria",
    },
}  # fmt: skip
"""Adjectives naming a party (French ones also after ``franco-``, in every gender and number)."""

LEADERS: dict[str, str] = {
    "Biden": "United States", "Harris": "United States", "Macron": "France", "Trudeau": "Canada",
    "Kishida": "Japan", "Suga": "Japan", "Ishiba": "Japan", "Yoon": "South Korea",
    "Moon Jae-in": "South Korea", "Meloni": "Italy", "Draghi": "Italy", "Scholz": "Germany",
    "Merkel": "Germany", "Boris Johnson": "United Kingdom", "Sunak": "United Kingdom",
    "Starmer": "United Kingdom", "King Charles": "United Kingdom", "Albanese": "Australia",
    "Morrison": "Australia", "Modi": "India", "Lula": "Brazil", "Lopez Obrador": "Mexico",
    "Sheinbaum": "Mexico", "von der Leyen": "European Union", "Charles Michel": "European Union",
    "Micheal Martin": "Ireland", "Taoiseach": "Ireland", "Ardern": "New Zealand", "Xi": "China",
    "Putin": "Russia", "Zelenskyy": "Ukraine", "Shmyhal": "Ukraine", "Erdogan": "Turkey",
    "Pedro Sanchez": "Spain", "Marcos": "Philippines", "Widodo": "Indonesia", "Ruto": "Kenya",
    "Kenyatta": "Kenya", "Netanyahu": "Israel", "Lapid": "Israel", "Naftali Bennett": "Israel",
    "Herzog": "Israel", "Pope Francis": "Holy See", "Rowley": "Trinidad and Tobago", "Sisi": "Egypt",
    "Niinisto": "Finland", "Xiomara Castro": "Honduras", "bin Zayed": "United Arab Emirates",
    "Frederiksen": "Denmark", "Schoof": "Netherlands", "Petro": "Colombia", "Giammattei": "Guatemala",
    "Arevalo": "Guatemala", "Ramaphosa": "South Africa",
}  # fmt: skip
"""Leaders named in the selected titles -> their country (they are parties wherever named)."""

CAPITALS: dict[str, str] = {
    "Amman": "Jordan", "Tunis": "Tunisia", "Riga": "Latvia", "Vilnius": "Lithuania", "Nicosie": "Cyprus",
    "Caire": "Egypt", "Bratislava": "Slovakia", "Lisbonne": "Portugal", "Beyrouth": "Lebanon",
}  # fmt: skip
"""Cities of a visit ("à Amman", "au Caire") -> the host country, for French titles."""

_TOPIC = {
    "en": r"\b(?:on|regarding|concerning|about|to mark|in commemoration of|in support of|announcing)\b",
    "fr": r"\b(?:sur|concernant|au sujet de|relatif|relative|appelant|en reponse)\b",
}
_COUNTERPART = r"\b(?:with|between|avec|entre)\b"

_REJECT = {
    "en": [
        r"\b(?:disaster|emergency)\b", r"\bfact sheet\b", r"\bproclamation\b", r"\bnominat", r"\binterview\b",
        r"\bletter\b", r"\bmessage\b", r"\bmemorandum\b", r"\bexecutive order\b", r"\bnotice\b",
        r"\bwhat they are saying\b", r"\bpress (?:briefing|gaggle|call)\b", r"\bbackground\b",
        r"\bop-ed\b", r"\bcampaign\b", r"\bprepared for delivery\b",
    ],
    "fr": [
        r"^(?:extraits? d'une? )?(?:entretien|interview)s?\b", r"\binterview croisee\b",
        r"^conseil des ministres\b", r"^lettre\b", r"^message\b", r"^tribune\b", r"\bhommage\b",
    ],
}  # fmt: skip
_GENRE = {
    "en": [
        ("readout", r"^(?:joint )?readout\b"),
        ("statement", r"^statement\b"),
        ("press_conference", r"\b(?:press|news) conference\b|\bpress availability\b"),
        ("readout", r"\breadout\b"),
        ("speech", r"\bremarks\b|\bspeech\b"),
        ("communique", r"\bcommuniqu"),
        ("joint_statement", r"\bjoint\b.*\b(?:statement|declaration|press release)\b"),
        ("declaration", r"\bdeclaration\b"),
        ("statement", r"\bstatement\b|\broadmap\b"),
    ],
    "fr": [
        ("press_conference", r"^(?:extraits? d'une? )?(?:conference|point) de presse\b"),
        ("communique", r"^communique\b|^conclusions du conseil\b"),
        ("joint_statement", r"^declarations? (?:conjointe|commune)s?\b"),
        ("speech", r"^(?:extraits? d'une? )?declarations? (?:de|du|des) (?:m|mme|mmes|mm)\b"),
        ("declaration", r"^declaration\b"),
        ("speech", r"\bdiscours\b|\ballocution\b"),
        ("statement", r"\bdeclaration\b|\bcommunique\b"),
    ],
}
"""First rule that matches wins (the rejections of :data:`_REJECT` are tried first)."""


def fold(text: str) -> str:
    """Lower-case ASCII-like form of a title: accents dropped, quotes and dashes unified.

    Examples
    --------
    >>> fold("Déclaration conjointe – Leaders’ Statement")
    "declaration conjointe - leaders' statement"
    """
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[\u2018\u2019\u02bc`´]", "'", text)
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(r"[\u201c\u201d«»]", '"', text)
    return re.sub(r"\s+", " ", text).strip().lower()


_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|U([0-9a-fA-F]{8})|(.))")
_YAML_SIMPLE = {"_": "\u00a0", "N": "\u0085", "L": "\u2028", "P": "\u2029", "n": " ", "t": " ", "0": ""}


def clean_title(title: str) -> str:
    """Decode a title's YAML escapes and drop invisible characters.

    The White House scraper stored titles as YAML double-quoted text (``\\_``
    for a no-break space, ``\\u2019``, ``\\xE9``), sometimes cut at a line end
    (a final ``\\``). No-break and thin spaces become spaces.

    Examples
    --------
    >>> clean_title(r"Readout of President Joe\\_Biden Call with President Andr\\xE9s Manuel L\\xF3\\\\")
    'Readout of President Joe Biden Call with President Andrés Manuel Ló'
    >>> clean_title(r"Leaders\\u2019 Joint\\_Statement")
    'Leaders’ Joint Statement'
    """

    def decode(m: re.Match) -> str:
        code = m.group(1) or m.group(2) or m.group(3)
        if code:
            return chr(int(code, 16))
        char = m.group(4)
        return _YAML_SIMPLE.get(char, char)

    text = _ESCAPE.sub(decode, str(title or "").rstrip("\\"))
    text = re.sub("[\u200b\u200c\u200d\u2060\u00ad\ufeff\ufffc]", "", text)
    text = re.sub(r"[\s\u00a0\u202f\u2007]+", " ", text)
    return unicodedata.normalize("NFC", text).strip()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text).replace("'", "")).strip("-")


_ABBREVIATIONS = {
    n.lower(): n for n in [*ALIASES, *GROUPS] if n.isupper() and n.replace("+", "").isalnum() and n != "US"
}
"""Abbreviations a slug wrote in lower case (``uae``), restored (``us`` is left: it is also a word)."""


def complete_title(title: str, slug: str) -> str:
    """Complete a title the source cut, from the slug of its file name.

    The slug's words after the title's last three words are appended (lower
    case). A slug that does not continue the title leaves it as it is.

    Examples
    --------
    >>> complete_title("Joint Statement from the Leaders of the United States and the Republic of",
    ...     "joint-statement-from-the-leaders-of-the-united-states-and-the-republic-of-korea")
    'Joint Statement from the Leaders of the United States and the Republic of korea'
    >>> complete_title("Readout of a Call with President Andrés Manuel Ló",
    ...     "readout-of-a-call-with-president-andres-manuel-lopez-obrador-of-mexico")
    'Readout of a Call with President Andrés Manuel López obrador of mexico'
    >>> complete_title("Meeting with the President of the", "meeting-with-the-president-of-the-uae")
    'Meeting with the President of the UAE'
    >>> complete_title("United States-France Joint Statement", "united-states-france-joint-statement")
    'United States-France Joint Statement'
    """
    own = _slug(title)
    slug = str(slug or "").lower()
    if not own or not slug:
        return title
    tail = "-".join(own.split("-")[-3:])
    at = slug.rfind(tail)
    if at < 0:
        return title
    rest = slug[at + len(tail) :]
    if not rest.strip("-"):
        return title
    glued = not rest.startswith("-")
    words = [_ABBREVIATIONS.get(w, w) for w in rest.strip("-").split("-")]
    rest = re.sub(r"\bu s\b", "U.S.", " ".join(words))
    return title + rest if glued else f"{title} {rest}"


def title_genre(title: str, language: str) -> str | None:
    """The genre a title names, or None when it is not a foreign-policy statement.

    Parameters
    ----------
    title : str
        The document's title (cleaned: :func:`clean_title`).
    language : {"en", "fr"}
        The title's language: the rules of that language apply.

    Returns
    -------
    str or None
        One of :data:`TITLE_GENRES`; None for disaster and emergency
        declarations, proclamations, nominations, fact sheets, interviews,
        letters, messages, memoranda, the *Conseil des ministres*, tributes, and
        titles naming no genre.

    Examples
    --------
    >>> title_genre("Readout of President Biden's Call with Prime Minister Trudeau of Canada", "en")
    'readout'
    >>> title_genre("President Joseph R. Biden, Jr. Approves Ohio Disaster Declaration", "en") is None
    True
    >>> title_genre("Entretien de M. Jean Dupont avec Radio Exemple, sur la Chine", "fr") is None
    True
    """
    low = fold(title)
    lang = "fr" if language == "fr" else "en"
    if any(re.search(rx, low) for rx in _REJECT[lang]):
        return None
    for genre, rx in _GENRE[lang]:
        if re.search(rx, low):
            return genre
    return None


NOT_PARTIES = (
    "Latin American",
    "Central American",
    "South American",
    "Amerique latine",
    "Indian Ocean",
    "National Thanksgiving Turkey",
)
"""Names holding a party's name that are not parties (matched first, then ignored)."""


def _variants(adjective: str) -> list[str]:
    """A French adjective in every gender and number (``tunisien`` -> ``tunisiennes``…)."""
    if adjective.endswith("ien"):
        return [adjective + s for s in ("", "s", "ne", "nes")]
    if adjective.endswith("s"):
        return [adjective, adjective + "e", adjective + "es"]
    if adjective.endswith("e"):
        return [adjective, adjective + "s"]
    return [adjective + s for s in ("", "s", "e", "es")]


@functools.cache
def _gazetteer() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], frozenset[str]]:
    """(matching form -> parties, upper-case name -> parties, actors' matching forms).

    Babel's English and French territory names first, then the tables of this
    module (which win). An empty tuple is a name that is no party.
    """
    from babel import Locale

    lower: dict[str, tuple[str, ...]] = {}
    upper: dict[str, tuple[str, ...]] = {}
    english = Locale.parse("en").territories
    french = Locale.parse("fr").territories
    for code, name in english.items():
        if not code.isalpha() or code in _SKIP:
            continue
        party = _CANONICAL.get(code, name.replace(" & ", " and "))
        for variant in (name, name.replace("&", "and"), name.replace("St.", "Saint"), french.get(code, "")):
            variant = re.sub(r"\s*\(.*\)", "", variant)
            if variant:
                lower[_words(variant)] = (party,)
    named: dict[str, tuple[str, ...]] = {n: () for n in NOT_PARTIES}
    named |= {n: (p,) for n, p in {**ALIASES, **LEADERS, **CAPITALS}.items()}
    named |= {n: (p,) if p else () for lang in ADJECTIVES.values() for n, p in lang.items()}
    named |= GROUPS
    for name, parties in named.items():
        if name.isupper() or name.startswith("U.S"):
            upper[name] = parties
        elif name in ADJECTIVES["fr"]:
            for form in _variants(_words(name)):
                lower[form] = parties
        else:
            lower[_words(name)] = parties
    actors = frozenset(_words(n) for n in {**LEADERS, **CAPITALS, **GROUPS})
    return lower, upper, actors


def _words(text: str) -> str:
    """A name as folded words separated by one space (the matching form)."""
    return re.sub(r"[^a-z0-9+]+", " ", fold(text).replace("'", " ")).strip()


@functools.cache
def _patterns() -> tuple[re.Pattern, re.Pattern]:
    lower, upper, _ = _gazetteer()
    low_alt = "|".join(re.escape(n) for n in sorted(lower, key=len, reverse=True))
    up_alt = "|".join(re.escape(n) for n in sorted(upper, key=len, reverse=True))
    return (
        re.compile(rf"(?<![a-z0-9+])(?:{low_alt})(?![a-z0-9+])"),
        re.compile(rf"(?<![A-Za-z0-9.])(?:{up_alt})(?![A-Za-z0-9]|\.[A-Za-z])"),
    )


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    parties: tuple[str, ...]
    actor: bool  # a leader or a host city: a party wherever it is named


def _mentions(title: str) -> tuple[str, str, list[_Mention]]:
    """(title without accents, its matching form, the names found in it in order).

    Both forms have the length of the first, so positions are shared.
    """
    lower, upper, actors = _gazetteer()
    low_rx, up_rx = _patterns()
    plain = unicodedata.normalize("NFKD", title)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    plain = re.sub(r"[\u2010-\u2015\u2212]", "-", plain)
    words = "".join(c if c.isascii() and (c.isalnum() or c == "+") else " " for c in plain.lower())
    if len(words) != len(plain):  # a letter whose lower case is longer: match the lower case only
        plain = words
    found = [(m.start(), m.end(), upper[m.group()], m.group() in GROUPS) for m in up_rx.finditer(plain)]
    for m in low_rx.finditer(words):
        if words[max(0, m.start() - 4) : m.start()] == "new ":  # New Jersey, New Mexico
            continue
        found.append((m.start(), m.end(), lower[m.group()], m.group() in actors))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    out: list[_Mention] = []
    last_end = -1
    for start, end, parties, actor in found:
        if start < last_end:  # inside a longer name already found
            continue
        last_end = end
        if parties:
            out.append(_Mention(start, end, parties, actor))
    return plain, words, out


_LIST = re.compile(r"[\s,;]*(?:and|et|&)?\s*(?:the |la |le |l'|les |de la |de l'|du |des |de )?\s*", re.I)
"""The gap between two names of one list ("Turkey, Finland, and Sweden", "la France et la Lituanie")."""


def _joined(a: _Mention, b: _Mention, plain: str) -> bool:
    """Two names joined by a hyphen ("U.S.-Japan", "U.S.- Japan")."""
    return bool(re.fullmatch(r"\s*-\s*", plain[a.end : b.start]))


def title_parties(title: str, language: str, *, publisher: str | None = None) -> list[str]:
    """The parties a title names, canonical English names, in order of appearance.

    Parameters
    ----------
    title : str
        The document's title (cleaned: :func:`clean_title`).
    language : {"en", "fr"}
        The title's language (its topic words: ``on``, ``sur``…).
    publisher : str, optional
        The party the publisher always is (:data:`PUBLISHER_PARTIES`), put first.

    Returns
    -------
    list of str
        No party twice. A name after the topic word counts only when
        ``with``/``between``/``avec``/``entre`` introduces it (or the list going on
        from such a name), in a compound ("U.S.-Japan", "franco-allemandes"), or when it is a leader's
        or a host city's (:data:`LEADERS`, :data:`CAPITALS`).

    Examples
    --------
    >>> title_parties("Joint Statement from President Biden and Prime Minister Kishida", "en")
    ['United States', 'Japan']
    >>> title_parties("Joint Statement on Israel", "en", publisher="United States")
    ['United States']
    >>> title_parties("Déclaration de M. Jean Dupont sur les relations franco-allemandes, à Amman", "fr",
    ...     publisher="France")
    ['France', 'Germany', 'Jordan']
    """
    plain, words, mentions = _mentions(title)
    topic_rx = re.compile(_TOPIC["fr" if language == "fr" else "en"])
    first = topic_rx.search(words)
    cut = first.start() if first else len(words)
    parties: list[str] = [publisher] if publisher else []
    listed: list[bool] = []  # kept as a counterpart, or in a list going on from one
    for i, m in enumerate(mentions):
        keep = m.start < cut or m.actor
        listing = False
        if not keep:  # after the topic word: a counterpart, a list going on, or a compound
            since = max([cut, *(t.end() for t in topic_rx.finditer(words, 0, m.start))])
            clause = re.split(r"[,;:]", plain[since : m.start])[-1]
            listing = bool(re.search(_COUNTERPART, fold(clause)))
            listing = listing or (
                i > 0 and listed[i - 1] and bool(_LIST.fullmatch(plain[mentions[i - 1].end : m.start]))
            )
            keep = listing or plain[max(0, m.start - 7) : m.start].lower() == "franco-"
            keep = keep or (i > 0 and _joined(mentions[i - 1], m, plain))
            keep = keep or (i + 1 < len(mentions) and _joined(m, mentions[i + 1], plain))
        listed.append(listing)
        if keep:
            parties += [p for p in m.parties if p not in parties]
    return parties


def party_format(parties: list[str]) -> str:
    """Format of a statement by its number of parties (see :func:`analysis.corpus.party_format`).

    Examples
    --------
    >>> party_format(["France"]), party_format(["France", "Japan"]), party_format(["A", "B", "C", "D"])
    ('unilateral', 'bilateral', 'multilateral')
    """
    from analysis.corpus import party_format as by_number

    return by_number(len(parties))


@dataclass(frozen=True)
class Decision:
    """What the rules decided for one record: kept (``genre`` set) or the reason it was not."""

    genre: str | None
    parties: tuple[str, ...]
    reason: str

    @property
    def selected(self) -> bool:
        return self.genre is not None


def publisher_party(publisher: str) -> str | None:
    """The party a publisher always is, or None.

    Examples
    --------
    >>> publisher_party("The White House (archived)"), publisher_party("vie-publique.fr (DILA)")
    ('United States', 'France')
    """
    low = str(publisher or "").lower()
    return next((party for key, party in PUBLISHER_PARTIES.items() if key in low), None)


def select_record(record: dict[str, Any]) -> Decision:
    """Decide whether a source record joins the reference set, with its genre and parties.

    The rules, in order: a genre from the title (:func:`title_genre`, on the title
    completed from the ``repo_path`` slug); for a record with ``tags`` (vie-publique),
    the tag :data:`FOREIGN_POLICY_TAG`; the parties of the title
    (:func:`title_parties`, the publisher's party first); without tags, a party
    other than the publisher's (a foreign counterpart) unless the genre is
    joint by nature (joint statement, communiqué, declaration) and names at least
    one other party.

    Examples
    --------
    >>> r = {"title": "Joint Statement by France and Japan on Widget Standards", "language": "en",
    ...      "publisher": "The White House (archived)", "repo_path": "x/2023-01-01-joint.md"}
    >>> select_record(r)
    Decision(genre='joint_statement', parties=('United States', 'France', 'Japan'), reason='selected')
    >>> select_record({**r, "title": "Statement on the Economy"}).reason
    'no foreign party in the title'
    """
    language = str(record.get("language") or "en")
    title = clean_title(record.get("title") or "")
    slug = re.sub(r"^\d{4}-\d{2}-\d{2}-", "", str(record.get("repo_path") or "").rsplit("/", 1)[-1])
    slug = re.sub(r"\.(md|txt|html?)$", "", slug) if slug.endswith((".md", ".txt", ".html", ".htm")) else ""
    full = complete_title(title, slug)
    genre = title_genre(full, language)
    if genre is None:
        return Decision(None, (), "no statement genre in the title")
    tags = record.get("tags")
    if tags is not None and FOREIGN_POLICY_TAG not in [t.strip() for t in str(tags).split(",")]:
        return Decision(None, (), f"not tagged {FOREIGN_POLICY_TAG!r}")
    own = publisher_party(str(record.get("publisher") or ""))
    parties = tuple(title_parties(full, language, publisher=own))
    if not parties:
        return Decision(None, (), "no party in the title")
    if tags is None:
        if not [p for p in parties if p != own]:
            return Decision(None, parties, "no foreign party in the title")
        principal = PRINCIPALS.get(own or "")
        if genre not in JOINT_GENRES and principal and not re.search(principal, fold(full)):
            return Decision(None, parties, "one-sided and not at leader level")
    # publisher first, then the others alphabetically: one order whatever the title's wording
    # (a long list in the title's order could repeat a sentence of a text that cites it)
    ordered = tuple(p for p in parties if p == own) + tuple(sorted(p for p in parties if p != own))
    return Decision(genre, ordered, "selected")
