"""Cleaning: markup, boilerplate, unwrapping, typography, audit trail."""

from __future__ import annotations

import re

import pytest

from analysis.clean import audit_summary, clean_text, corpus_clean
from analysis.corpus import corpus

MARKUP = ["<", "**", "\\###", "&nbsp;", "&#39;", "Source https"]


def test_seed_boilerplate_gone_and_paragraphs(seed_clean):
    text = seed_clean.docs.loc[0, "text"]
    assert "lire également" not in text.lower()
    assert not any(m in text for m in MARKUP)
    # hand count in the raw file: 11 body paragraphs after the title, then the trailer
    assert int(seed_clean.docs.loc[0, "n_paragraphs"]) == 11
    assert text.startswith("Le président français Emmanuel Macron")
    assert "’" not in text  # typographic apostrophes normalised


def test_seed_audit_records_each_removal(seed_clean):
    audit = seed_clean.audit
    bp = audit[(audit["step"] == "boilerplate")].iloc[0]
    assert bp["changed"] and bp["removed"] == "A lire également"
    title = audit[(audit["step"] == "title")].iloc[0]
    assert title["removed"].startswith("La France et le Canada conviennent")
    total = audit[audit["step"] == "total"].iloc[0]
    assert total["words_before"] > total["words_after"]
    assert set(audit_summary(audit)["step"]) >= {"title", "boilerplate", "typography"}


def test_html_fragment_synthetic():
    raw = (
        "<p>Alphaland et Betaland&nbsp;: l&#39;accord fictif<sup>1</sup>.<br><br>"
        "Deuxième paragraphe&hellip;<br><br>Source https://example.invalid, le 1er janvier 2000<br></p>"
    )
    c = clean_text(raw, language="fr")
    assert c.paragraphs == ["Alphaland et Betaland : l'accord fictif.", "Deuxième paragraphe…"]
    html_row = next(r for r in c.audit if r["step"] == "html")
    assert "<p>" in html_row["detail"] and html_row["removed"] == "1"


def test_markdown_hard_wrapped_synthetic():
    raw = (
        "**Synthetic Heading**  \n\nThe *Alphaland*\nparties met in **Betaland** to discuss\n"
        "the _fictional_ plan.  \n  \n\\###\n"
    )
    c = clean_text(raw, language="en")
    assert c.paragraphs == [
        "Synthetic Heading",
        "The Alphaland parties met in Betaland to discuss the fictional plan.",
    ]


def test_typography_synthetic():
    c = clean_text("« Texte » — l’essai\u00a0; vraiment\u202f? “oui”", language="fr")
    assert c.text == '« Texte » – l\'essai ; vraiment ? "oui"'
    c_en = clean_text("Really ? Yes ; no", language="en")
    assert c_en.text == "Really? Yes; no"


def test_title_line_dropped_only_when_it_repeats_the_title():
    assert clean_text("Titre fictif\n\nCorps.", title="Titre fictif").text == "Corps."
    assert clean_text("Autre ligne\n\nCorps.", title="Titre fictif").text == "Autre ligne\n\nCorps."


def test_every_shared_text_cleans_without_markup(shared_manifest):
    cleaned = corpus_clean(corpus(shared_manifest))
    for doc in cleaned.docs.itertuples():
        left = [m for m in MARKUP if m in doc.text]
        assert not left, f"{doc.doc_id}: {left}"
        assert not re.search(r"(?<!\w)\*|\*(?!\w)", doc.text), doc.doc_id
        assert doc.n_paragraphs >= 1


# -------------------------------------------------- fast steps against their regex definitions
# The unwrap and typography steps skip substitutions that cannot apply and replace the
# slowest regexes by scans. The oracle below is the plain regex form of each rule, as the
# module docstring states it; hypothesis draws texts dense in the characters that matter.
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from analysis import clean as clean_module  # noqa: E402

_TYPO_ALPHABET = list("ab;:!?«»\"'’‘`´“”„–—‐‑ \t\n\u00a0\u202f\u2009\u200b\u00ad\x01\x0b\x0c\x85\u2028")
# fragments make the rare neighbourhoods (a tab before a mark, a blank line of spaces) frequent
_FRAGMENTS = ["a", "b", " ", "  ", "\t", "\n", "\n\n", "\n \n", ";", ":", "?", "!", "«", "»", "\u00a0", "’"]
_TYPO_TEXTS = st.one_of(
    st.text(alphabet=st.sampled_from(_TYPO_ALPHABET), max_size=80),
    st.lists(st.sampled_from(_FRAGMENTS), max_size=30).map("".join),
)


def _unwrap_oracle(text: str) -> str:
    paragraphs = re.split(r"\n[ \t]*\n", text)
    joined = [re.sub(r"[ \t]*\n[ \t]*", " ", p).strip() for p in paragraphs]
    return "\n\n".join(p for p in joined if p)


