"""Cleaning: from a statement as published to plain paragraphs, with an audit trail.

Steps, in order (each one recorded per document in the audit trail with what it
removed or changed, characters and whitespace-separated words before and after):

1. ``title`` – the title line (the first line when it repeats the manifest title, or,
   without one, when :func:`analysis.encoding.title_line` says it is a title) is dropped
   or counted by :func:`title_mode`: an official statement's title repeats its
   metadata (dropped); a press article's headline is content (counted); ``--title
   count|drop`` (``title_mode``) decides for every document.
2. ``html`` – HTML fragments (``<p>``, ``<br>``, ``<sup>`` notes, entities such as
   ``&nbsp;`` ``&#39;``) parsed with the standard library's ``html.parser``:
   block tags become paragraph breaks, ``<br>`` a line break, ``<sup>`` content is
   dropped (footnote markers) except an ordinal suffix after a number or a French
   abbreviation after M, which stays part of the word (``21<sup>st</sup>`` is "21st",
   ``1<sup>er</sup>`` "1er", ``M<sup>me</sup>`` "Mme"); every other tag is removed and its
   text kept.
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
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analysis import config
from analysis.markup import Change, _step_html, _step_markdown

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable

    import pandas as pd

    from analysis.corpus import Corpus

logger = logging.getLogger(__name__)

STEPS = ("title", "html", "markdown", "boilerplate", "unwrap", "typography")
TITLE_MODES = ("drop", "count")
#: The title line's default treatment by genre (any other genre: ``drop``).
TITLE_BY_GENRE: dict[str, str] = {"press_article": "count"}
CLEANER_VERSION = "1.1"  # 1.1: ordinal suffixes in <sup> kept


def nfc(text: str) -> str:
    """Unicode NFC: ``unicodedata.normalize("NFC", text)``, normalising only the lines that change.

    CPython normalises a whole string as soon as one character needs it. A text
    that is already NFC (nearly every one) is returned as it is after the quick
    check; otherwise each line is normalised on its own (a line break is a
    starter: no normalisation moves or composes anything across it), so a text
    with a few decomposed accents (PDF extraction, macOS copy and paste) costs
    a fraction. ``tests/test_clean.py`` compares it with ``unicodedata.normalize``.

    Examples
    --------
    >>> nfc("De\\u0301fense\\nSe\\u0301curite\\u0301") == "Défense\\nSécurité"
    True
    """
    if unicodedata.is_normalized("NFC", text):
        return text
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


def title_mode(genre: str | None = None, mode: str | None = None) -> str:
    """What is done with a document's title line: ``mode`` when given, else its genre's default.

    Examples
    --------
    >>> title_mode("press_article"), title_mode("joint_statement"), title_mode("press_article", "drop")
    ('count', 'drop', 'drop')
    """
    if mode:
        if mode not in TITLE_MODES:
            raise ValueError(f"title mode {mode!r}: give one of {', '.join(TITLE_MODES)}")
        return mode
    return TITLE_BY_GENRE.get(str(genre or ""), "drop")


def _step_title(text: str, title: str | None, mode: str = "drop") -> Change:
    if not title:
        return Change("title", text)
    body = text.lstrip("\ufeff")
    cut = body.find("\n")
    first = body if cut < 0 else body[:cut]
    if _same_words(first, title):
        if mode == "count":
            return Change("title", text, "kept the title line (counted)", [])
        rest = "" if cut < 0 else body[cut + 1 :].lstrip("\n")
        return Change("title", rest, "removed the title line", [first.strip()])
    return Change("title", text)


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
        if matches is not None and not matches(line):  # one call decides most lines
            kept.append(line)
            continue
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
    out = _unwrap(text)
    if not audit:  # the detail is for the audit trail only
        return Change("unwrap", out)
    n_lines = text.count("\n") - out.count("\n")
    n_paragraphs = out.count("\n\n") + 1 if out else 0  # no paragraph keeps a line break
    return Change("unwrap", out, f"joined {n_lines} line break(s) into {n_paragraphs} paragraph(s)")


def _unwrap(text: str) -> str:
    if " \n" in text or "\n " in text or "\t" in text:
        paragraphs = re.split(r"\n[ \t]*\n", text)
        joined = [_join_lines(p) for p in paragraphs]
    else:  # no space or tab beside a line break: the same split and join without regexes
        joined = [p.replace("\n", " ").strip() for p in text.split("\n\n")]
    return "\n\n".join(p for p in joined if p)


def _join_lines(paragraph: str) -> str:
    """``re.sub(r"[ \t]*\n[ \t]*", " ", paragraph).strip()``, for a paragraph without a blank line.

    With no blank line (``\n[ \t]*\n``) inside, no line but the first and the
    last can be only spaces and tabs, so the spaces and tabs around each line
    break are those at the ends of its lines (the regex tried every position).
    """
    lines = paragraph.split("\n")
    if len(lines) == 1:
        return paragraph.strip()
    inner = [line.strip(" \t") for line in lines[1:-1]]
    return " ".join([lines[0].rstrip(" \t"), *inner, lines[-1].lstrip(" \t")]).strip()


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
_SPACED_MARKS = tuple(space + mark for space in " \t" for mark in ";:!?")
_SPACES = re.compile("  +")


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


def _step_typography(text: str, language: str) -> Change:
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
    elif any(pair in text for pair in _SPACED_MARKS):
        # (?<![ \t]): a match starts where its run of spaces starts (as the leftmost one does)
        text = re.sub(r"(?<![ \t])[ \t]+([;:!?])", r"\1", text)
    if "\t" in text:
        text = re.sub(r"[ \t]{2,}", " ", text)
    elif "  " in text:  # the same without tabs; a literal start lets the engine skip ahead
        text = _SPACES.sub(" ", text)
    if " \n" in text:  # the same as re.sub(r" +\n", "\n", text), but on the last line (stripped below)
        text = "\n".join([line.rstrip(" ") for line in text.split("\n")])
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
    title_mode: str = "drop",
) -> CleanText:
    """Clean one statement; return the text and what each step did.

    Parameters
    ----------
    text : str
        Raw text (already decoded and NFC-normalised by :func:`analysis.corpus.read_text`).
    language : {"fr", "en"}
        For French spacing rules.
    title : str, optional
        The manifest title (or :func:`analysis.encoding.title_line` of a file): a first
        line repeating it is the title line.
    steps : tuple of str
        Steps to apply (see :data:`STEPS`), always in the canonical order.
    boilerplate : str, optional
        Path of another boilerplate YAML file.
    audit : bool
        Record what each step did (``False`` for corpus-scale counting: same text, faster).
    title_mode : {"drop", "count"}
        Drop the title line or keep it as text (:func:`title_mode` gives the default by genre).

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
    if title_mode not in TITLE_MODES:
        raise ValueError(f"title mode {title_mode!r}: give one of {', '.join(TITLE_MODES)}")
    return _clean_nfc(nfc(text), language, title, steps, boilerplate, audit, title_mode)


