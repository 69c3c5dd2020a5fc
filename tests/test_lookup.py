"""tokens_lookup and kwic: gold counts on the seed, matching rules, and properties.

The gold counts use a small dictionary written here (not the shipped instrument), so they
stay valid when the instrument evolves. Hits were counted by hand in the cleaned seed
(the title line and the "A lire également" trailer are removed by cleaning); paragraph
numbers below are those of the cleaned text (0-based):

P0 "Le président français ... comme l'Ukraine, l'Indo-Pacifique, l'Arctique. ou le Sahel."
P1 "« Nous approfondirons notre coopération ... forces armées ... manipulation de l'information."
P2 "En ce sens, ils ont souligné leur soutien à l'Ukraine ..."
...
P10 "Enfin, Paris et Ottawa ... à la manipulation de l'information."
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.oracle import naive_matches

from analysis import config
from analysis.clean import corpus_clean
from analysis.corpus import corpus
from analysis.dictionary import compile_pattern, dictionary
from analysis.kwic import kwic, kwic_text
from analysis.lookup import (
    COUNT_COLUMNS,
    Lookup,
    _document_keys,
    counts_table,
    tokens_lookup,
)
from analysis.matcher import Matcher
from analysis.tokens import tokens, tokens_remove

SEED = config.DEFAULT_FOCUS_ID


def theme(fr, en=None, **extra):
    body = {"label": {"fr": "fr", "en": "en"}, "description": "Synthetic test theme.", "fr": fr}
    body["en"] = en if en is not None else ["zzzunused"]
    body.update(extra)
    return body


def make_dict(themes: dict) -> object:
    return dictionary({"name": "test", "version": "0", "description": "Test instrument.", "themes": themes})


GOLD_THEMES = {
    # ukrain*: P0 l'Ukraine, P1 l'Ukraine, P2 l'Ukraine, P3 ukrainiens (soldats),
    #          P4 ukrainiens (enfants), P4 en Ukraine -> 6
    "ukr": theme(["ukrain*"]),
    # P1 "la manipulation de l'information", P10 "à la manipulation de l'information" -> 2 (8 tokens)
    "info": theme(["manipulation de l'information"]),
    # accent-free pattern, exclusion: sécurité in P0 (défense et de sécurité), P1 x2 (défense et
    # de sécurité; la sécurité régionales), P5 (la sécurité régionales) -> 4;
    # P6 "Conseil de sécurité" excluded; P3 "cybersécurité" is one token -> not matched
    "sec": theme(["securite"], exclude={"fr": ["Conseil de sécurité"]}),
    # same word as a glob, no exclusion: the 5 sécurité, but P6's is inside the 3-token match of
    # "un" (Conseil de sécurité) -> dropped by the longest-match rule -> 4 (5 with overlap="all")
    "sec_all": theme(["sécurit*"]),
    # P6 "Conseil de sécurité de l'ONU": Conseil de sécurité + ONU -> 2 (4 tokens)
    "un": theme(["Conseil de sécurité", "ONU"]),
    # hyphenated compound: P0 l'Indo-Pacifique, P1 région Indo-Pacifique, P5 région indo-pacifique -> 3
    "indo": theme(["indo-pacifique"]),
    # standalone part: only P5 "deux pays du Pacifique" -> 1 (never inside Indo-Pacifique)
    "pac": theme(["pacifique"]),
    # P0 l'Arctique, P7 mer Arctique -> 2
    "arct": theme(["arctique"]),
    # P0 "l'Arctique. ou le Sahel": the phrase would cross a full stop -> 0
    "cross": theme(["arctique ou le sahel"]),
    # P6 "mer de Chine méridionale" -> 1 (4 tokens)
    "seas": theme(["mer de Chine méridionale"]),
    # within-theme overlap: P1 "forces armées", P8 "Les forces armées" (armées inside the phrase
    # counts once), P7 "l'armée" -> 3 matches, 2 + 2 + 1 = 5 tokens
    "armed": theme(["forces armées", "armée*"]),
    # subtheme roll-up: own P0 Sahel, P7 Sahel, P7 golfe de Guinée -> 3 (own, 5 tokens);
    # korea_t: P6 péninsule coréenne -> 1 (2 tokens; coréen* inside it counts once);
    # haiti_t: P7 Haïti -> 1; regions = 3 + 1 + 1 = 5 matches, 5 + 2 + 1 = 8 tokens
    "regions": theme(
        ["Sahel", "golfe de Guinée"],
        subthemes={
            "korea_t": theme(["péninsule coréenne", "coréen*"]),
            "haiti_t": theme(["Haïti"]),
        },
    ),
    # P0 coopération, P1 coopération, P3 coopération, P6 coopérer, P9 coopérations -> 5
    "coop": theme(["coopér*"]),
    # P1 ingérences, P10 ingérence -> 2
    "ing": theme(["ingérence*"]),
    # P3 "matériel militaire", P6 "stratégique et militaire" -> 2
    "mil": theme(["militaire*"]),
    # P2 vaincre la Russie, P4 vers la Russie -> 2
    "rus": theme(["russie"]),
    # P2 sa souveraineté, P5 Droit, souveraineté, P9 leur souveraineté -> 3
    "souv": theme(["souveraineté"]),
}

GOLD = {
    "ukr": (6, 6),
    "info": (2, 8),
    "sec": (4, 4),
    "sec_all": (4, 4),
    "un": (2, 4),
    "indo": (3, 3),
    "pac": (1, 1),
    "arct": (2, 2),
    "cross": (0, 0),
    "seas": (1, 4),
    "armed": (3, 5),
    "regions": (5, 8),
    "korea_t": (1, 2),
    "haiti_t": (1, 1),
    "coop": (5, 5),
    "ing": (2, 2),
    "mil": (2, 2),
    "rus": (2, 2),
    "souv": (3, 3),
}


@pytest.fixture(scope="module")
def seed_body():
    """The seed's body: its headline dropped (the gold counts above are per body paragraph)."""
    return corpus_clean(corpus(), title="drop")


