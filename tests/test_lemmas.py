"""Lemmas: tokens_lemmatize, lemma counts and keyness, lemma: dictionary patterns, the lemmas command.

Every expected lemma below is written by hand (what a French or English dictionary gives),
not copied from simplemma's output. Where simplemma gets a case wrong, the right value is
asserted in a strict ``xfail`` (``KNOWN_MISTAKES_*``): the test documents the mistake and
fails (XPASS) the day simplemma gets it right, so the note can be updated.

Texts are synthetic (Alphaland, Syldavie); counts are counted by hand in them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from analysis import config
from analysis.dictionary import compile_pattern, dictionary
from analysis.kwic import kwic
from analysis.lemmas import (
    add_lemmas_parser,
    dictionary_uses_lemmas,
    lemma_counts,
    lemmatize_word,
    tokens_lemmatize,
)
from analysis.lookup import _document_keys, tokens_lookup
from analysis.matcher import Matcher
from analysis.patterns import LEMMA_SEP
from analysis.textstat import textstat_keyness
from analysis.tokens import key_counts, tokens

# ------------------------------------------------------------------ lemmas of words

RIGHT_FR = [
    ("renforcent", "renforcer"),
    ("renforce", "renforcer"),
    ("renforcé", "renforcer"),
    ("renforcée", "renforcer"),
    ("renforcera", "renforcer"),
    ("Renforcent", "renforcer"),  # sentence-initial capital
    ("forces", "force"),
    ("sécurités", "sécurité"),
    ("Sécurité", "sécurité"),
    ("alliés", "allié"),
    ("soutiennent", "soutenir"),
    ("ont", "avoir"),
    ("sont", "être"),
    ("territoriales", "territorial"),
    ("partenaires", "partenaire"),
    ("ukrainiens", "ukrainien"),
    ("l'", "le"),
    ("l’", "le"),  # typographic apostrophe
    ("d'", "de"),
    ("qu'", "que"),
    ("Paris", "paris"),  # a proper noun stays whole (lower-case "paris" would give "pari")
    ("Syldavie", "syldavie"),  # unknown words keep themselves, lower case
]
RIGHT_EN = [
    ("agreed", "agree"),
    ("allies", "ally"),
    ("countries", "country"),
    ("strengthened", "strengthen"),
    ("strengthens", "strengthen"),
    ("forces", "force"),
    ("was", "be"),
    ("leaders", "leader"),
    ("n't", "not"),
    ("United", "united"),
    ("Alphaland", "alphaland"),
]

# simplemma 2.0.0 looks each word up alone: these are wrong (the right lemma is given)
KNOWN_MISTAKES_FR = [
    ("armées", "armé"),  # "forces armées": adjective armé; simplemma gives the noun armée
    ("ils", "il"),  # simplemma: lui
    ("Il", "il"),  # a capitalised pronoun (sentence start): lui; lower-case il is right
    ("Elle", "elle"),  # idem: lui (lemmatising the lower-case form would turn Paris into pari)
    ("nouvelles", "nouveau"),  # adjective; simplemma: the noun nouvelle
    ("différentes", "différent"),  # simplemma: différents
    ("reconnues", "reconnaître"),  # participles half-reduced: reconnu (but renforcé -> renforcer)
    ("condamné", "condamner"),  # simplemma: condamné
    ("menées", "mener"),  # "actions menées"; simplemma: the noun menée
    ("cyberattaques", "cyberattaque"),  # unknown plural kept (the singular is known)
    ("leur", "leur"),  # possessive leur/leurs/notre/nos/sa -> son in simplemma's data
    ("unies", "uni"),  # "Nations unies"; simplemma: unir
    ("ont-ils", "avoir"),  # inverted pronoun: simplemma: ont-lui
]
KNOWN_MISTAKES_EN = [
    ("armed", "armed"),  # "armed forces": the adjective; simplemma: arm
    ("media", "media"),  # "the media"; simplemma: medium
    ("united", "united"),  # "united nations" in lower case; simplemma: unite ("United" stays united)
]


@pytest.mark.parametrize(("word", "lemma"), RIGHT_FR)
def test_french_lemmas(word, lemma):
    assert lemmatize_word(word, "fr") == lemma


@pytest.mark.parametrize(("word", "lemma"), RIGHT_EN)
def test_english_lemmas(word, lemma):
    assert lemmatize_word(word, "en") == lemma


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        pytest.param(w, m, marks=pytest.mark.xfail(strict=True, reason="simplemma"))
        for w, m in KNOWN_MISTAKES_FR
    ],
)
def test_known_french_mistakes(word, lemma):
    assert lemmatize_word(word, "fr") == lemma


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        pytest.param(w, m, marks=pytest.mark.xfail(strict=True, reason="simplemma"))
        for w, m in KNOWN_MISTAKES_EN
    ],
)
def test_known_english_mistakes(word, lemma):
    assert lemmatize_word(word, "en") == lemma


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown language"):
        lemmatize_word("Syldavie", "de")
    with pytest.raises(ValueError, match="unknown language"):
        tokens_lemmatize(tokens("Syldavie.", language="fr"), lang="de")


# ------------------------------------------------------------------ tokens_lemmatize

TWO_LANGUAGES = pd.DataFrame(
    {
        "doc_id": ["fr1", "en1"],
        "language": ["fr", "en"],
        "text": ["Syldavie a 2,5 % des forces. Elle renforce.", "Alphaland has a plan: it agreed."],
    }
)


def test_tokens_lemmatize_by_document_language():
    toks = tokens(TWO_LANGUAGES)
    out = tokens_lemmatize(toks)
    pairs = {(d, s): lem for d, s, lem in out.data[["doc_id", "surface", "lemma"]].itertuples(index=False)}
    # the same surface "a" is the verb avoir in French, the article in English
    assert pairs[("fr1", "a")] == "avoir"
    assert pairs[("en1", "a")] == "a"
    assert pairs[("fr1", "forces")] == "force"
    assert pairs[("fr1", "renforce")] == "renforcer"
    assert pairs[("en1", "has")] == "have"
    assert pairs[("en1", "agreed")] == "agree"
    # punctuation and numbers keep themselves
    assert pairs[("fr1", "2,5 %")] == "2,5 %"
    assert pairs[("en1", ":")] == ":"
    assert pairs[("fr1", ".")] == "."
    # lemmas are lower case, for matching
    assert pairs[("fr1", "Syldavie")] == "syldavie"
    assert pairs[("fr1", "Elle")] == "lui"  # a known mistake (KNOWN_MISTAKES_FR), kept visible here


def test_tokens_lemmatize_records_itself_and_copies():
    toks = tokens(TWO_LANGUAGES)
    out = tokens_lemmatize(toks)
    assert "lemma" not in toks.data.columns  # the input is not changed
    assert out.history[:-1] == toks.history
    entry = out.history[-1]
    assert entry["op"] == "tokens_lemmatize"
    assert entry["lemmatizer"] == "simplemma"
    assert entry["simplemma_version"].split(".")[0].isdigit()
    assert entry["lang"] is None
    assert len(out.data) == len(toks.data)
    assert out.data.drop(columns="lemma").equals(toks.data)


def test_lang_overrides_the_documents_language():
    out = tokens_lemmatize(tokens(TWO_LANGUAGES), lang="en")
    a = out.data[(out.data["doc_id"] == "fr1") & (out.data["surface"] == "a")]["lemma"].tolist()
    assert a == ["a"]
    assert out.history[-1]["lang"] == "en"


def test_nothing_is_fetched(tmp_path):
    """simplemma reads its shipped data: lemmatise in a fresh process where any network use raises."""
    code = textwrap.dedent(
        """
        import sys
        def refuse(event, args):
            if event.startswith(("socket.", "urllib.")) or event in ("http.client.connect", "ftplib.connect"):
                raise OSError(f"network use: {event} {args!r}")
        sys.addaudithook(refuse)
        from analysis.lemmas import tokens_lemmatize
        from analysis.tokens import tokens
        fr = tokens_lemmatize(tokens("Les alliés renforcent la sécurité.", language="fr"))
        en = tokens_lemmatize(tokens("The allies agreed.", language="en"))
        print(" ".join(fr.data["lemma"]), "|", " ".join(en.data["lemma"]))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "le allié renforcer le sécurité . | the ally agree ."