def _typography_oracle(text: str, language: str) -> str:
    text = clean_module._TYPO_RX.sub(lambda m: clean_module._TYPO_MAP[m.group()], text)
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", "", text)
    text = re.sub(r"«\s*", "« ", text)
    text = re.sub(r"\s*»", " »", text)
    if language == "fr":
        text = re.sub(r"(?<=\S)[ \t]*([;:!?])(?=\s|$)", r" \1", text)
    else:
        text = re.sub(r"[ \t]+([;:!?])", r"\1", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return re.sub(r" +\n", "\n", text).strip()


@settings(max_examples=400, deadline=None)
@given(text=_TYPO_TEXTS)
def test_unwrap_equals_its_regex_definition(text):
    """Both engines: the step as used (the C extension when built) and the Python one."""
    expected = _unwrap_oracle(text)
    assert clean_module._step_unwrap(text).text == expected
    assert clean_module._unwrap_python(text) == expected


def test_c_unwrap_equals_python_for_every_character():
    """Every BMP code point (surrogates aside) and every 7th astral one, around line breaks."""
    from analysis import native

    if native.fastkeys() is None:
        pytest.skip("C extension not built")
    codes = [*range(0xD800), *range(0xE000, 0x10000), *range(0x10000, 0x110000, 7)]
    for start in range(0, len(codes), 4096):
        text = "".join(f"{c}a{c}\n{c} \n\t{c}\n \n{c}" for c in map(chr, codes[start : start + 4096]))
        assert native.fastkeys().unwrap(text) == clean_module._unwrap_python(text)


@settings(max_examples=400, deadline=None)
@given(
    text=_TYPO_TEXTS,
    language=st.sampled_from(["fr", "en"]),
)
def test_typography_equals_its_regex_definition(text, language):
    """Both engines: the step as used (the C extension when built) and the Python one."""
    expected = _typography_oracle(text, language)
    assert clean_module._step_typography(text, language).text == expected
    assert clean_module._typography_python(text, language).text == expected


@pytest.mark.parametrize("language", ["fr", "en"])
def test_c_typography_equals_python_for_every_character(language):
    """Every BMP code point (surrogates aside) and every 7th astral one, alone and around marks."""
    from analysis import native

    if native.fastkeys() is None:
        pytest.skip("C extension not built")
    assert clean_module._c_typography() is not None
    codes = [*range(0xD800), *range(0xE000, 0x10000), *range(0x10000, 0x110000, 7)]
    for start in range(0, len(codes), 4096):
        text = "".join(f"{c}a{c} ;{c}« {c}»{c}? {c}\n" for c in map(chr, codes[start : start + 4096]))
        expected = clean_module._typography_python(text, language).text
        assert clean_module._step_typography(text, language).text == expected


_SPACES = [chr(c) for c in range(0x110000) if chr(c).isspace()] + ["\u200b", "\ufeff", "a", "B", "é", "É"]


@settings(max_examples=400, deadline=None)
@given(
    a=st.text(alphabet=st.sampled_from(_SPACES), max_size=12),
    b=st.text(alphabet=st.sampled_from(_SPACES), max_size=12),
)
def test_title_comparison_equals_its_regex_definition(a, b):
    def norm(s: str) -> str:
        return re.sub(r"\s+", " ", s).strip().lower()

    assert clean_module._same_words(a, b) == (norm(a) == norm(b))
    assert clean_module._same_words(a, a.upper())


def test_every_whitespace_character_is_whitespace_to_re_and_str_alike():
    """The equivalence above rests on this: one definition of whitespace (all of Unicode)."""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    assert [c for c in chars if c.isspace()] == [c for c in chars if re.fullmatch(r"\s", c)]


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(
        st.sampled_from(
            [
                "A lire également :",
                "Source https://x.example, le 1er",
                "\\###",
                "Texte.",
                "",
                "  lire aussi",
                "voir",
            ]
        ),
        max_size=8,
    )
)
def test_boilerplate_shortcut_keeps_the_step(lines):
    """The one-pass test for "no line matches" gives the same text as the line loop."""
    text = "\n".join(lines)
    patterns = clean_module.boilerplate_patterns()
    kept = [line for line in lines if not any(rx.match(line) for _, rx, _ in patterns)]
    change = clean_module._step_boilerplate(text, patterns)
    if len(kept) == len(lines):
        assert change.text == text and not change.removed
    else:
        assert change.removed


_NFC_ALPHABET = [
    "e", "E", "a", "\u0301", "\u0300", "\u0327", "\u0323", "\u0302", "\u1100", "\u1161", "\u11a8",
    "\uac00", "\u212b", "\u0958", "\n", "\r", " ", "\u0345", "\u0f73", "é", "\U0001d15e",
]  # fmt: skip


_NFC_ALPHABET += ["\u02ff", "\u02bc", "\u0b47", "\u0b3e", "\u0b4b", "\u0340", "\u00c5", "Å", "\u2019"]