@pytest.fixture(scope="module")
def seed_tokens(seed_body):
    return tokens(seed_body)


@pytest.fixture(scope="module")
def gold_dict():
    return make_dict(GOLD_THEMES)


@pytest.fixture(scope="module")
def gold(seed_tokens, gold_dict) -> Lookup:
    return tokens_lookup(seed_tokens, gold_dict)


def counts_of(res: Lookup, doc_id: str | None = None) -> dict[str, int]:
    c = res.counts if doc_id is None else res.counts[res.counts["doc_id"] == doc_id]
    return dict(zip(c["theme"], c["count"], strict=True))


def test_seed_was_cleaned(seed_clean, seed_body):
    text = seed_clean.docs.loc[0, "text"]
    assert "lire également" not in text
    assert text.startswith("La France et le Canada conviennent")  # a press headline is counted
    assert seed_body.docs.loc[0, "text"].startswith("Le président français")  # title="drop"


def test_gold_counts_with_the_headline(seed_clean, gold_dict):
    # hand count of the headline "La France et le Canada conviennent d'accroître leur coopération
    # en matière de défense et de sécurité dans différentes régions": coopération (coop),
    # sécurité (sec, sec_all); nothing else of the gold dictionary
    headline = {"coop": 1, "sec": 1, "sec_all": 1}
    counts = counts_of(tokens_lookup(tokens(seed_clean), gold_dict), SEED)
    assert counts == {t: n + headline.get(t, 0) for t, (n, _tokens) in GOLD.items()}


@pytest.mark.parametrize("theme_id", list(GOLD))
def test_gold_counts_on_seed(gold, theme_id):
    row = gold.counts[(gold.counts["doc_id"] == SEED) & (gold.counts["theme"] == theme_id)]
    assert len(row) == 1
    assert (int(row["count"].iloc[0]), int(row["matched_tokens"].iloc[0])) == GOLD[theme_id]