def test_seed_lemmas(seed_clean):
    """On the seed: one lemma per token, counts add up, and lemmas only ever merge key types."""
    toks = tokens_lemmatize(tokens(seed_clean))
    data = toks.data
    assert data["lemma"].map(lambda s: isinstance(s, str) and s == s.lower() and s != "").all()
    counts = lemma_counts(toks)
    n = toks.n_tokens()
    assert counts.groupby("doc_id")["count"].sum().to_dict() == n.to_dict()
    assert len(counts) < len(key_counts(toks))  # inflected forms merged
    # "forces armées" is in the seed (see tests/test_lookup.py): its lemmas as simplemma gives them
    pairs = list(zip(data["lower"], data["lower"].shift(-1), strict=True))
    at = pairs.index(("forces", "armées"))
    assert data["lemma"].iloc[at] == "force"


# ------------------------------------------------------------------ counts and keyness

DOCS = pd.DataFrame(
    {
        "doc_id": ["alpha", "syl"],
        "language": ["fr", "fr"],
        "text": [
            # renforcer x4 (renforce, renforcent x2, renforcé), sécurité x3 (Sécurité, sécurités, sécurité)
            "Sécurité d'abord. Alphaland renforce la sécurité. Les alliés renforcent les sécurités. "
            "Ils renforcent et ont renforcé.",
            # paix x3, renforcer x0, sécurité x1
            "Syldavie parle de paix. La paix et la sécurité. Encore la paix.",
        ],
    }
)