_MARKERS = "\r<&*_#\\]"
"""The characters whose absence lets a step skip its scans: line ends, HTML, Markdown."""


def _present(text: str) -> str:
    """The characters of :data:`_MARKERS` that occur in ``text``."""
    return "".join(c for c in _MARKERS if c in text)


def _clean_nfc(
    text: str,
    language: str = "fr",
    title: str | None = None,
    steps: tuple[str, ...] = STEPS,
    boilerplate: str | None = None,
    audit: bool = False,
    title_mode: str = "drop",
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
            change = _step_title(text, title, title_mode)
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


def _heading(doc: Any) -> str:
    """The text's own title line when the manifest gave one (``heading``), else ""."""
    heading = getattr(doc, "heading", "")
    return heading if isinstance(heading, str) else ""


def corpus_clean(
    corp: Corpus, *, steps: tuple[str, ...] = STEPS, boilerplate: str | None = None, title: str | None = None
) -> Corpus:
    """Clean every document of a corpus.

    Returns a new corpus whose ``text`` column holds the cleaned text (the raw
    text stays in ``raw_text``), with ``n_paragraphs`` and the audit trail in
    ``corpus.audit`` (one row per document x step, plus a ``total`` row with the
    tokens before and after cleaning). ``title`` (``drop`` or ``count``) decides for
    every document what is done with its title line; by default its genre decides
    (:func:`title_mode`), and the ``title_mode`` column says what was done.

    Examples
    --------
    >>> from analysis.corpus import corpus
    >>> cleaned = corpus_clean(corpus())
    >>> int(cleaned.docs.loc[0, "n_paragraphs"])  # the headline of the press article is counted
    12
    >>> "lire également" in cleaned.docs.loc[0, "text"]
    False
    """
    import pandas as pd

    from analysis.corpus import Corpus
    from analysis.tokens import tokenize

    rows = []
    texts, n_par, modes = [], [], []
    for doc in corp.docs.itertuples(index=False):
        mode = title_mode(getattr(doc, "genre", None), title)
        modes.append(mode)
        result = clean_text(
            doc.text, language=doc.language, title=_heading(doc) or doc.title, steps=steps,
            boilerplate=boilerplate,
            title_mode=mode,
        )  # fmt: skip
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
    docs["title_mode"] = modes
    cleaned = Corpus(
        docs=docs,
        problems=corp.problems,
        history=[*corp.history, {"op": "corpus_clean", "steps": list(steps), "version": CLEANER_VERSION,
                                 "title": title or "by genre"}],
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