def test_gold_independent_regex_cross_check(seed_body, gold):
    """Where a plain regex on the text is equivalent, it gives the same counts."""
    text = seed_body.docs.loc[0, "text"]
    counts = counts_of(gold, SEED)
    assert len(re.findall(r"(?i)(?<![\w-])ukrain\w*", text)) == counts["ukr"]
    assert len(re.findall(r"(?i)(?<![\w-])coop[ée]r\w*", text)) == counts["coop"]
    # a regex with \b sees "pacifique" inside Indo-Pacifique: 4; the token rule gives 1
    assert len(re.findall(r"(?i)\bpacifique\b", text)) == 4
    assert counts["pac"] == 1


def test_gold_overlap_all(seed_tokens, gold_dict):
    res = tokens_lookup(seed_tokens, gold_dict, overlap="all")
    counts = counts_of(res, SEED)
    assert counts["sec_all"] == 5  # P6 "Conseil de sécurité" no longer outranks it
    assert counts["sec"] == 4  # the exclusion still vetoes it
    assert counts["un"] == 2


def test_gold_hits_locations(gold):
    h = gold.hits
    info = h[h["theme"] == "info"]
    assert info["paragraph"].tolist() == [1, 10]
    assert info["surface"].tolist() == ["manipulation de l'information"] * 2
    assert (info["end_pos"] - info["start_pos"]).tolist() == [4, 4]
    korea = h[(h["theme"] == "regions") & (h["pattern_theme"] == "korea_t")]
    assert korea["surface"].tolist() == ["péninsule coréenne"]
    assert korea["paragraph"].tolist() == [6]
    pac = h[h["theme"] == "pac"]
    assert pac["paragraph"].tolist() == [5]
    assert pac["surface"].tolist() == ["Pacifique"]


def test_gold_pattern_counts_and_surface_forms(gold):
    pc = gold.pattern_counts
    ukr = pc[(pc["theme"] == "ukr") & (pc["pattern"] == "ukrain*")]
    assert ukr["count"].tolist() == [6]
    assert ukr["surface_forms"].tolist() == ["Ukraine×4; ukrainiens×2"]
    armed = pc[pc["theme"] == "armed"].set_index("pattern")["count"].to_dict()
    assert armed == {"forces armées": 2, "armée*": 1}


def test_gold_unmatched(gold):
    u = gold.unmatched
    assert ("cross", "fr", "arctique ou le sahel") in set(
        zip(u["theme"], u["language"], u["pattern"], strict=True)
    )
    # coréen* matched (inside péninsule coréenne) but the longer pattern took the token
    row = u[(u["theme"] == "korea_t") & (u["pattern"] == "coréen*")]
    assert row["raw_matches"].tolist() == [1]
    assert "ukrain*" not in set(u["pattern"])
    assert set(u["language"]) == {"fr"}  # no English document in the corpus


def test_counts_table_layout(gold, seed_tokens):
    c = gold.counts
    assert list(c.columns) == [
        "doc_id", "theme", "parent", "is_root", "label_fr", "label_en",
        "count", "matched_tokens", "tokens", "per_1000", "share",
    ]  # fmt: skip
    assert len(c) == len(gold.dictionary.themes)  # one document, zeros included
    sub = c[c["theme"] == "korea_t"].iloc[0]
    assert sub["parent"] == "regions" and not sub["is_root"]
    assert c.loc[c["theme"] == "regions", "parent"].isna().all()
    roots = c[c["is_root"]]
    assert roots["share"].sum() == pytest.approx(1.0)
    assert gold.root_counts()["theme"].tolist() == roots["theme"].tolist()
    assert gold.wide().loc[SEED, "ukr"] == 6
    n = int(seed_tokens.docs.loc[0, "n_tokens"])
    ukr = c[c["theme"] == "ukr"].iloc[0]
    assert ukr["per_1000"] == pytest.approx(6 * 1000 / n)
    assert ukr["share"] == pytest.approx(6 / roots["count"].sum())


def test_hits_table_layout(gold):
    expected = {
        "doc_id", "theme", "parent", "pattern", "start_pos", "end_pos", "paragraph",
        "sentence", "char_start", "char_end", "surface",
    }  # fmt: skip
    assert expected <= set(gold.hits.columns)
    assert gold.hits["theme"].isin(gold.dictionary.theme_ids()).all()