def test_lemma_counts_by_hand():
    toks = tokens(DOCS)
    counts = lemma_counts(toks)
    assert list(counts.columns) == ["doc_id", "lemma", "count", "form"]
    alpha = counts[counts["doc_id"] == "alpha"].set_index("lemma")
    assert alpha.loc["renforcer", "count"] == 4
    assert alpha.loc["renforcer", "form"] == "renforcent"  # the most frequent surface form (2 of 4)
    assert alpha.loc["sécurité", "count"] == 3
    assert alpha.loc["sécurité", "form"] == "sécurité"  # accented, lower case (Sécurité starts a sentence)
    assert alpha.loc["alphaland", "form"] == "Alphaland"  # always capitalised: kept as written
    assert alpha.loc["allié", "count"] == 1
    syl = counts[counts["doc_id"] == "syl"].set_index("lemma")
    assert syl.loc["paix", "count"] == 3
    assert "renforcer" not in syl.index
    # the same tokens by key: renforce, renforcent, renforce (renforcé) stay apart
    keys = key_counts(toks)
    alpha_keys = keys[keys["doc_id"] == "alpha"].set_index("key")["count"]
    assert alpha_keys[["renforce", "renforcent"]].tolist() == [2, 2]  # renforcé folds to renforce
    n = toks.n_tokens()
    assert counts.groupby("doc_id")["count"].sum().to_dict() == n.to_dict()


def test_lemma_counts_lemmatise_when_needed():
    toks = tokens(DOCS)
    assert lemma_counts(toks).equals(lemma_counts(tokens_lemmatize(toks)))


def test_lemma_keyness_through_textstat_keyness():
    toks = tokens(DOCS)
    counts = lemma_counts(toks)
    side = {d: g.set_index("lemma")["count"] for d, g in counts.groupby("doc_id")}
    n = toks.n_tokens()
    assert int(n["alpha"]) == 17 and int(n["syl"]) == 12  # counted by hand (d' is a token)
    table = textstat_keyness(side["alpha"], int(n["alpha"]), side["syl"], int(n["syl"]), item="lemma")
    row = table.set_index("lemma").loc["renforcer"]
    assert (row["focus_count"], row["reference_count"]) == (4, 0)
    assert row["focus_per_1000"] == pytest.approx(4 / 17 * 1000)
    assert bool(row["testable"]) and row["log_ratio"] > 0
    paix = table.set_index("lemma").loc["paix"]
    assert (paix["focus_count"], paix["reference_count"]) == (0, 3)
    assert not bool(paix["testable"])  # below min_count in the focus


# ------------------------------------------------------------------ lemma: patterns


