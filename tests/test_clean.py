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
    # hand count in the raw file: the headline and 11 body paragraphs, then the trailer; a press
    # article's headline is content (counted by default)
    assert int(seed_clean.docs.loc[0, "n_paragraphs"]) == 12
    assert text.startswith("La France et le Canada conviennent")
    assert seed_clean.docs.loc[0, "title_mode"] == "count"
    assert "’" not in text  # typographic apostrophes normalised


def test_seed_audit_records_each_removal(seed_clean):
    audit = seed_clean.audit
    bp = audit[(audit["step"] == "boilerplate")].iloc[0]
    assert bp["changed"] and bp["removed"] == "A lire également"
    title = audit[(audit["step"] == "title")].iloc[0]
    assert not title["changed"] and title["removed"] == ""  # the headline is kept (press article)
    total = audit[audit["step"] == "total"].iloc[0]
    assert total["words_before"] > total["words_after"]
    assert set(audit_summary(audit)["step"]) >= {"boilerplate", "typography"}


def test_title_rule_is_the_same_on_every_route(tmp_path, capsys):
    """The seed's file counted through the manifest, as a FILE and by `tokens FILE`: one rule.

    Hand count: the headline is 20 tokens (« d' » is a token): La France et le Canada
    conviennent d' accroître leur coopération en matière de défense et de sécurité dans
    différentes régions.
    """
    from analysis import config
    from analysis.cli import main
    from analysis.tokens import tokens

    path = config.RAW_DIR / "fr-ca-2024-09-26-press-fr.txt"
    manifest = corpus()
    by_manifest = {mode: int(tokens(corpus_clean(manifest, title=mode)).docs["n_tokens"].iloc[0])
                   for mode in ("count", "drop")}  # fmt: skip
    assert by_manifest["count"] - by_manifest["drop"] == 20
    assert int(tokens(corpus_clean(manifest)).docs["n_tokens"].iloc[0]) == by_manifest["count"]
    from analysis.corpus import corpus_from_files

    printed = {}
    for mode in ("count", "drop"):
        as_file = int(tokens(corpus_clean(corpus_from_files([path]), title=mode)).docs["n_tokens"].iloc[0])
        assert as_file == by_manifest[mode], mode
        assert main(["tokens", str(path), "--title", mode]) == 0
        printed[mode] = capsys.readouterr().out.splitlines()
    # `tokens FILE` prints punctuation too; the headline has none: 20 lines more
    assert len(printed["count"]) - len(printed["drop"]) == 20
    assert printed["count"][:2] == ["La\tla", "France\tfrance"]
    # a file's default: a statement (dropped); the manifest says the seed is a press article
    assert corpus_clean(corpus_from_files([path])).docs.loc[0, "title_mode"] == "drop"
    # on the command line a file the manifest describes (same sha256) is counted as its id is
    assert main(["count", str(path)]) == 0
    as_file = capsys.readouterr().out
    assert main(["count", "fr-ca-2024-09-26-press-fr"]) == 0
    assert as_file == capsys.readouterr().out
    assert main(["tokens", str(path)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(printed["count"])  # the headline counted


def test_html_fragment_synthetic():
    raw = (
        "<p>Alphaland et Betaland&nbsp;: l&#39;accord fictif<sup>1</sup>.<br><br>"
        "Deuxième paragraphe&hellip;<br><br>Source https://example.invalid, le 1er janvier 2000<br></p>"
    )
    c = clean_text(raw, language="fr")
    assert c.paragraphs == ["Alphaland et Betaland : l'accord fictif.", "Deuxième paragraphe…"]
    html_row = next(r for r in c.audit if r["step"] == "html")
    assert "<p>" in html_row["detail"] and html_row["removed"] == "1"



def test_html_comments_are_dropped_even_without_tags():
    # the White House separates list items with <!-- --> (437 of its 6,405 statements in ../shared/bench)
    c = clean_text("Alphaland agit.\n\n<!-- -->\n\n- Syldavie suit.", language="fr")
    assert c.paragraphs == ["Alphaland agit.", "- Syldavie suit."]
    assert "1 comment(s)" in next(r for r in c.audit if r["step"] == "html")["detail"]
    c = clean_text("<p>Alphaland<!-- note --> agit.</p>", language="fr")
    assert c.paragraphs == ["Alphaland agit."]

@pytest.mark.parametrize(
    ("raw", "text", "dropped"),
    [
        ("the 21<sup>st</sup> century", "the 21st century", ""),  # written by hand
        ("its 2<sup>nd</sup> and 3<sup>rd</sup> rounds", "its 2nd and 3rd rounds", ""),
        ("le 1<sup>er</sup> mai, le XXI<sup>e</sup> siècle", "le 1er mai, le XXIe siècle", ""),
        ("M<sup>me</sup> Exemple", "Mme Exemple", ""),
        ("un accord<sup>2</sup> fictif", "un accord fictif", "2"),  # a note marker after a word
        ("en 2020<sup>3</sup> déjà", "en 2020 déjà", "3"),  # a note after a number
        ("<sup>st</sup> seul", "seul", "st"),  # a suffix with no number before it
    ],
)
def test_ordinal_suffixes_in_sup_stay_with_their_number(raw, text, dropped):
    c = clean_text(raw, language="fr")
    assert c.text == text
    assert next(r for r in c.audit if r["step"] == "html")["removed"] == dropped


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
from analysis import markup  # noqa: E402

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
    expected = _unwrap_oracle(text)
    assert clean_module._step_unwrap(text).text == expected


@settings(max_examples=400, deadline=None)
@given(
    text=_TYPO_TEXTS,
    language=st.sampled_from(["fr", "en"]),
)
def test_typography_equals_its_regex_definition(text, language):
    expected = _typography_oracle(text, language)
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
    that compose), on both sides of line breaks and of the last code point below U+0300."""
    import unicodedata

    text = "".join(parts)
    assert clean_module.nfc(text) == unicodedata.normalize("NFC", text)


def test_nfc_line_by_line_equals_unicodedata_for_every_character():
    """Every code point (every 7th astral one) after a base and before a mark, across line breaks."""
    import unicodedata

    codes = [*range(0xD800), *range(0xE000, 0x10000), *range(0x10000, 0x110000, 7)]
    text = "".join(f"e{c}\n\u0301{c}\u0327\n" for c in map(chr, codes))
    assert not unicodedata.is_normalized("NFC", text)  # so nfc goes line by line
    assert clean_module.nfc(text) == unicodedata.normalize("NFC", text)


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
    same text and detail as when they look themselves."""
    text = "".join(parts)
    expected = "".join(c for c in clean_module._MARKERS if c in text)
    assert clean_module._present(text) == expected
    for step in (markup._step_html, markup._step_markdown):
        told, looked = step(text, expected), step(text)
        assert (told.text, told.detail, told.removed) == (looked.text, looked.detail, looked.removed)


_ITALIC_DEFINITIONS = [  # the Markdown italic rules as first written (lookbehind first): the oracle
    r"(?<![\w*])\*(?=\S)((?:[^*\n]|\n(?![ \t]*\n))+?)(?<=\S)[^\S\n]*\*(?![\w*])",
    r"(?<![\w_])_(?=\S)((?:[^_\n]|\n(?![ \t]*\n))+?)(?<=\S)_(?![\w_])",
]


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(st.sampled_from(list("ab*_ \n\t.") + ["**", "\n\n", "a*b", "_a_"]), max_size=30))
def test_markdown_italic_rules_equal_their_definition(parts):
    """The italic regexes, rewritten with the literal first, substitute exactly as their definitions."""
    text = "".join(parts)
    rules = [rx for name, rx, _ in markup._MD_RULES if name == "italic"]
    assert len(rules) == len(_ITALIC_DEFINITIONS)
    for rx, definition in zip(rules, _ITALIC_DEFINITIONS, strict=True):
        assert rx.subn(r"\1", text) == re.subn(definition, r"\1", text)


def test_a_title_ending_with_its_year_is_the_same_title_on_both_routes(shared_manifest):
    # the vie-publique titles end with "…, le 7 octobre 2020.": once kept by `count FILE`,
    # dropped by the manifest route; every shared statement now gives one count on both routes
    from analysis.corpus import corpus_from_files
    from analysis.tokens import tokens

    docs = corpus(shared_manifest).docs
    by_manifest = tokens(corpus_clean(corpus(shared_manifest))).docs.set_index("doc_id")["n_tokens"]
    as_files = tokens(corpus_clean(corpus_from_files(list(docs["path"])))).docs
    as_files = as_files.assign(doc_id=list(docs["doc_id"])).set_index("doc_id")["n_tokens"]
    assert docs["title"].str.endswith("2020.").sum() >= 10
    assert (as_files == by_manifest).all(), as_files[as_files != by_manifest]