def test_levels_root(seed_tokens, gold_dict, gold):
    res = tokens_lookup(seed_tokens, gold_dict, levels="root")
    assert set(res.counts["theme"]) == {t.id for t in gold_dict.root_themes()}
    assert counts_of(res)["regions"] == counts_of(gold)["regions"]
    assert res.hits["is_root"].all()


def test_history_and_dictionary(gold, gold_dict):
    last = gold.history[-1]
    assert last["op"] == "tokens_lookup"
    assert last["dictionary_sha256"] == gold_dict.hash
    assert last["overlap"] == "longest"
    assert gold.history[0]["op"] == "corpus"
    assert gold.dictionary is gold_dict


def test_bad_arguments(seed_tokens, gold_dict):
    with pytest.raises(ValueError, match="overlap"):
        tokens_lookup(seed_tokens, gold_dict, overlap="nested")
    with pytest.raises(ValueError, match="levels"):
        tokens_lookup(seed_tokens, gold_dict, levels="leaf")


# --------------------------------------------------------------------------- apostrophes


def test_typographic_apostrophe_in_raw_seed():
    raw = (config.RAW_DIR / f"{SEED}.txt").read_text(encoding="utf-8")
    assert "soutien à l\u2019Ukraine" in raw  # P2 is written with the typographic apostrophe
    d = make_dict({"a": theme(["soutien à l'Ukraine"]), "b": theme(["ukraine"])})
    counts = counts_of(tokens_lookup(tokens(raw, language="fr"), d, overlap="all"))
    assert counts["a"] == 1
    # ukraine: the 4 elided or bare forms of the raw text; the title line has none
    assert counts["b"] == 4


def test_apostrophes_either_way():
    text = "Contre la manipulation de l\u2019information et la manipulation de l'information."
    d = make_dict(
        {
            "straight": theme(["manipulation de l'information"]),
            "curly": theme(["manipulation de l\u2019information"]),
        }
    )
    counts = counts_of(tokens_lookup(tokens(text, language="fr"), d, overlap="all"))
    assert counts == {"straight": 2, "curly": 2}


# --------------------------------------------------------------------------- rules on synthetic text


def lookup_text(text: str, themes: dict, language: str = "fr", **kwargs) -> Lookup:
    return tokens_lookup(tokens(text, language=language), make_dict(themes), **kwargs)


def test_whole_tokens_and_elisions():
    text = "L'Ukraine, d\u2019Ukraine et l'Indo-Pacifique ; le Pacifique ; pacifiquement."
    res = lookup_text(text, {"u": theme(["ukraine"]), "p": theme(["pacifique"])})
    # ukraine: l'Ukraine, d'Ukraine -> 2; pacifique: "le Pacifique" and the part of the compound
    # Indo-Pacifique (rule 7), not "pacifiquement" -> 2
    assert counts_of(res) == {"u": 2, "p": 2}
    # a pattern of the whole compound wins: its part is not read (rule 7)
    whole = lookup_text(text, {"ip": theme(["indo-pacifique"]), "p": theme(["pacifique"])})
    assert counts_of(whole) == {"ip": 1, "p": 1}


def test_glob_star_positions():
    text = "zorbal zorbalix azorbal zorb zorbalzorbal"
    res = lookup_text(
        text,
        {"end": theme(["zorbal*"]), "start": theme(["*zorbal"]), "mid": theme(["z*l"])},
        overlap="all",
    )
    # zorbal*: zorbal, zorbalix, zorbalzorbal -> 3; *zorbal: zorbal, azorbal, zorbalzorbal -> 3;
    # z*l: zorbal, zorbalzorbal -> 2 (zorbalix ends in x, azorbal starts with a, zorb no l)
    assert counts_of(res) == {"end": 3, "start": 3, "mid": 2}