def test_compile_lemma_patterns():
    p = compile_pattern("lemma:renforcer", "fr")
    assert (p.kind, p.parts) == ("lemma", ("lemma:renforcer",))
    p = compile_pattern("lemma:force lemma:armée", "fr")
    assert (p.kind, p.parts) == ("phrase", ("lemma:force", "lemma:armee"))
    assert compile_pattern("lemma:force lemma:armée", "fr", accent_sensitive=True).parts[1] == "lemma:armée"
    p = compile_pattern("lemma:soutenir l'Ukraine", "fr")  # mixed: the other chunks as usual
    assert p.parts == ("lemma:soutenir", "l'", "ukraine")
    p = compile_pattern("lemma:menacer la souverain*", "fr")
    assert p.parts == ("lemma:menacer", "la", "souverain*") and p.regexes[2] is not None
    assert compile_pattern("renforcer", "fr").kind == "word"  # no prefix: a plain word


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lemma:", "names no lemma"),
        ("lemma:renforc*", "no '*'"),
        ("lemma:l'information", "not one token"),
        ("lemma:paix,guerre", "characters"),
        ("paix lemma:", "names no lemma"),
    ],
)
def test_malformed_lemma_patterns(text, message):
    with pytest.raises(ValueError, match=message):
        compile_pattern(text, "fr")


LEMMA_YAML = """\
name: lemma_test
version: "0.1"
description: Synthetic instrument with lemma patterns.
themes:
  reinforce:
    label: {fr: Renforcement, en: Reinforcement}
    description: Forms of renforcer and strengthen.
    fr: ["lemma:renforcer"]
    en: ["lemma:strengthen"]
    exclude:
      fr: ["lemma:renforcer la sécurité"]
  armed_forces:
    label: {fr: Forces armées, en: Armed forces}
    description: Armed forces (simplemma's lemma of armées is the noun armée).
    fr: ["lemma:force lemma:armée"]
    en: ["armed lemma:force"]
  force:
    label: {fr: Force, en: Force}
    description: The word force alone.
    fr: [force, forces]
    en: [force, forces]
  security:
    label: {fr: Sécurité, en: Security}
    description: A plain word beside the lemmas.
    fr: [sécurité]
    en: [security]
"""

TEXT_FR = (
    "Alphaland renforce sa présence. Les deux pays renforcent leur coopération et ont renforcé "
    "les forces armées de Syldavie.\n\n"
    "Le renforcement des forces armées est décidé. La force compte. Syldavie renforcera la sécurité."
)
# by hand: renforcer: renforce, renforcent, renforcé, renforcera -> 4 raw; "renforcera la sécurité"
#   is excluded (rule 3) -> 3 counted; renforcement is another lemma.
# forces armées x2 -> armed_forces 2 matches, 4 tokens; force: "forces" x2 are inside the longer
#   armed_forces matches (rule 6 drops them), "force" alone counts -> 1; sécurité -> 1.
TEXT_EN = "Alphaland strengthened its armed forces. Syldavie strengthens security and will strengthen it."
# by hand: strengthen x3; armed forces x1 (2 tokens); security x1; force: "forces" dropped (rule 6) -> 0


@pytest.fixture
def lemma_dict(tmp_path):
    path = tmp_path / "lemmas.yaml"
    path.write_text(LEMMA_YAML, encoding="utf-8")
    return dictionary(path)


def _counts(look):
    counts = look.counts
    return {(d, t): (c, m) for d, t, c, m in counts[["doc_id", "theme", "count", "matched_tokens"]].values}


def test_lookup_with_lemma_patterns_by_hand(lemma_dict):
    docs = pd.DataFrame({"doc_id": ["fr", "en"], "language": ["fr", "en"], "text": [TEXT_FR, TEXT_EN]})
    look = tokens_lookup(tokens(docs), lemma_dict)
    got = _counts(look)
    assert got[("fr", "reinforce")] == (3, 3)
    assert got[("fr", "armed_forces")] == (2, 4)
    assert got[("fr", "force")] == (1, 1)
    assert got[("fr", "security")] == (1, 1)
    assert got[("en", "reinforce")] == (3, 3)
    assert got[("en", "armed_forces")] == (1, 2)
    assert got[("en", "force")] == (0, 0)
    assert got[("en", "security")] == (1, 1)
    forms = look.pattern_counts.set_index(["doc_id", "pattern"])["surface_forms"]
    assert forms[("fr", "lemma:renforcer")] == "renforce×1; renforcent×1; renforcé×1"
    assert forms[("fr", "lemma:force lemma:armée")] == "forces armées×2"
    assert look.history[-2]["op"] == "tokens_lemmatize"  # lemmatised inside, and recorded
    assert look.history[-1]["op"] == "tokens_lookup"


