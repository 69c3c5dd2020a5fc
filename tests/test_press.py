"""Issue 21 (item 4): the brief's section on a press text and its source (analysis.report.press).

Every number a sentence of the section states is checked against a count made by hand on a
synthetic press text and source (Alphaland, Syldavie, Klow), and on the seed article against
an independent computation (the comparison's own theme counts; a regex over the guillemets).
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd

from analysis import config
from analysis.dictionary import dictionary
from analysis.report.brief import Brief
from analysis.report.press import press_block, press_facts
from analysis.tokens import tokens

SYN = dictionary({
    "name": "synthetic", "version": "1", "description": "Synthetic instrument for the press tests.",
    "themes": {
        "peace": {"label": {"fr": "Paix", "en": "Peace"}, "description": "Peace.", "fr": ["paix", "trêve"]},
        "trade": {"label": {"fr": "Commerce", "en": "Trade"}, "description": "Trade.", "fr": ["commerce"]},
        "arctic": {"label": {"fr": "Arctique", "en": "Arctic"}, "description": "Arctic.", "fr": ["arctique"]},
    },
})  # fmt: skip

# written for this test: two quotations (7 and 6 words), 33 words in all (counted by hand:
# 15 + 5 + 13), three mentions (paix and commerce inside the quotations, trêve outside)
PRESS = ("Le ministre a salué « une paix durable entre nos deux peuples » lors de sa visite. "
         "Selon lui, la trêve tient. "
         "Il a ajouté que « le commerce du blé reprendra bientôt » avant de partir.")  # fmt: skip
# the source: sentence 1 as the press has it, 2 and 3 reworded, 4 (arctique x3) left out
SOURCE = ("Le ministre a salué une paix durable entre nos deux peuples lors de sa visite. "
          "La trêve tient depuis mars. "
          "Le commerce du blé reprendra bientôt. "
          "L'Arctique, l'Arctique et encore l'Arctique restent calmes.\n")  # fmt: skip


def _brief(tmp_path, genre="press_article", lang="fr"):
    docs = pd.DataFrame({"doc_id": ["syl-press"], "title": ["Klow"], "text": [PRESS], "language": ["fr"],
                         "genre": [genre]})  # fmt: skip
    comp = SimpleNamespace(tokens=tokens(docs), focus_id="syl-press", dictionary=SYN,
                           focus={"title": "Klow"})  # fmt: skip
    return Brief(comp=comp, lang=lang, folder=tmp_path, run_id="test")


def _text(block) -> str:
    import html

    return html.unescape(re.sub(r"[ \n\t]+", " ", re.sub(r"<[^>]+>", " ", block.html)))


def test_quotation_share_by_hand(tmp_path):
    b = _brief(tmp_path)
    f = press_facts(b.comp)
    assert [q.text for q in f.quotes] == ["une paix durable entre nos deux peuples",
                                          "le commerce du blé reprendra bientôt"]  # fmt: skip
    assert (f.words_in_quotes, f.words, f.hits(), f.hits("in_quotes")) == (13, 33, 3, 2)
    text = _text(press_block(b))
    # 13 / 33 = 39 %; 2 / 3 = 67 %
    assert "Il cite 2 passages entre guillemets (13 mots, 39\u202f% de ses mots)" in text
    assert "Sur ses 3 repérages de thèmes, 2 sont dans ces citations (67\u202f%)" in text
    assert "Aucune source n'a été donnée" in text
    quotes = pd.read_csv(tmp_path / "tables" / "press_quotes.csv")
    assert quotes["quote"].tolist()[1] == "le commerce du blé reprendra bientôt"


def test_source_alignment_by_hand(tmp_path):
    src = tmp_path / "source.txt"
    src.write_text(SOURCE, encoding="utf-8")
    b = _brief(tmp_path, lang="en")
    f = press_facts(b.comp, str(src))
    s = f.diff.summary
    # kept: sentence 1 (same words); reworded: 2 (3 of 5+5 keys: 0.6) and 3 (6 of 13+6: 0.63);
    # dropped: the Arctic sentence
    assert (s["kept"], s["reworded"], s["dropped"], s["added"]) == (1, 2, 1, 0)
    assert f.trace["match"].tolist() == ["exact", "exact"]
    assert f.dropped_themes == ["arctic"]
    text = _text(press_block(b, str(src)))
    assert "The text analysed (3 sentences) keeps 1 of them almost word for word, rewords 2 and adds 0; " \
           "sentences of the source left out: 1" in text
    assert "Quotations of the text found in the source: 2 as such, 0 in a near form, 0 not found" in text
    assert "Themes the source mentions at least 3 times and the text analysed never: Arctic." in text
    assert (tmp_path / "figures" / "diff_alignment.png").exists()
    assert pd.read_csv(tmp_path / "tables" / "press_quotes.csv")["match"].tolist() == ["exact", "exact"]


def test_not_a_press_text_without_source(tmp_path):
    text = _text(press_block(_brief(tmp_path, genre="joint_statement", lang="en")))
    assert "is not a press article and no source was given" in text
    assert "quotes" not in text.split("given")[1]


def test_seed_against_independent_counts():
    from analysis.report.brief import comparison_from_parameters

    comp = comparison_from_parameters(focus_id=config.DEFAULT_FOCUS_ID)
    f = press_facts(comp)
    themes = comp.themes[comp.themes["is_root"]]
    # the press section's mentions are the comparison's focus counts, tokenised again
    assert f.hits() == int(themes["focus_count"].sum())
    # quotations of three words or more between guillemets, by a regex of the test's own
    text = comp.tokens.docs.set_index("doc_id").loc[comp.focus_id, "text"]
    spans = [m for m in re.findall(r"«\s*([^«»]+?)\s*»", text) if len(m.split()) >= 3]
    assert [q.text for q in f.quotes] == [" ".join(m.split()) if "\n" not in m else m for m in spans]


def test_a_source_that_cannot_be_read_leaves_a_note(tmp_path):
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    text = _text(press_block(_brief(tmp_path, lang="en"), str(tmp_path / "empty.txt")))
    assert "could not be read" in text and "empty.txt" in text
    assert "It quotes 2 passages" in text  # the quotation part stands


def test_an_unrelated_source_and_one_in_another_language_are_said(tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("Borduria ouvre une ligne de chemin de fer vers Zylva en 2040.\n", encoding="utf-8")
    text = _text(press_block(_brief(tmp_path, lang="en"), str(other)))
    assert "No sentence of the text matches one of the source" in text
    english = tmp_path / "english.txt"
    english.write_text("The minister praised a lasting peace between our two peoples during his visit. "
                       "The truce has held since March. Wheat trade will resume soon.\n", encoding="utf-8")
    b = _brief(tmp_path, lang="en")
    f = press_facts(b.comp, str(english))
    assert f.across and f.trace is None  # quotations are not looked for in a translation
    text = _text(press_block(b, str(english)))
    assert "The source is in another language" in text and "Quotations of the text found" not in text


def test_no_log_ratio_against_a_theme_one_text_lacks(tmp_path):
    src = tmp_path / "source.txt"
    src.write_text(SOURCE, encoding="utf-8")
    html = press_block(_brief(tmp_path, lang="en"), str(src)).html
    rows = {r[0]: r for r in pd.read_html(__import__("io").StringIO(html))[1].values.tolist()}
    # arctic: 3 in the source, 0 in the text: counts shown, no ratio (hand count above)
    assert rows["Arctic"][1:3] == [3, 0] and rows["Arctic"][5] == "–"  # printed as a dash