@settings(max_examples=500, deadline=None)
@given(parts=st.lists(st.sampled_from(_NFC_ALPHABET), max_size=40))
def test_nfc_equals_unicodedata(parts):
    """Combining marks, Hangul jamo, singletons, exclusions, Oriya vowel parts (two starters
    that compose), on both sides of line breaks and of the last code point below U+0300;
    both engines (the C extension's pieces, when built, and line by line)."""
    import unicodedata

    text = "".join(parts)
    expected = unicodedata.normalize("NFC", text)
    assert clean_module.nfc(text) == expected
    assert clean_module._nfc_lines(text) == expected


def test_nfc_premise_every_code_point_below_u0300_is_a_stable_starter():
    """What the C nfc relies on, from the Unicode database itself: each code point below
    U+0300 has combining class 0, is its own NFC, and is the second half of no canonical
    pair decomposition (so it composes with nothing before it; Hangul syllables compose
    from jamo, all above U+1100)."""
    import sys
    import unicodedata

    seconds = set()
    for cp in range(sys.maxunicode + 1):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))
    assert min(seconds) >= 0x300  # a check that fails if the premise ever stops holding
    for cp in range(0x300):
        assert unicodedata.combining(chr(cp)) == 0
        assert unicodedata.normalize("NFC", chr(cp)) == chr(cp)
    assert 0x301 in seconds and 0x327 in seconds  # the search found the usual marks


def test_c_nfc_equals_unicodedata_for_every_character():
    """Every code point (every 7th astral one) after a base, between marks, between jamo,
    before two marks and between two starters that compose, in texts of many pieces."""
    import unicodedata

    from analysis import native

    if native.fastkeys() is None:
        pytest.skip("C extension not built")
    codes = [*range(0x10000), *range(0x10000, 0x110000, 7)]
    for start in range(0, len(codes), 2048):
        text = "".join(
            f"e{c}\u0301|a\u0323{c}\u0307|\u1100{c}\u1161|{c}\u0327\u0301|\u0b47{c}\u0b3e "
            for c in map(chr, codes[start : start + 2048])
        )
        assert native.fastkeys().nfc(text, unicodedata.normalize) == unicodedata.normalize("NFC", text)


def test_c_nfc_normalises_only_the_pieces_that_may_change():
    """The runs from U+0300 up, each with the code point before it; a text of the one-byte
    kind is returned untouched, without a call; errors of ``normalize`` reach the caller."""
    import unicodedata

    from analysis import native

    if native.fastkeys() is None:
        pytest.skip("C extension not built")
    seen = []

    def spy(form, piece):
        seen.append((form, piece))
        return unicodedata.normalize(form, piece)

    text = "Se\u0301curite\u0301 de l\u2019Europe \u00e0 Paris"
    assert native.fastkeys().nfc(text, spy) == "Sécurité de l'Europe à Paris".replace("'", "\u2019")
    assert seen == [("NFC", "e\u0301"), ("NFC", "e\u0301"), ("NFC", "l\u2019")]
    latin1 = "Défense à Paris"

    def boom(form, piece):
        raise AssertionError("called")

    assert native.fastkeys().nfc(latin1, boom) is latin1
    with pytest.raises(AssertionError, match="called"):
        native.fastkeys().nfc("\u0301", boom)
    with pytest.raises(TypeError):
        native.fastkeys().nfc("e\u0301", lambda form, piece: 1)
    with pytest.raises(TypeError):
        native.fastkeys().nfc(b"e", unicodedata.normalize)


_MARKUP_ALPHABET = list("ab <>&;#*_\\]()[\r\n/p") + [
    "&amp;",
    "&#42;",
    "<p>",
    "</b>",
    "**",
    "](x)",
    "\u2019",
    "\U0001d15e",
]


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(st.sampled_from(_MARKUP_ALPHABET), max_size=30))
def test_steps_told_what_is_present_equal_the_steps_that_look(parts):
    """html and markdown skip their scans when _present says their markers are absent: the
    same text and detail as when they look themselves; _present (C when built) is its
    Python definition, for strings of each kind."""
    from analysis import native

    text = "".join(parts)
    expected = "".join(c for c in clean_module._MARKERS if c in text)
    assert clean_module._present(text) == expected
    if native.fastkeys() is not None:
        assert native.fastkeys().present(text, "ab\r") == "".join(c for c in "ab\r" if c in text)
    for step in (clean_module._step_html, clean_module._step_markdown):
        told, looked = step(text, expected), step(text)
        assert (told.text, told.detail, told.removed) == (looked.text, looked.detail, looked.removed)


def test_c_present_refuses_what_it_cannot_look_for():
    from analysis import native

    if native.fastkeys() is None:
        pytest.skip("C extension not built")
    assert native.fastkeys().present("a\u00e9b", "bca") == "ba"  # hand-checked: order of chars
    assert native.fastkeys().present("", "ab") == ""
    with pytest.raises(ValueError):
        native.fastkeys().present("é", "é")
    with pytest.raises(ValueError):
        native.fastkeys().present("a", "a" * 65)