def test_accents_case_and_accent_sensitive():
    text = "Sécurité, SECURITE, securite et sécurité."
    d_fold = {"s": theme(["sécurité"])}
    assert counts_of(lookup_text(text, d_fold)) == {"s": 4}
    strict = dictionary(
        {
            "name": "s",
            "version": "0",
            "description": "Accent-sensitive test instrument.",
            "accent_sensitive": True,
            "themes": {"acc": theme(["sécurité"]), "bare": theme(["securite"])},
        }
    )
    res = tokens_lookup(tokens(text, language="fr"), strict)
    # acc: Sécurité, sécurité -> 2; bare: SECURITE, securite -> 2
    assert counts_of(res) == {"acc": 2, "bare": 2}


def test_phrase_never_crosses_punctuation_or_paragraph():
    text = "La mer, de Chine. La mer\n\nde Chine. La mer de Chine."
    res = lookup_text(text, {"m": theme(["mer de Chine"])})
    # only the last one: the first has a comma, the second a paragraph break -> 1
    assert counts_of(res) == {"m": 1}


def test_phrase_does_not_cross_removed_tokens():
    toks = tokens("La mer de Chine et la mer de Chine.", language="fr")
    d = make_dict({"m": theme(["mer de Chine"]), "c": theme(["chine"]), "mc": theme(["mer Chine"])})
    # chine outranked twice by the phrase; "mer Chine" never adjacent
    assert counts_of(tokens_lookup(toks, d)) == {"m": 2, "c": 0, "mc": 0}
    removed = tokens_remove(toks, stopwords=True)  # "de" removed: positions keep a gap
    assert "de" not in set(removed.data["key"])
    # the gap breaks "mer de Chine" and does not make "mer Chine" adjacent
    assert counts_of(tokens_lookup(removed, d)) == {"m": 0, "c": 2, "mc": 0}


def test_within_theme_longest_then_leftmost():
    text = "alpha beta gamma delta"
    res = lookup_text(text, {"t": theme(["alpha beta", "beta gamma", "beta gamma delta"])})
    # "beta gamma delta" (3 tokens) beats both 2-token matches -> 1 match, 3 tokens
    assert counts_of(res) == {"t": 1}
    assert res.hits["surface"].tolist() == ["beta gamma delta"]
    res = lookup_text(text, {"t": theme(["beta gamma", "alpha beta"])})
    # equal length: the leftmost (alpha beta) wins, beta gamma overlaps it -> 1
    assert res.hits["surface"].tolist() == ["alpha beta"]


def test_same_span_credited_to_first_listed_pattern():
    res = lookup_text("Ukraine", {"t": theme(["ukrain*", "ukraine"])})
    assert res.hits["pattern"].tolist() == ["ukrain*"]
    assert res.unmatched["pattern"].tolist() == ["ukraine"]


def test_cross_theme_ties_keep_both():
    res = lookup_text("La Chine.", {"a": theme(["chine"]), "b": theme(["chin*"])})
    assert counts_of(res) == {"a": 1, "b": 1}


def test_cross_theme_longest_wins():
    text = "Le Conseil de sécurité et la sécurité."
    themes = {"sec": theme(["sécurité"]), "un": theme(["Conseil de sécurité"])}
    assert counts_of(lookup_text(text, themes)) == {"sec": 1, "un": 1}
    assert counts_of(lookup_text(text, themes, overlap="all")) == {"sec": 2, "un": 1}


def test_exclusion_vetoes_overlapping_matches_only():
    text = "La sécurité alimentaire et la sécurité régionale."
    themes = {"sec": theme(["sécurité"], exclude=["sécurité alimentaire"])}
    assert counts_of(lookup_text(text, themes)) == {"sec": 1}


def test_subtheme_inherits_parent_exclusion_and_rolls_up():
    text = "zorbal plic, zorbal ploc, zorbal."
    themes = {
        "p": theme(
            ["ploc"],
            exclude=["zorbal plic"],
            subthemes={"s": theme(["zorbal"])},
        )
    }
    res = lookup_text(text, themes)
    # s: "zorbal" x3, the first vetoed by the parent's exclusion -> 2; p: ploc + 2 -> 3
    assert counts_of(res) == {"p": 3, "s": 2}