def test_lemma_patterns_count_and_resolve_agree(lemma_dict):
    """Matcher.count (corpus scale) and resolve(find) (tokens_lookup) give the same tallies."""
    toks = tokens_lemmatize(tokens(TEXT_FR, language="fr"))
    keys, _rows = _document_keys(toks.data, False, {}, lemmas=True)
    m = Matcher(lemma_dict, "fr")
    assert m.uses_lemmas
    resolved = {tid: (len(ms), sum(b - a for a, b, _ in ms)) for tid, ms in m.resolve(m.find(keys)).items()}
    assert m.count(keys) == resolved == {"reinforce": (3, 3), "armed_forces": (2, 4), "force": (1, 1),
                                         "security": (1, 1)}  # fmt: skip


def test_matcher_refuses_keys_without_lemmas(lemma_dict):
    keys, _rows = _document_keys(tokens(TEXT_FR, language="fr").data, False, {})
    with pytest.raises(ValueError, match="tokens_lemmatize"):
        Matcher(lemma_dict, "fr").count(keys)


def test_accents_follow_the_dictionary(tmp_path):
    """A lemma part is folded like a word: accent-insensitive unless the dictionary says otherwise."""
    text = "Les armes et les soldats armés. La securite sans accent."
    body = {
        "label": {"fr": "A", "en": "A"},
        "description": "Armé.",
        "fr": ["lemma:armé", "lemma:sécurité"],
        "en": ["zzz"],
    }
    base = {"name": "a", "version": "1", "description": "Accents.", "themes": {"armed": body}}
    toks = tokens(text, language="fr")
    loose = tokens_lookup(toks, dictionary(base))
    # armes (lemma arme) folds like armé: both count; securite (unknown, itself) folds like sécurité
    assert sorted(loose.hits["surface"]) == ["armes", "armés", "securite"]
    strict = tokens_lookup(toks, dictionary({**base, "accent_sensitive": True}))
    assert strict.hits["surface"].tolist() == ["armés"]


@pytest.mark.xfail(strict=True, reason="simplemma: armées -> armée (noun), not armé, in 'forces armées'")
def test_forces_armees_written_with_the_adjective(tmp_path):
    d = dictionary({"name": "a", "version": "1", "description": "A.", "accent_sensitive": True,
                    "themes": {"af": {"label": {"fr": "A", "en": "A"}, "description": "A.",
                                      "fr": ["lemma:force lemma:armé"], "en": ["zzz"]}}})  # fmt: skip
    assert tokens_lookup(tokens("Les forces armées.", language="fr"), d).counts["count"].tolist() == [1]


def test_no_lemmatisation_without_lemma_patterns(monkeypatch):
    """The lookup lemmatises only for a dictionary with a lemma: pattern in a language of the texts."""
    import analysis.lemmas

    def refuse(*args, **kwargs):
        raise AssertionError("tokens_lemmatize called")

    monkeypatch.setattr(analysis.lemmas, "tokens_lemmatize", refuse)
    shipped = dictionary(config.DEFAULT_DICTIONARY)
    assert not dictionary_uses_lemmas(shipped)
    look = tokens_lookup(tokens(TEXT_FR, language="fr"), shipped)
    assert [h["op"] for h in look.history] == ["tokens", "tokens_lookup"]
    # lemma: patterns in English only, French texts: no lemmatisation either
    english_only = dictionary(
        {
            "name": "e",
            "version": "1",
            "description": "E.",
            "themes": {
                "t": {
                    "label": {"fr": "T", "en": "T"},
                    "description": "T.",
                    "fr": ["force"],
                    "en": ["lemma:force"],
                }
            },
        }
    )
    assert dictionary_uses_lemmas(english_only) and not dictionary_uses_lemmas(english_only, ["fr"])
    assert tokens_lookup(tokens(TEXT_FR, language="fr"), english_only).counts["count"].tolist() == [1]


