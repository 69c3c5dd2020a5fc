"""Cleaning: from a statement as published to plain paragraphs, with an audit trail.

Steps, in order (each one recorded per document in the audit trail with what it
removed or changed, characters and whitespace-separated words before and after):

1. ``title`` – drop the first line when it repeats the manifest title (the title
   is metadata; the body is analysed).
2. ``html`` – HTML fragments (``<p>``, ``<br>``, ``<sup>`` notes, entities such as
   ``&nbsp;`` ``&#39;``) parsed with the standard library's ``html.parser``:
   block tags become paragraph breaks, ``<br>`` a line break, ``<sup>`` content is
   dropped (footnote markers), every other tag is removed and its text kept.
3. ``markdown`` – emphasis (``**bold**``, ``*italic*``, ``_x_``), headings,
   backslash escapes, links ``[text](url)``, rules.
4. ``boilerplate`` – the configurable line patterns of ``resources/boilerplate.yaml``
   (press "A lire également" trailers, vie-publique "Source https://…, le …",
   the White House ``\\###`` end mark).
5. ``unwrap`` – hard-wrapped lines joined into paragraphs; blank lines separate paragraphs.
6. ``typography`` – apostrophes (’ ʼ ‘ ` ´ → '), quotation marks (“ ” „ → "),
   guillemets spaced with one space, dashes (– — ― → –, ‐ ‑ → -), no-break and
   narrow no-break spaces → space, French spacing before ; : ! ? (one space in
   French, none in English), control characters removed, runs of spaces collapsed.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from analysis import config, native

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable

    import pandas as pd

    from analysis.corpus import Corpus

logger = logging.getLogger(__name__)

STEPS = ("title", "html", "markdown", "boilerplate", "unwrap", "typography")
CLEANER_VERSION = "1.0"


@dataclass
class Change:
    """What one step did to one document."""

    step: str
    text: str
    detail: str = ""
    removed: list[str] = field(default_factory=list)


def nfc(text: str) -> str:
    """Unicode NFC: ``unicodedata.normalize("NFC", text)``, normalising only what may change.

    CPython normalises a whole string as soon as one character needs it. Here
    only the pieces that may change are given to ``unicodedata.normalize``, so a
    text with a few decomposed accents (PDF extraction, macOS copy and paste)
    costs a fraction:

    - with the C extension, the runs of code points from U+0300 up, each with
      the code point before it: every code point below U+0300 is a starter
      that no normalisation moves or composes with what precedes it
      (``_fastkeys.c`` gives the reasoning);
    - without it, each line (a line break is such a starter too).

    ``tests/test_clean.py`` compares both with ``unicodedata.normalize`` over
    every code point.

    Examples
    --------
    >>> nfc("De\\u0301fense\\nSe\\u0301curite\\u0301") == "Défense\\nSécurité"
    True
    """
    module = native.fastkeys()
    if module is not None:
        return module.nfc(text, unicodedata.normalize)
    return _nfc_lines(text)


def _nfc_lines(text: str) -> str:
    """:func:`nfc` without the C extension: line by line."""
    if "\n" not in text:
        return unicodedata.normalize("NFC", text)
    return "\n".join([unicodedata.normalize("NFC", line) for line in text.split("\n")])


# --------------------------------------------------------------------------- steps
def _same_words(a: str, b: str) -> bool:
    """``a`` and ``b`` are equal once whitespace runs are one space, ends stripped and case lowered.

    ``" ".join(s.split())`` is ``re.sub(r"\\s+", " ", s).strip()``: ``str.split``,
    ``str.strip`` and ``re``'s ``\\s`` share one definition of whitespace
    (tests/test_clean.py checks it).
    """
    return " ".join(a.split()).lower() == " ".join(b.split()).lower()


def _step_title(text: str, title: str | None) -> Change:
    if not title:
        return Change("title", text)
    body = text.lstrip("\ufeff")
    cut = body.find("\n")
    first = body if cut < 0 else body[:cut]
    if _same_words(first, title):
        rest = "" if cut < 0 else body[cut + 1 :].lstrip("\n")
        return Change("title", rest, "removed the title line", [first.strip()])
    return Change("title", text)


_BLOCK_TAGS = {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "table",
    "tr",
    "section",
    "article",
    "header",
    "footer",
}
_DROP_TAGS = {"sup", "script", "style", "head", "title"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.tags: dict[str, int] = {}
        self.dropped: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag in _DROP_TAGS:
            self.skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.skip:
            if data.strip():
                self.dropped.append(data.strip())
        else:
            self.parts.append(data)


_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_ENTITY = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]*|#\d+|#x[0-9a-fA-F]+);")


def _step_html(text: str, present: str | None = None) -> Change:
    """``present``: what :func:`_present` found in ``text`` (a tag needs "<", an entity "&")."""
    if (present is not None and "<" not in present) or not _TAG.search(text):
        if (present is None or "&" in present) and _ENTITY.search(text):
            n = len(_ENTITY.findall(text))
            return Change("html", html.unescape(text), f"decoded {n} entities")
        return Change("html", text)
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    out = "".join(parser.parts)
    tags = ", ".join(f"<{t}>×{n}" for t, n in sorted(parser.tags.items()))
    detail = f"removed tags {tags}"
    if parser.dropped:
        detail += f"; dropped {len(parser.dropped)} note marker(s)"
    return Change("html", out, detail, parser.dropped)


_MD_RULES: list[tuple[str, re.Pattern[str], str]] = [  # (name, regex, replacement)
    ("bold", re.compile(r"\*\*(?=\S)((?:(?!\n[ \t]*\n).)+?)[^\S\n]*\*\*", re.S), r"\1"),
    ("bold", re.compile(r"__(?=\S)((?:(?!\n[ \t]*\n).)+?)[^\S\n]*__", re.S), r"\1"),
    (
        "italic",
        re.compile(r"(?<![\w*])\*(?=\S)((?:[^*\n]|\n(?![ \t]*\n))+?)(?<=\S)[^\S\n]*\*(?![\w*])"),
        r"\1",
    ),
    ("italic", re.compile(r"(?<![\w_])_(?=\S)((?:[^_\n]|\n(?![ \t]*\n))+?)(?<=\S)_(?![\w_])"), r"\1"),
    # the last character that is no space, tab or '#' ends the title: a greedy scan back, not a
    # lazy one that retries the trailing run at every character (quadratic on '# # # ...')
    ("heading", re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*[^ \t#\n]|)[ \t#]*$", re.M), r"\n\1\n"),
    ("rule", re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$", re.M), ""),
    ("escape", re.compile(r"\\([\\`*_{}\[\]()#+\-.!>])"), r"\1"),
]


_LINK_RULE = r"\[([^\]\n]+)\]\([^)\s]+(?:\s+\"[^\"]*\")?\)"
"""The Markdown links that :func:`_strip_links` replaces by their text, as a regex (its definition)."""

_LINK_TEXT_STOP = re.compile(r"[\]\n]")
_LINK_URL_STOP = re.compile(r"[)\s]")
_LINK_SPACE_STOP = re.compile(r"\S")


def _strip_links(text: str) -> tuple[str, int]:
    """Replace Markdown links ``[text](url)`` / ``[text](url "title")`` by their text.

    The same result as ``re.subn(_LINK_RULE, r"\\1", text)``, in linear time: that regex
    rescans the rest of a line (or of a run without spaces) from every ``[`` and takes
    minutes on ``"[a]("`` repeated 50,000 times. Each part of a link (text, url, spaces,
    title) ends at the first character of a stop class; the scan positions only move right,
    so the last stop found for each part is reused while it lies ahead, and no character is
    scanned twice by the same search.

    Parameters
    ----------
    text : str

    Returns
    -------
    tuple of (str, int)
        The text without link markup, and the number of links removed.

    Examples
    --------
    >>> _strip_links('See [the text](https://example.org "Title") and [a](b).')
    ('See the text and a.', 2)
    """
    n = len(text)
    out: list[str] = []
    count = copied = 0
    stops = {"text": -1, "url": -1, "space": -1, "quote": -1}

    def stop(kind: str, rx: re.Pattern[str] | None, start: int) -> int:
        """First index >= ``start`` of a stop character of ``kind`` (``n`` when none)."""
        found = stops[kind]
        if found < start:
            if rx is None:
                found = text.find('"', start)
                found = n if found < 0 else found
            else:
                m = rx.search(text, start)
                found = m.start() if m else n
            stops[kind] = found
        return found

    i = text.find("[")
    while i >= 0:
        end = -1
        j = stop("text", _LINK_TEXT_STOP, i + 1)
        if i + 1 < j < n - 1 and text[j] == "]" and text[j + 1] == "(":
            e = stop("url", _LINK_URL_STOP, j + 2)
            if j + 2 < e < n:
                if text[e] == ")":
                    end = e + 1
                else:  # a space: a title in double quotes must follow, then ')'
                    s = stop("space", _LINK_SPACE_STOP, e)
                    if s < n and text[s] == '"':
                        q = stop("quote", None, s + 1)
                        if q < n - 1 and text[q + 1] == ")":
                            end = q + 2
        if end < 0:
            i = text.find("[", i + 1)
            continue
        out += (text[copied:i], text[i + 1 : j])
        copied = end
        count += 1
        i = text.find("[", end)
    if not count:
        return text, 0
    out.append(text[copied:])
    return "".join(out), count


_MD_MARKERS = {"link": "](", "bold": "", "italic": "", "heading": "#", "rule": "", "escape": "\\"}


def _step_markdown(text: str, present: str | None = None) -> Change:
    """``present``: what :func:`_present` found in ``text``."""
    counts: dict[str, int] = {}
    if present is not None:
        if not any(c in present for c in "*_#\\") and ("]" not in present or "](" not in text):
            return Change("markdown", text)
    elif "*" not in text and "_" not in text and "#" not in text and "](" not in text and "\\" not in text:
        return Change("markdown", text)
    if "](" in text:
        text, n = _strip_links(text)
        if n:
            counts["link"] = n
    for name, rx, repl in _MD_RULES:
        marker = _MD_MARKERS[name]
        if marker and marker not in text:
            continue
        text, n = rx.subn(repl, text)
        if n:
            counts[name] = counts.get(name, 0) + n
    detail = ", ".join(f"{k}×{v}" for k, v in counts.items())
    return Change("markdown", text, f"removed markdown {detail}" if detail else "")


@functools.cache
def boilerplate_patterns(path: str | None = None) -> tuple[tuple[str, re.Pattern[str], str], ...]:
    """Load the boilerplate patterns (name, compiled regex, ``line`` or ``rest``).

    Examples
    --------
    >>> [name for name, _, _ in boilerplate_patterns()][:2]
    ['press-read-also', 'vie-publique-source']
    """
    import yaml

    with open(path or config.BOILERPLATE_FILE, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    out = []
    for entry in data["patterns"]:
        if entry.get("remove", "line") not in ("line", "rest"):
            raise ValueError(
                f"{path or config.BOILERPLATE_FILE}: {entry['name']}: remove must be line or rest"
            )
        out.append((entry["name"], re.compile(entry["regex"], re.I), entry.get("remove", "line")))
    return tuple(out)


@functools.cache
def _any_pattern(patterns: tuple[tuple[str, re.Pattern[str], str], ...]) -> Callable[[str], Any] | None:
    """One ``match`` for "does any pattern match at the start of this line", or None.

    The patterns as one alternation: it matches where one of them does. Only
    when no pattern has a capturing group (a numbered back-reference would then
    point at another group) and all share their flags.
    """
    if not patterns or any(rx.groups or rx.flags != patterns[0][1].flags for _, rx, _ in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{rx.pattern})" for _, rx, _ in patterns), patterns[0][1].flags).match
    except re.error:  # e.g. a pattern with global inline flags, which must come first
        return None


def _step_boilerplate(text: str, patterns) -> Change:
    lines = text.split("\n")
    matches = _any_pattern(patterns)
    if matches is not None:
        found = any(map(matches, lines))
    else:
        found = any(any(map(rx.match, lines)) for _, rx, _ in patterns)
    if not found:  # the common case, in one pass
        return Change("boilerplate", text)
    kept: list[str] = []
    removed: list[str] = []
    names: list[str] = []
    for i, line in enumerate(lines):
        hit = next(((n, mode) for n, rx, mode in patterns if rx.match(line)), None)
        if hit is None:
            kept.append(line)
            continue
        names.append(hit[0])
        if hit[1] == "rest":
            removed.extend(x.strip() for x in lines[i:] if x.strip())
            break
        removed.append(line.strip())
    detail = f"removed {len(removed)} line(s) ({', '.join(names)})" if removed else ""
    return Change("boilerplate", "\n".join(kept), detail, removed)


def _step_unwrap(text: str, audit: bool = True) -> Change:
    module = native.fastkeys()
    out = module.unwrap(text) if module is not None else _unwrap_python(text)  # tests/test_clean.py: equal
    if not audit:  # the detail is for the audit trail only
        return Change("unwrap", out)
    n_lines = text.count("\n") - out.count("\n")
    n_paragraphs = out.count("\n\n") + 1 if out else 0  # no paragraph keeps a line break
    return Change("unwrap", out, f"joined {n_lines} line break(s) into {n_paragraphs} paragraph(s)")


def _unwrap_python(text: str) -> str:
    if " \n" in text or "\n " in text or "\t" in text:
        paragraphs = re.split(r"\n[ \t]*\n", text)
        # (?<![ \t]): a match starts where its run of spaces starts (as the leftmost one does),
        # so a long run with no line break is tried once, not from each of its characters
        joined = [re.sub(r"(?<![ \t])[ \t]*\n[ \t]*", " ", p).strip() for p in paragraphs]
    else:  # no space or tab beside a line break: the same split and join without regexes
        joined = [p.replace("\n", " ").strip() for p in text.split("\n\n")]
    return "\n\n".join(p for p in joined if p)


_TYPO = str.maketrans(
    {
        "\u2019": "'",
        "\u02bc": "'",
        "\u2018": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2013": "\u2013",
        "\u2014": "\u2013",
        "\u2015": "\u2013",
        "\u2012": "\u2013",
        "\u2010": "-",
        "\u2011": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2007": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u200b": "",
        "\ufeff": "",
        "\u00ad": "",
    }
)
_TYPO_MAP = {chr(k): v for k, v in _TYPO.items() if chr(k) != v}
# one character-class regex is about ten times faster than str.translate with a dict table
_TYPO_RX = re.compile("[" + re.escape("".join(_TYPO_MAP)) + "]")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# both in one scan: the distinct characters found are then replaced with str.replace
# (no replacement contains a character of either set, so the order does not matter)
_TYPO_OR_CONTROL = re.compile(_TYPO_RX.pattern[:-1] + _CONTROL_CHARS.pattern[1:])


_FR_SPACED = re.compile(r"[;:!?]")


def _space_before_marks(text: str) -> str:
    """One space before ; : ! ? that follow a non-space and precede a space or the end.

    The same as ``re.sub(r"(?<=\\S)[ \\t]*([;:!?])(?=\\s|$)", r" \\1", text)`` (the
    test suite checks it), written as a scan over the marks: the regex tries
    every position of the text and was the slowest step of cleaning.
    """
    out: list[str] = []
    last = 0
    n = len(text)
    for m in _FR_SPACED.finditer(text):
        i = m.start()
        if i + 1 < n and not text[i + 1].isspace():
            continue
        j = i
        while j > 0 and text[j - 1] in " \t":
            j -= 1
        if j == 0 or text[j - 1].isspace():
            continue
        out.append(text[last:j])
        out.append(" " + text[i])
        last = i + 1
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


_CONTROL_MAP = {chr(c): "" for c in (*range(0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))}


@functools.cache
def _c_typography() -> Callable[[str, bool], str] | None:
    """The C extension's typography step, while its table is this module's (else None)."""
    module = native.fastkeys()
    if module is None:
        return None
    if module.TYPOGRAPHY != {**_TYPO_MAP, **_CONTROL_MAP}:
        logger.warning("analysis._fastkeys has another typography table: rebuild it (make setup)")
        return None
    return module.typography


def _step_typography(text: str, language: str) -> Change:
    typography = _c_typography()
    if typography is not None:  # the same rules in C (tests/test_clean.py checks both)
        out = typography(text, language == "fr")
        return Change("typography", out, "normalised punctuation and spaces" if out != text else "")
    return _typography_python(text, language)


def _typography_python(text: str, language: str) -> Change:
    # each substitution is skipped when its text cannot occur (plain ``in`` tests are cheap);
    # tests/test_clean.py checks the result against the plain regex substitutions
    before = text
    for char in set(_TYPO_OR_CONTROL.findall(text)):
        text = text.replace(char, _TYPO_MAP.get(char, ""))
    if "«" in text:  # same as re.sub(r"«\s*", "« ", text)
        parts = text.split("«")
        text = "« ".join([parts[0], *(p.lstrip() for p in parts[1:])])
    if "»" in text:  # same as re.sub(r"\s*»", " »", text)
        parts = text.split("»")
        text = " »".join([*(p.rstrip() for p in parts[:-1]), parts[-1]])
    if language == "fr":
        text = _space_before_marks(text)
    elif " " in text or "\t" in text:
        text = re.sub(r"(?<![ \t])[ \t]+([;:!?])", r"\1", text)  # (?<!…): see _unwrap_python
    if "  " in text or "\t" in text:
        text = re.sub(r"[ \t]{2,}", " ", text)
    if " \n" in text:
        text = re.sub(r"(?<! ) +\n", "\n", text)
    text = text.strip()
    return Change("typography", text, "normalised punctuation and spaces" if text != before else "")


# ---------------------------------------------------------------------- public API
@dataclass
class CleanText:
    """A cleaned text with the audit trail of its steps."""

    text: str
    audit: list[dict[str, Any]]

    @property
    def paragraphs(self) -> list[str]:
        """The paragraphs of the cleaned text."""
        return [p for p in self.text.split("\n\n") if p.strip()]


def clean_text(
    text: str,
    *,
    language: str = "fr",
    title: str | None = None,
    steps: tuple[str, ...] = STEPS,
    boilerplate: str | None = None,
    audit: bool = True,
) -> CleanText:
    """Clean one statement; return the text and what each step did.

    Parameters
    ----------
    text : str
        Raw text (already decoded and NFC-normalised by :func:`analysis.corpus.read_text`).
    language : {"fr", "en"}
        For French spacing rules.
    title : str, optional
        The manifest title: a first line repeating it is dropped.
    steps : tuple of str
        Steps to apply (see :data:`STEPS`), always in the canonical order.
    boilerplate : str, optional
        Path of another boilerplate YAML file.
    audit : bool
        Record what each step did (``False`` for corpus-scale counting: same text, faster).

    Examples
    --------
    >>> c = clean_text("<p>La France&nbsp;: l’Ukraine.<br><br>A lire également</p>")
    >>> c.text
    "La France : l'Ukraine."
    >>> [row["step"] for row in c.audit if row["changed"]]
    ['html', 'boilerplate', 'unwrap', 'typography']
    """
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise ValueError(f"unknown cleaning step(s) {sorted(unknown)}; known: {STEPS}")
    return _clean_nfc(nfc(text), language, title, steps, boilerplate, audit)


_MARKERS = "\r<&*_#\\]"
"""The characters whose absence lets a step skip its scans: line ends, HTML, Markdown."""


def _present(text: str) -> str:
    """The characters of :data:`_MARKERS` that occur in ``text``, in one pass with the C extension."""
    module = native.fastkeys()
    if module is not None:
        return module.present(text, _MARKERS)  # tests/test_clean.py: the same as below
    return "".join(c for c in _MARKERS if c in text)


def _clean_nfc(
    text: str,
    language: str = "fr",
    title: str | None = None,
    steps: tuple[str, ...] = STEPS,
    boilerplate: str | None = None,
    audit: bool = False,
) -> CleanText:
    """:func:`clean_text` of a text already in NFC (corpus-scale counting normalises it first)."""
    present = _present(text)
    if "\r" in present:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    trail = []
    for step in STEPS:
        if step not in steps:
            continue
        if step == "title":
            change = _step_title(text, title)
        elif step == "html":
            change = _step_html(text, present)
            if change.text != text:  # decoded entities may add any character
                present = _present(change.text)
        elif step == "markdown":
            change = _step_markdown(text, present)
        elif step == "boilerplate":
            change = _step_boilerplate(text, boilerplate_patterns(boilerplate))
        elif step == "unwrap":
            change = _step_unwrap(text, audit)
        else:
            change = _step_typography(text, language)
        if audit:
            trail.append(
                {
                    "step": step,
                    "changed": change.text != text,
                    "chars_before": len(text),
                    "chars_after": len(change.text),
                    "words_before": len(text.split()),
                    "words_after": len(change.text.split()),
                    "detail": change.detail if change.text != text else "",
                    "removed": " | ".join(change.removed)[:500],
                }
            )
        text = change.text
    return CleanText(text=nfc(text), audit=trail)


def corpus_clean(corp: Corpus, *, steps: tuple[str, ...] = STEPS, boilerplate: str | None = None) -> Corpus:
    """Clean every document of a corpus.

    Returns a new corpus whose ``text`` column holds the cleaned text (the raw
    text stays in ``raw_text``), with ``n_paragraphs`` and the audit trail in
    ``corpus.audit`` (one row per document x step, plus a ``total`` row with the
    tokens before and after cleaning).

    Examples
    --------
    >>> from analysis.corpus import corpus
    >>> cleaned = corpus_clean(corpus())
    >>> int(cleaned.docs.loc[0, "n_paragraphs"])
    11
    >>> "lire également" in cleaned.docs.loc[0, "text"]
    False
    """
    import pandas as pd

    from analysis.corpus import Corpus
    from analysis.tokens import tokenize

    rows = []
    texts, n_par = [], []
    for doc in corp.docs.itertuples(index=False):
        result = clean_text(
            doc.text, language=doc.language, title=doc.title, steps=steps, boilerplate=boilerplate
        )
        for entry in result.audit:
            rows.append({"doc_id": doc.doc_id, **entry})
        before = sum(k != "punct" for *_, k in tokenize(doc.text, doc.language))
        after = sum(k != "punct" for *_, k in tokenize(result.text, doc.language))
        rows.append(
            {
                "doc_id": doc.doc_id,
                "step": "total",
                "changed": before != after,
                "chars_before": len(doc.text),
                "chars_after": len(result.text),
                "words_before": before,
                "words_after": after,
                "detail": f"tokens {before} -> {after}",
                "removed": "",
            }
        )
        texts.append(result.text)
        n_par.append(len(result.paragraphs))
    docs = corp.docs.copy()
    docs["raw_text"] = docs["text"]
    docs["text"] = texts
    docs["n_paragraphs"] = n_par
    cleaned = Corpus(
        docs=docs,
        problems=corp.problems,
        history=[*corp.history, {"op": "corpus_clean", "steps": list(steps), "version": CLEANER_VERSION}],
        manifest=corp.manifest,
    )
    cleaned.audit = pd.DataFrame(rows)  # type: ignore[attr-defined]
    logger.info("cleaned %d documents", len(docs))
    return cleaned


def audit_summary(audit: pd.DataFrame) -> pd.DataFrame:
    """Summarise an audit trail per step: documents changed, characters and words removed.

    Examples
    --------
    >>> from analysis.corpus import corpus
    >>> s = audit_summary(corpus_clean(corpus()).audit)
    >>> "boilerplate" in s["step"].tolist()
    True
    """
    steps = audit[audit["step"] != "total"].copy()
    steps["chars_removed"] = steps["chars_before"] - steps["chars_after"]
    steps["words_removed"] = steps["words_before"] - steps["words_after"]
    out = (
        steps.groupby("step", sort=False)
        .agg(
            documents_changed=("changed", "sum"),
            chars_removed=("chars_removed", "sum"),
            words_removed=("words_removed", "sum"),
        )
        .reset_index()
    )
    out["documents_changed"] = out["documents_changed"].astype("int64")
    return out