def test_parent_counts_a_token_once_across_family():
    text = "mer de Chine"
    themes = {"p": theme(["chine"], subthemes={"s": theme(["mer de Chine"])})}
    res = lookup_text(text, themes)
    # s: the phrase -> 1; p: its own "chine" overlaps the subtheme's phrase -> 1, not 2
    assert counts_of(res) == {"p": 1, "s": 1}
    assert res.counts.set_index("theme")["matched_tokens"].to_dict() == {"p": 3, "s": 3}


def test_documents_use_their_language():
    docs = pd.DataFrame(
        {
            "doc_id": ["f", "e"],
            "text": ["La sécurité de la France.", "The security of France."],
            "language": ["fr", "en"],
        }
    )
    d = make_dict({"s": theme(["sécurité"], ["security"]), "x": theme(["security"], ["sécurité"])})
    res = tokens_lookup(tokens(docs), d)
    c = res.counts.set_index(["doc_id", "theme"])["count"].to_dict()
    assert c == {("f", "s"): 1, ("f", "x"): 0, ("e", "s"): 1, ("e", "x"): 0}


# --------------------------------------------------------------------------- kwic


def test_kwic_pattern_on_seed(seed_tokens):
    df = kwic(seed_tokens, "manipulation de l'information", window=3)
    assert list(df.columns) == ["doc_id", "theme", "pattern", "position", "pre", "keyword", "post"]
    assert len(df) == 2
    assert df["keyword"].tolist() == ["manipulation de l'information"] * 2
    # P10: "... étrangère et à la manipulation de l'information." -> 3 tokens before, "." after
    assert df["pre"].iloc[1] == "et à la"
    assert df["post"].iloc[1] == "."
    assert df["theme"].isna().all()


def test_kwic_theme_uses_counted_hits(seed_tokens, gold_dict):
    df = kwic(seed_tokens, "sec_all", dictionary=gold_dict, window=2)
    # 4 counted hits (the Conseil de sécurité one is outranked)
    assert len(df) == 4
    assert set(df["keyword"].str.lower()) == {"sécurité"}
    assert set(df["theme"]) == {"sec_all"}


def test_kwic_docs_filter_and_text():
    docs = pd.DataFrame(
        {"doc_id": ["a", "b"], "text": ["Un zorbal ici.", "Deux zorbal là."], "language": "fr"}
    )
    toks = tokens(docs)
    df = kwic(toks, "zorbal", docs=["b"], window=1)
    assert df[["doc_id", "pre", "keyword", "post"]].values.tolist() == [["b", "Deux", "zorbal", "là"]]
    lines = kwic_text(kwic(toks, "zorbal", window=1), width=6).splitlines()
    assert lines == ["a:1     Un [zorbal] ici", "b:1   Deux [zorbal] là"]
    # the keyword column is aligned
    assert len({line.index("[") for line in lines}) == 1


# --------------------------------------------------------------------------- properties

WORDS = ["ab", "abc", "b", "ba", "bab", "c", "ca"]
PARTS = ["ab", "a*", "*b", "b*c", "*", "c", "ba", "a*b*"]


def part_strategy():
    return st.sampled_from([p for p in PARTS if p != "*"])


pattern_texts = st.lists(part_strategy(), min_size=1, max_size=3).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(
    keys=st.lists(st.one_of(st.none(), st.sampled_from(WORDS)), max_size=40),
    patterns=st.lists(pattern_texts, min_size=1, max_size=6),
    gaps=st.lists(st.integers(0, 1), max_size=40),
    breaks=st.lists(st.integers(0, 1), max_size=40),
)
def test_fast_engine_agrees_with_oracle(keys, patterns, gaps, breaks):
    compiled = [compile_pattern(p, "fr") for p in patterns]
    positions, paragraphs, pos, par = [], [], 0, 0
    for i in range(len(keys)):
        pos += 1 + (gaps[i] if i < len(gaps) else 0)
        par += breaks[i] if i < len(breaks) else 0
        positions.append(pos)
        paragraphs.append(par)
    # the keys tokens_lookup gives the engine: breaks where positions jump or paragraphs change
    kinds = ["punct" if k is None else "word" for k in keys]
    frame = pd.DataFrame(
        {"key": [k or "," for k in keys], "kind": kinds, "position": positions, "paragraph": paragraphs}
    )
    flat, rows = _document_keys(frame, False, {})
    matcher = Matcher.of_patterns(compiled, "fr")
    distinct = {p.parts: i for i, p in enumerate(matcher.patterns)}
    expected = {(distinct[compiled[i].parts], s, e)
                for i, s, e in naive_matches(keys, [p.parts for p in compiled], positions, paragraphs)}
    assert {(i, rows[s], rows[e - 1] + 1) for i, s, e in matcher.find(flat)} == expected


