"""Quote tracer and parallel-version agreement (analysis.quotes), on synthetic texts.

Every text here is written for the test (Alphaland, Syldavie); expected values are
hand counts, noted beside each assertion. κ is recomputed with the textbook formula
written out here, independently of the module.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.clean import clean_text
from analysis.dictionary import dictionary
from analysis.quotes import (
    AGREEMENT_COLUMNS,
    QUOTE_SHARE_COLUMNS,
    TRACE_COLUMNS,
    cohen_kappa,
    find_quotes,
    parallel_agreement,
    quote_share,
    sentence_theme_hits,
    trace_quotes,
)
from analysis.tokens import tokens

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture(scope="module")
def dic():
    return dictionary(
        {
            "name": "synthetic",
            "version": "1",
            "description": "Synthetic instrument for the quote tests.",
            "themes": {
                "peace": {
                    "label": {"fr": "Paix", "en": "Peace"},
                    "description": "Peace.",
                    "fr": ["paix", "cessez-le-feu"],
                    "en": ["peace", "ceasefire"],
                },
                "security": {
                    "label": {"fr": "Sécurité", "en": "Security"},
                    "description": "Security.",
                    "fr": ["sécurité"],
                    "en": ["security"],
                    "subthemes": {
                        "cyber": {
                            "label": {"fr": "Cyber", "en": "Cyber"},
                            "description": "Cyber.",
                            "fr": ["cyber*"],
                            "en": ["cyber*"],
                        }
                    },
                },
            },
        }
    )


# ----------------------------------------------------------------------- find_quotes
def test_guillemets_with_narrow_and_no_break_spaces():
    text = f"Le ministre d'Alphaland a déclaré{NNBSP}: «{NNBSP}nous défendrons la Syldavie{NBSP}» hier."
    (q,) = find_quotes(text)
    assert q.text == "nous défendrons la Syldavie"
    assert q.mark == "«"
    assert text[q.start : q.end] == q.text
    assert q.start == text.index("«") + 2  # after the mark and its narrow space


def test_curly_and_plain_quotes_and_short_ones_ignored():
    text = 'Il a dit “la paix est possible” et “non merci”. Elle a écrit "le dialogue reste ouvert" hier.'
    quotes = find_quotes(text)
    assert [(q.text, q.mark) for q in quotes] == [
        ("la paix est possible", "\u201c"),
        ("le dialogue reste ouvert", '"'),
    ]  # “non merci”: 2 words, left out
    assert all(text[q.start : q.end] == q.text for q in quotes)
    assert [q.text for q in find_quotes(text, min_words=2)][1] == "non merci"


@pytest.mark.parametrize(
    "text",
    [
        "Il a dit « nous verrons bien ce soir. Fin.",  # never closed
        "trois mots ici » puis rien.",  # closed, never opened
        'Il mesure 5" de plus que la Syldavie.',  # a lone plain quote
        "« un deux\n\ntrois quatre »",  # over a paragraph break
    ],
)
def test_unbalanced_quotes_are_ignored(text):
    assert find_quotes(text) == []


def test_quote_over_a_line_break_and_nested_quote():
    (q,) = find_quotes("« un deux\ntrois quatre »")
    assert q.text == "un deux\ntrois quatre"
    text = "Il a dit : « le ministre a promis “nous partirons demain” et rien d'autre »."
    (q,) = find_quotes(text)  # the inner quotation is part of the outer one
    assert q.text == "le ministre a promis “nous partirons demain” et rien d'autre"


def test_unclosed_inner_mark_does_not_break_the_outer_quote():
    (q,) = find_quotes("Il a dit « le “ chef de Syldavie est parti » hier.")
    assert q.text == "le “ chef de Syldavie est parti"


def test_cleaned_text_gives_the_same_quotations():
    raw = f"Alphaland a dit{NBSP}:{NBSP}«{NNBSP}nous resterons unis{NNBSP}» et “la Syldavie aussi”."
    cleaned = clean_text(raw, language="fr").text  # “ ” become ", guillemets one space
    assert [q.text for q in find_quotes(cleaned)] == [q.text for q in find_quotes(raw)]
    assert [q.mark for q in find_quotes(cleaned)] == ["«", '"']


# ---------------------------------------------------------------------- trace_quotes
SOURCE = (
    "Alphaland et la Syldavie renforceront leur coopération en matière de cyberdéfense. "
    "Les deux pays soutiennent la souveraineté de la Syldavie face à toute agression. "
    "Ils tiendront un sommet à Klow en 2025."
)
PRESS = (
    "Selon le texte, les deux États « renforceront leur COOPERATION en matiere de cyberdefense ». "
    "Ils affirment « soutenir la souveraineté de la Syldavie face à toute agression ». "
    "Le ministre a promis « une flotte de dirigeables pour chaque village »."
)


def test_trace_exact_near_none():
    out = trace_quotes(PRESS, SOURCE, language="fr")
    assert list(out.columns) == TRACE_COLUMNS
    assert out["match"].tolist() == ["exact", "near", "none"]
    exact, near, none = (out.iloc[i] for i in range(3))
    # case and accents do not matter
    assert exact["source_text"] == "renforceront leur coopération en matière de cyberdéfense"
    assert exact["similarity"] == 1.0
    assert SOURCE[exact["source_start"] : exact["source_end"]] == exact["source_text"]
    # 10 quoted keys, 9 of them in a 9-token window: 2*9/(10+9)
    assert near["similarity"] == pytest.approx(18 / 19)
    assert near["source_text"] == "la souveraineté de la Syldavie face à toute agression"
    assert none["similarity"] < 0.6
    assert pd.isna(none["source_start"]) and pd.isna(none["source_text"])
    assert PRESS[exact["start"] : exact["end"]] == exact["quote"]


def test_trace_english_apostrophes_and_threshold():
    source = "Alphaland's partners will stand with Syldavia. They meet in May."
    press = "He said “Alphaland’s partners will stand with Syldavia” on Monday."
    out = trace_quotes(press, source, language="en")
    assert out["match"].tolist() == ["exact"]
    assert out["source_text"].tolist() == ["Alphaland's partners will stand with Syldavia"]
    press = "He said “partners of Alphaland will stand with Syldavia”."
    # keys: partners of alphaland will stand with syldavia (7); windows of 5 to 9 source
    # tokens; "partners will stand with Syldavia" (5 tokens, all 5 matched): 2*5/(7+5).
    # The 7-token window "alphaland 's partners will stand with syldavia" matches at
    # most 5 in order (partners ... syldavia): 2*5/14, lower.
    out = trace_quotes(press, source, language="en")
    assert out["similarity"].iloc[0] == pytest.approx(10 / 12)
    assert out["source_text"].iloc[0] == "partners will stand with Syldavia"
    assert out["match"].iloc[0] == "near"
    assert trace_quotes(press, source, language="en", near=0.9)["match"].tolist() == ["none"]


def test_trace_without_quotes_is_an_empty_table():
    out = trace_quotes("Pas de citation ici.", SOURCE, language="fr")
    assert list(out.columns) == TRACE_COLUMNS and len(out) == 0


# ----------------------------------------------------------------------- quote_share
SHARE_TEXT = (
    "La paix en Syldavie est fragile. Le ministre a déclaré : « la paix et la cybersécurité "
    "sont nos priorités ». Il a ajouté que la sécurité des réseaux cyber restait un défi. "
    '"Nous voulons la paix durable", a-t-il conclu.'
)


def test_quote_share_by_hand(dic):
    toks = tokens(SHARE_TEXT, language="fr")
    out = quote_share(toks, dic).set_index("theme")
    assert list(out.reset_index().columns) == QUOTE_SHARE_COLUMNS
    # paix: sentence 1 (outside), quote 1, quote 2
    assert out.loc["peace", ["in_quotes", "outside", "total"]].tolist() == [2, 1, 3]
    assert out.loc["peace", "quote_share"] == pytest.approx(2 / 3)
    assert out.loc["peace", "paraphrase_share"] == pytest.approx(1 / 3)
    # cyber*: cybersécurité (quote 1), cyber (outside)
    assert out.loc["cyber", ["in_quotes", "outside"]].tolist() == [1, 1]
    # security = sécurité (outside) + its subtheme's cybersécurité (in) and cyber (out)
    assert out.loc["security", ["in_quotes", "outside"]].tolist() == [1, 2]
    # quoted words: 8 + 5 = 13; all words: 6 + 12 + 12 + 7 = 37 (a-t-il is one token)
    assert out.loc["peace", ["tokens_in_quotes", "tokens_outside"]].tolist() == [13, 24]
    assert out.loc["peace", "per_1000_in_quotes"] == pytest.approx(2000 / 13)
    assert out.loc["peace", "per_1000_outside"] == pytest.approx(1000 / 24)


def test_quote_share_without_quotes_and_one_document_only(dic):
    toks = tokens("La paix revient. La sécurité aussi.", language="fr")
    out = quote_share(toks, dic, quotes=[]).set_index("theme")
    assert out.loc["peace", ["in_quotes", "outside"]].tolist() == [0, 1]
    assert math.isnan(out.loc["peace", "per_1000_in_quotes"])
    assert math.isnan(out.loc["cyber", "quote_share"])  # no hit at all
    two = tokens(pd.DataFrame({"doc_id": ["a", "b"], "text": ["Paix.", "Paix."]}), language="fr")
    with pytest.raises(ValueError, match="one document"):
        quote_share(two, dic)


# ------------------------------------------------------------------ parallel versions
def kappa_by_hand(a: int, b: int, c: int, d: int) -> float:
    n = a + b + c + d
    po = (a + d) / n
    pe = ((a + b) * (a + c) + (c + d) * (b + d)) / n**2
    return (po - pe) / (1 - pe)


def _alignment(cells: dict[str, int]) -> tuple[pd.DataFrame, dict, dict]:
    """An alignment of identical indexes with the given 2×2 cells for theme "peace"."""
    rows, a_hits, b_hits = [], {}, {}
    i = 0
    for cell, count in cells.items():
        for _ in range(count):
            a_hits[i] = {"peace"} if cell in ("both", "a_only") else set()
            b_hits[i] = {"peace"} if cell in ("both", "b_only") else set()
            rows.append((i, i, "kept" if i % 2 else "reworded"))
            i += 1
    return pd.DataFrame(rows, columns=["a_index", "b_index", "status"]), a_hits, b_hits


def test_kappa_against_a_hand_computed_table():
    cells = {"both": 20, "a_only": 5, "b_only": 10, "neither": 15}
    al, a_hits, b_hits = _alignment(cells)
    # added / dropped pairs and pairs with a missing side are not compared
    extra = pd.DataFrame(
        {"a_index": [100, None, 101], "b_index": [None, 100, 101], "status": ["dropped", "added", "added"]}
    )
    a_hits[100] = a_hits[101] = {"peace"}
    res = parallel_agreement(pd.concat([al, extra], ignore_index=True), a_hits, b_hits)
    assert list(res.table.columns) == AGREEMENT_COLUMNS
    row = res.table.iloc[0]
    assert row[["n", "both", "a_only", "b_only", "neither"]].tolist() == [50, 20, 5, 10, 15]
    # po = 35/50 = 0.7; pe = (25*30 + 25*20)/2500 = 0.5; kappa = 0.2/0.5 = 0.4
    assert row["po"] == pytest.approx(0.7) and row["pe"] == pytest.approx(0.5)
    assert row["kappa"] == pytest.approx(kappa_by_hand(20, 5, 10, 15)) == pytest.approx(0.4)
    assert len(res.disagreements) == 15
    assert res.disagreements["hit_in"].value_counts().to_dict() == {"b": 10, "a": 5}


@pytest.mark.parametrize(
    ("cells", "kappa"),
    [
        ({"both": 3, "neither": 4}, 1.0),  # perfect agreement with variation
        ({"neither": 7}, math.nan),  # never hit: undefined
        ({"both": 7}, math.nan),  # always hit: undefined
        ({"a_only": 3, "b_only": 3}, -1.0),  # perfect disagreement
        ({"both": 3, "a_only": 3}, 0.0),  # A always hits: po = pe = 0.5
    ],
)
def test_degenerate_tables(cells, kappa):
    al, a_hits, b_hits = _alignment(cells)
    row = parallel_agreement(al, a_hits, b_hits, themes=["peace"]).table.iloc[0]
    if math.isnan(kappa):
        assert math.isnan(row["kappa"]) and row["po"] == 1.0
    else:
        assert row["kappa"] == pytest.approx(kappa)


def test_empty_alignment_and_cohen_kappa():
    al = pd.DataFrame({"a_index": [], "b_index": [], "status": []})
    row = parallel_agreement(al, {}, {}, themes=["peace"]).table.iloc[0]
    assert row["n"] == 0 and math.isnan(row["kappa"])
    assert parallel_agreement(al, {}, {}).table.empty
    assert cohen_kappa(1, 2, 3, 4)[2] == pytest.approx(kappa_by_hand(1, 2, 3, 4))
    with pytest.raises(ValueError, match="lacks columns"):
        parallel_agreement(pd.DataFrame({"a_index": [0]}), {}, {})


def test_one_to_many_pairs_pool_their_sentences():
    al = pd.DataFrame({"a_index": [0, [1, 2]], "b_index": ["0", "1;2"], "status": ["kept", "reworded"]})
    res = parallel_agreement(al, {0: set(), 2: {"peace"}}, {0: set(), 1: {"peace"}})
    assert res.table.iloc[0][["both", "neither"]].tolist() == [1, 1]


def test_sentence_theme_hits_and_bilingual_agreement(dic):
    fr = tokens("La paix revient en Syldavie. Le cessez-le-feu tient. Alphaland aide.", language="fr")
    en = tokens("Peace returns to Syldavia. The truce holds. Alphaland helps.", language="en")
    a_hits, b_hits = sentence_theme_hits(fr, dic), sentence_theme_hits(en, dic)
    assert a_hits == {0: {"peace"}, 1: {"peace"}, 2: set()}
    assert b_hits == {0: {"peace"}, 1: set(), 2: set()}
    al = pd.DataFrame({"a_index": [0, 1, 2], "b_index": [0, 1, 2], "status": ["kept"] * 3})
    res = parallel_agreement(al, a_hits, b_hits, themes=dic.theme_ids())
    peace = res.table.set_index("theme").loc["peace"]
    # both 1, a_only 1, neither 1: po 2/3, pe 4/9, kappa 0.4
    assert peace["kappa"] == pytest.approx(kappa_by_hand(1, 1, 0, 1)) == pytest.approx(0.4)
    assert res.disagreements.values.tolist() == [["peace", 1, 1, "kept", "a"]]
    assert math.isnan(res.table.set_index("theme").loc["cyber", "kappa"])  # never hit


def test_near_needs_the_content_words():
    # the best window "des centaines de milliers de" matches 4 of the 7 keys (ratio 2*4/12 = 0.67 >= 0.6)
    # but holds 1 of the 4 content words (milliers): not near
    press = "Il évoque « des dizaines de milliers de soldats syldaves » mobilisés."
    source = "Alphaland a reçu des centaines de milliers de visiteurs à Klow cette année."
    row = trace_quotes(press, source, language="fr").iloc[0]
    assert row["match"] == "none" and row["similarity"] == pytest.approx(8 / 12)
