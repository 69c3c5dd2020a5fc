"""HTML and Markdown: the ``html`` and ``markdown`` steps of :mod:`analysis.clean`.

``html`` parses fragments (``<p>``, ``<br>``, ``<sup>`` notes, entities) with the
standard library's ``html.parser``: block tags become paragraph breaks, ``<br>`` a
line break, comments ``<!-- -->`` (the White House's list separators) are dropped,
``<sup>`` content is dropped (footnote markers) unless it is an ordinal suffix
after a number or an abbreviation after M (``21<sup>st</sup>`` -> "21st"), every other tag is
removed and its text kept; a text without tags only has its entities decoded.
``markdown`` removes emphasis, headings, backslash escapes, links ``[text](url)``
and rules. Each step returns a :class:`Change` (the record of what one step did,
shared with the other steps of :mod:`analysis.clean`, which imports it from here).
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

logger = logging.getLogger(__name__)


@dataclass
class Change:
    """What one step did to one document."""

    step: str
    text: str
    detail: str = ""
    removed: list[str] = field(default_factory=list)


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


#: ``<sup>`` content kept as part of the word before it: ordinal suffixes after a number
#: (21<sup>st</sup>, 2<sup>nd</sup>, 1<sup>er</sup>, 3<sup>e</sup>, XXI<sup>e</sup>) and French
#: abbreviations after M (M<sup>me</sup>, M<sup>lle</sup>, M<sup>gr</sup>); other ``<sup>`` text
#: is a note marker and is dropped.
_SUFFIX_AFTER_NUMBER = re.compile(r"(?:st|nd|rd|th|e|er|re|ère|ere|ème|eme|es|ers|res|ères|nde?s?|d)", re.I)
_NUMBER_END = re.compile(r"(?:\d|\b[IVXLC]+)$")
_SUFFIX_AFTER_M = re.compile(r"(?:mes?|lles?|gr|grs)")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.tags: dict[str, int] = {}
        self.dropped: list[str] = []
        self.sup: list[str] | None = None  # the text of the <sup> being read
        self.comments = 0

    def _before(self) -> str:
        return "".join(self.parts[-3:])

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag == "sup" and not self.skip:
            self.sup = []
            self.skip += 1
        elif tag in _DROP_TAGS:
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
        if tag == "sup" and self.sup is not None:
            text, self.sup = "".join(self.sup).strip(), None
            self.skip = max(0, self.skip - 1)
            before = self._before()
            if (_SUFFIX_AFTER_NUMBER.fullmatch(text) and _NUMBER_END.search(before)) or (
                _SUFFIX_AFTER_M.fullmatch(text) and re.search(r"\bM$", before)
            ):
                self.parts.append(text)
            elif text:
                self.dropped.append(text)
        elif tag in _DROP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_comment(self, data: str) -> None:
        self.comments += 1  # <!-- ... --> is not text: dropped

    def handle_data(self, data: str) -> None:
        if self.sup is not None and self.skip == 1:
            self.sup.append(data)
        elif self.skip:
            if data.strip():
                self.dropped.append(data.strip())
        else:
            self.parts.append(data)


_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>|<!--")
_ENTITY = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]*|#\d+|#x[0-9a-fA-F]+);")


def _step_html(text: str, present: str | None = None) -> Change:
    """``present``: what ``analysis.clean._present`` found in ``text`` (a tag needs "<", an entity "&")."""
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
    detail = f"removed tags {tags}" if tags else "removed"
    if parser.comments:
        detail += f"{',' if tags else ''} {parser.comments} comment(s) <!-- -->"
    if parser.dropped:
        detail += f"; dropped {len(parser.dropped)} note marker(s)"
    return Change("html", out, detail, parser.dropped)


_MD_RULES: list[tuple[str, re.Pattern[str], str]] = [  # (name, regex, replacement)
    ("bold", re.compile(r"\*\*(?=\S)((?:(?!\n[ \t]*\n).)+?)[^\S\n]*\*\*", re.S), r"\1"),
    ("bold", re.compile(r"__(?=\S)((?:(?!\n[ \t]*\n).)+?)[^\S\n]*__", re.S), r"\1"),
    (
        "italic",
        # "\*(?<![\w*]\*)" is "(?<![\w*])\*" with the literal first: the regex engine then
        # jumps from one "*" to the next instead of trying the lookbehind at every position
        re.compile(r"\*(?<![\w*]\*)(?=\S)((?:[^*\n]|\n(?![ \t]*\n))+?)(?<=\S)[^\S\n]*\*(?![\w*])"),
        r"\1",
    ),
    ("italic", re.compile(r"_(?<![\w_]_)(?=\S)((?:[^_\n]|\n(?![ \t]*\n))+?)(?<=\S)_(?![\w_])"), r"\1"),
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
    """``present``: what ``analysis.clean._present`` found in ``text``."""
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