VOCAB = [
    "sécurité", "défense", "l'Ukraine", "d'Ukraine", "Indo-Pacifique", "Pacifique", "mer", "de",
    "Chine", "méridionale", "coopération", "Conseil", "zorbal", "frontière", "et", "la", ",", ".",
]  # fmt: skip

SYNTH_THEMES = {
    "sec": theme(["sécurité"], exclude=["Conseil de sécurité"]),
    "un": theme(["Conseil de sécurité"]),
    "ua": theme(["ukrain*"]),
    "ip": theme(["indo-pacifique", "pacifique"]),
    "sea": theme(["mer de Chine*"], subthemes={"south": theme(["mer de Chine méridionale"])}),
    "coop": theme(["coopér*", "défense"]),
    "def": theme(["défense", "frontière*"]),
}

texts = st.lists(st.sampled_from(VOCAB), min_size=1, max_size=30).map(" ".join)


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@pytest.fixture(scope="module")
def synth_dict():
    return make_dict(SYNTH_THEMES)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
def test_counts_invariant_to_case_accents_apostrophes(text, synth_dict):
    base = counts_of(tokens_lookup(tokens(text, language="fr"), synth_dict))
    for variant in (text.upper(), text.lower(), strip_accents(text), text.replace("'", "\u2019")):
        assert counts_of(tokens_lookup(tokens(variant, language="fr"), synth_dict)) == base


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts, overlap=st.sampled_from(["longest", "all"]))
def test_count_never_exceeds_tokens(text, overlap, synth_dict):
    toks = tokens(text, language="fr")
    res = tokens_lookup(toks, synth_dict, overlap=overlap)
    n = int(toks.docs["n_tokens"].iloc[0])
    assert (res.counts["count"] <= n).all()
    assert (res.counts["tokens"] == n).all()
    assert (res.counts["matched_tokens"] <= n).all()
    assert (res.counts["count"] <= res.counts["matched_tokens"]).all()
    # a theme's hits never overlap each other
    for _, g in res.hits.groupby("theme"):
        spans = sorted(zip(g["start_pos"], g["end_pos"], strict=True))
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


@settings(max_examples=60, deadline=None)
@given(
    text=texts,
    extra=st.lists(
        st.lists(st.sampled_from(VOCAB[:15]), min_size=1, max_size=3).map(" ".join),
        min_size=1,
        max_size=3,
    ),
)
def test_adding_a_theme_only_acts_through_the_overlap_rule(text, extra):
    toks = tokens(text, language="fr")
    before_d = make_dict(SYNTH_THEMES)
    after_d = make_dict({**SYNTH_THEMES, "new": theme(sorted(set(extra)))})
    # overlap="all": nothing changes for the other themes
    before_all = tokens_lookup(toks, before_d, overlap="all")
    after_all = tokens_lookup(toks, after_d, overlap="all")
    old = set(SYNTH_THEMES) | {"south"}
    b = before_all.counts.set_index("theme")["count"]
    a = after_all.counts.set_index("theme")["count"]
    assert all(a[t] == b[t] for t in old)
    # overlap="longest": hits can only disappear, each one under a strictly longer match of "new"
    key = ["theme", "start_pos", "end_pos"]
    before = set(map(tuple, tokens_lookup(toks, before_d).hits[key].values.tolist()))
    after_hits = tokens_lookup(toks, after_d).hits
    after = set(map(tuple, after_hits[after_hits["theme"] != "new"][key].values.tolist()))
    assert after <= before
    new_spans = after_all.hits.loc[after_all.hits["theme"] == "new", ["start_pos", "end_pos"]]
    new_spans = list(zip(new_spans["start_pos"], new_spans["end_pos"], strict=True))
    for _theme, s, e in before - after:
        assert any(ns < e and s < ne and ne - ns > e - s for ns, ne in new_spans)