def test_plain_patterns_read_keys_with_lemmas_the_same(seed_clean):
    """Keys that carry lemmas change nothing for plain patterns (shipped dictionary, seed, every rule)."""
    toks = tokens(seed_clean)
    shipped = dictionary(config.DEFAULT_DICTIONARY)
    plain, _ = _document_keys(toks.data, False, {})
    with_lemmas, _ = _document_keys(tokens_lemmatize(toks).data, False, {})
    assert [k.partition(LEMMA_SEP)[0] if k else k for k in with_lemmas] == plain
    assert all(k is None or LEMMA_SEP in k for k in with_lemmas)
    m = Matcher(shipped, "fr")
    assert not m.uses_lemmas
    assert m.find(with_lemmas) == m.find(plain)
    assert Matcher(shipped, "fr").count(with_lemmas) == Matcher(shipped, "fr").count(plain)
    # and the lookup of lemmatised tokens is the lookup of the tokens
    a = tokens_lookup(toks, shipped)
    b = tokens_lookup(tokens_lemmatize(toks), shipped)
    assert a.counts.equals(b.counts) and a.hits.equals(b.hits)


def test_kwic_honours_lemma_patterns(lemma_dict):
    toks = tokens(TEXT_FR, language="fr")
    by_theme = kwic(toks, "reinforce", dictionary=lemma_dict, window=2)  # through tokens_lookup
    assert by_theme["keyword"].tolist() == ["renforce", "renforcent", "renforcé"]
    lemmatised = tokens_lemmatize(toks)
    by_pattern = kwic(lemmatised, "lemma:renforcer", window=2)  # the pattern alone: no exclusion
    assert by_pattern["keyword"].tolist() == ["renforce", "renforcent", "renforcé", "renforcera"]
    assert kwic(lemmatised, "lemma:force lemma:armée")["keyword"].tolist() == ["forces armées"] * 2
    # a plain pattern on lemmatised tokens: as on the tokens
    assert kwic(lemmatised, "forces armées").equals(kwic(toks, "forces armées"))
    with pytest.raises(ValueError, match="tokens_lemmatize"):
        kwic(toks, "lemma:renforcer")  # tokens without lemmas: said, not silently empty


# ------------------------------------------------------------------ command line


def _parser():
    p = argparse.ArgumentParser()
    add_lemmas_parser(p.add_subparsers(dest="command", required=True))
    return p


def test_lemmas_command_text(tmp_path, capsys):
    path = tmp_path / "statement.txt"
    path.write_text("Alphaland et Syldavie renforcent leurs forces.\n", encoding="utf-8")
    args = _parser().parse_args(["lemmas", str(path), "--language", "fr", "--title", "count"])
    assert args.func(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Alphaland\talphaland"
    assert "renforcent\trenforcer" in lines
    assert "forces\tforce" in lines
    assert lines[-1] == ".\t."
    assert len(lines) == 7


def test_lemmas_command_csv_two_documents(tmp_path, capsys):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("Syldavie renforce la paix.\n", encoding="utf-8")
    b.write_text("Alphaland agreed.\n", encoding="utf-8")
    args = _parser().parse_args(["lemmas", str(a), "--language", "fr", "--format", "csv", "--title", "count"])
    assert args.func(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "doc_id,position,surface,lemma,kind"
    assert "a,1,renforce,renforcer,word" in out
    args = _parser().parse_args(["lemmas", str(a), str(b), "--language", "en", "--title", "count"])
    assert args.func(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "# a" and "# b" in lines
    assert "agreed\tagree" in lines


def test_lemmas_command_document_id(capsys):
    args = _parser().parse_args(["lemmas", config.DEFAULT_FOCUS_ID])
    assert args.func(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > 100 and all(line.count("\t") == 1 for line in lines)
    assert "forces\tforce" in lines


def test_lemmas_command_unknown_document():
    args = _parser().parse_args(["lemmas", "no-such-document-id"])
    with pytest.raises(FileNotFoundError, match="no-such-document-id"):
        args.func(args)