# --------------------------------------------------------------------------- the shipped instrument


@pytest.mark.shared
def test_shipped_instrument_known_false_positives_stay_out(shared_manifest, seed_clean):
    """Readings checked by hand on the reference corpus stay fixed (the shipped instrument)."""
    from analysis.clean import corpus_clean
    from analysis.corpus import corpus

    ref = corpus_clean(corpus(shared_manifest, on_error="skip"))
    docs = pd.concat([seed_clean.docs, ref.docs], ignore_index=True)
    res = tokens_lookup(tokens(docs), dictionary(config.DEFAULT_DICTIONARY))
    hits = res.hits.assign(low=res.hits["surface"].str.lower())

    def surfaces(theme_id: str) -> set[str]:
        return set(hits.loc[hits["theme"] == theme_id, "low"])

    assert not surfaces("trade_economy") & {"importance", "important", "emploient"}
    assert not surfaces("armed_forces") & {"arme", "armes", "training"}
    assert "pacifique" not in surfaces("indo_pacific")  # "rassemblement pacifique" (peaceful)
    assert not {s for s in surfaces("cooperation") if s.startswith("joint statement")}
    assert not surfaces("cyber_tech") & {"civic space", "democratic space", "online space"}
    assert not surfaces("security_defence") & {"security council", "conseil de sécurité"}
    assert "nuclear" not in surfaces("nuclear_arms_control")
    # the seed: every regional theme it names is found
    seed = res.counts[res.counts["doc_id"] == SEED].set_index("theme")["count"]
    for theme_id in ("ukraine", "indo_pacific", "korea", "china_seas", "arctic", "africa_sahel",
                     "middle_east", "americas_haiti", "interference"):  # fmt: skip
        assert seed[theme_id] >= 1, theme_id


# --------------------------------------------------------------- counts_table vs its definition
def _counts_rows(agg, dic, doc_ids, n_tokens):
    """The counts table written row by row from its definition (the test's oracle)."""
    nan = float("nan")
    rows = []
    for doc_id in doc_ids:
        root_total = sum(agg.get((doc_id, t.id), (0, 0))[0] for t in dic.themes if t.parent is None)
        n = n_tokens.get(doc_id, 0)
        for t in dic.themes:
            count, covered = agg.get((doc_id, t.id), (0, 0))
            rows.append(
                (
                    doc_id, t.id, t.parent, t.parent is None, t.labels["fr"], t.labels["en"],
                    count, covered, n, 1000.0 * count / n if n else nan,
                    count / root_total if root_total else nan,
                )
            )  # fmt: skip
    table = pd.DataFrame(rows, columns=COUNT_COLUMNS)
    return table.astype({"count": "int64", "matched_tokens": "int64", "tokens": "int64",
                         "per_1000": "float64", "share": "float64"})  # fmt: skip


@pytest.mark.parametrize(
    ("agg", "doc_ids", "n_tokens"),
    [
        ({}, [], {}),
        ({("a", "ukraine"): (2, 3), ("a", "korea"): (1, 1)}, ["a", "b"], {"a": 40, "b": 0}),
        ({("a", "ukraine"): (2, 2)}, ["a", "a"], {"a": 7}),  # a repeated id gets its counts twice
        ({("zz", "ukraine"): (5, 5), ("a", "no-such-theme"): (1, 1)}, ["a"], {"a": 3}),  # ignored
    ],
    ids=["empty", "zeros-and-no-tokens", "repeated-id", "unknown-keys"],
)
def test_counts_table_equals_its_row_by_row_definition(agg, doc_ids, n_tokens):
    dic = dictionary(config.DEFAULT_DICTIONARY)
    pd.testing.assert_frame_equal(
        counts_table(agg, dic, doc_ids, n_tokens), _counts_rows(agg, dic, doc_ids, n_tokens)
    )
