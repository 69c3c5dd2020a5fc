"""Issue 21 (item 3): the bilingual dictionary measured on parallel versions (analysis.parallel).

Synthetic pairs (Alphaland, Syldavie) give exact 2×2 tables counted by hand; the real pairs
(the Los Angeles declaration of 10 June 2022 and its fact sheet, French and English versions in
``../shared/bench``) are checked against sentences read by hand, and the shipped figures against
a fresh measurement. Those tests skip when ``../shared`` is absent.
"""

from __future__ import annotations

import json
import math

import pytest

from analysis import config
from analysis.cli import main
from analysis.dictionary import dictionary
from analysis.diff import Sentence, across_similarity, align_sentences, statement_sentences

SYN = {
    "name": "synthetic",
    "version": "1",
    "description": "Synthetic instrument for the parallel tests.",
    "themes": {
        "peace": {"label": {"fr": "Paix", "en": "Peace"}, "description": "Peace.",
                  "fr": ["paix", "trêve"], "en": ["peace", "truce"]},
        "trade": {"label": {"fr": "Commerce", "en": "Trade"}, "description": "Trade.",
                  "fr": ["commerce", "emploi"], "en": ["trade"]},
    },
}  # fmt: skip

# six sentences and their translations, written for this test; "emploi" (fr, trade) is
# translated "employment", which the synthetic English list lacks
FR = ("Alphaland et la Syldavie signent la paix à Klow le 3 mars 2031. "
      "Les deux pays ouvrent le commerce du blé syldave. "
      "Alphaland promet de l'emploi aux réfugiés syldaves. "
      "La trêve tient depuis douze jours à Klow. "
      "Syldavie remercie Alphaland pour son aide médicale. "
      "Un comité mixte se réunira à Borduria en 2032.")  # fmt: skip
EN = ("Alphaland and Syldavia sign peace in Klow on 3 March 2031. "
      "The two countries open trade in Syldavian wheat. "
      "Alphaland promises employment to Syldavian refugees. "
      "The truce has held for twelve days in Klow. "
      "Syldavia thanks Alphaland for its medical assistance. "
      "A joint committee will meet in Borduria in 2032.")  # fmt: skip


@pytest.fixture
def synthetic_pairs(tmp_path, monkeypatch):
    """A pairs file pointing at one synthetic pair, served by a patched held_by_key."""
    import analysis.validation_texts as vt

    path = tmp_path / "pairs.csv"
    path.write_text("pair,fr_source,fr_key,en_source,en_key,label_fr,label_en,note\n"
                    "syldavie,corpus,syl-fr,corpus,syl-en,Traité syldave,Syldavian treaty,synthetic\n"
                    "absent,corpus,syl-fr,corpus,missing-en,Absent,Absent,synthetic\n",
                    encoding="utf-8")  # fmt: skip
    texts = {"syl-fr": ("syl-fr", "fr", FR), "syl-en": ("syl-en", "en", EN)}
    monkeypatch.setattr(vt, "held_by_key", lambda source, key: texts.get(key))
    return path


def test_synthetic_pair_by_hand(synthetic_pairs):
    from analysis.parallel import textstat_parallel

    pv = textstat_parallel(dictionary(SYN), synthetic_pairs)
    assert pv.skipped == ["absent"]  # its English text is not held
    assert pv.pairs[["fr_sentences", "en_sentences", "translated"]].values.tolist() == [[6, 6, 6]]
    t = pv.table.set_index("theme")
    # peace: sentences 0 (paix/peace) and 3 (trêve/truce) both; 4 others neither -> κ 1
    assert t.loc["peace", ["n", "both", "fr_only", "en_only", "neither"]].tolist() == [6, 2, 0, 0, 4]
    assert t.loc["peace", "kappa"] == pytest.approx(1.0)
    # trade: 1 both (commerce/trade), 1 French only (emploi/employment), 4 neither
    # po = 5/6, pe = (2/6)(1/6) + (4/6)(5/6) = 22/36, κ = (30/36 - 22/36) / (14/36) = 8/14
    assert t.loc["trade", ["both", "fr_only", "en_only", "neither"]].tolist() == [1, 1, 0, 4]
    assert t.loc["trade", "kappa"] == pytest.approx(8 / 14)
    assert pv.disagreements[["theme", "fr_index", "en_index", "hit_in", "matched"]].values.tolist() == [
        ["trade", "2", "2", "fr", "emploi"]]  # fmt: skip
    assert pv.disagreements[["fr_text", "en_text"]].values.tolist() == [
        ["Alphaland promet de l'emploi aux réfugiés syldaves.",
         "Alphaland promises employment to Syldavian refugees."]]  # fmt: skip


def test_summary_round_trip_and_save_refuses_partial(synthetic_pairs, tmp_path):
    from analysis.parallel import parallel_from_summary, parallel_summary, save_parallel, textstat_parallel

    pv = textstat_parallel(dictionary(SYN), synthetic_pairs)
    back = parallel_from_summary(json.loads(json.dumps(parallel_summary(pv))))
    assert back.table.equals(pv.table) and back.from_summary and back.sentence_pairs == 6
    with pytest.raises(ValueError, match="absent"):
        save_parallel(pv, tmp_path / "p.json")


def test_across_similarity_prefers_the_translation():
    # hand values: shares 0.1 and 0.1, anchors {klow, 2031, alpha} vs {klow, 2031, alpha}: 1 x 1
    assert across_similarity(0.1, 0.1, {"klow", "2031", "alpha"}, {"klow", "2031", "alpha"}) == 1.0
    # same lengths, no shared anchor: 0 (a length match alone is no evidence of a translation)
    assert across_similarity(0.1, 0.1, {"klow"}, {"bordu"}) == 0.0
    # shares 0.2 / 0.05: sqrt(0.25) = 0.5; Dice 2/4 -> min(1, 4 x 0.5) = 1
    assert across_similarity(0.2, 0.05, {"alpha", "sylda"}, {"alpha", "klow"}) == pytest.approx(0.5)
    assert Sentence(0, "", (), ("borduria", "2032", "klow", "en"), 0, 0).anchors == {"bordu", "2032", "klow"}


def test_across_alignment_skips_an_untranslated_sentence():
    # B (English) adds a sentence at the start: the length-only rule shifted every pair by one;
    # the anchors keep each French sentence with its translation
    fr = statement_sentences(FR, "fr")
    en = statement_sentences("Today Borduria hosts the ceremony of the long awaited signature. " + EN, "en")
    t = align_sentences(fr, en, across=True)
    assert t["status"].tolist() == ["added"] + ["translated"] * 6
    assert t["a_index"].dropna().tolist() == [0, 1, 2, 3, 4, 5]
    assert t["b_index"].tolist() == [0, 1, 2, 3, 4, 5, 6]


def test_annex_block_without_texts_and_for_another_dictionary(tmp_path, monkeypatch):
    import analysis.parallel as par
    from analysis.report.validation_block import parallel_block

    monkeypatch.setattr(config, "SHARED_DIR", tmp_path / "no-shared")
    monkeypatch.setattr(par, "_CACHE", {})
    dic = dictionary(config.DEFAULT_DICTIONARY)
    shipped = json.loads(par.PARALLEL_FILE.read_text(encoding="utf-8"))
    assert shipped["dictionary"]["sha256"] == dic.hash
    html = parallel_block(dic, "en").html
    assert "last complete measurement" in html and "κ" in html
    security = next(r for r in shipped["table"] if r["theme"] == "security_defence")
    assert f"{security['kappa']:.2f}" in html  # the shipped κ is printed
    other = tmp_path / "d.yaml"
    text = config.DEFAULT_DICTIONARY.read_text(encoding="utf-8")
    other.write_text(text.replace("version:", "# x\nversion:", 1), encoding="utf-8")
    assert "No measurement on parallel versions" in parallel_block(dictionary(other), "en").html


# ----------------------------------------------------------------------------- real pairs
@pytest.fixture(scope="module")
def real():
    from analysis.parallel import pairs_held, textstat_parallel

    if not pairs_held():
        pytest.skip(f"parallel versions absent ({config.SHARED_DIR / 'bench'})")
    return textstat_parallel()


def test_real_pairs_hand_read_disagreements(real):
    # read by hand in the Los Angeles declaration (sentence 3 and 15 of each version):
    # "la sécurité et la dignité de tous les migrants" / "the safety and dignity of all migrants";
    # "un emploi digne" / "dignified employment": the English lists lack safety and employment
    dis = real.disagreements
    la = dis[dis["pair"] == "los-angeles-declaration"]
    found = set(zip(la["theme"], la["fr_index"], la["hit_in"], la["matched"].str.lower(), strict=True))
    assert ("security_defence", "3", "fr", "sécurité") in found
    assert ("trade_economy", "15", "fr", "emploi") in found
    # read by hand (README): four French-only "Sécurité" of the fact sheet are the "département de la
    # Sécurité intérieure" (DHS in English), sentences 71, 73, 76 and 78
    fs = dis[(dis["pair"] == "los-angeles-deliverables") & (dis["theme"] == "security_defence")]
    assert {"71", "73", "76", "78"} <= set(fs.loc[fs["hit_in"] == "fr", "fr_index"])
    # the declaration aligns almost one to one (57 French, 56 English sentences by our splitter)
    row = real.pairs.set_index("pair").loc["los-angeles-declaration"]
    assert row["translated"] >= 55


def test_real_deliverables_open_diagonally(real):
    # read by hand: the first eight sentences of the French and English fact sheet are
    # translations of each other in order (Biden joins, the Declaration seeks, four pillars,
    # preparation of the Summit, Pillar I, the migration crisis, IFIs, stabilisation)
    from analysis.diff import compare_statements
    from analysis.parallel import _one, parallel_pairs
    from analysis.validation_texts import held_by_key

    p = next(x for x in parallel_pairs() if x["pair"] == "los-angeles-deliverables")
    fr, en = held_by_key(p["fr_source"], p["fr_key"]), held_by_key(p["en_source"], p["en_key"])
    a, b = _one(fr[0], "fr", fr[2]), _one(en[0], "en", en[2])
    head = compare_statements(a, b, clean=False, themes=False).alignment.head(8)
    assert head["status"].eq("translated").all()
    assert head["a_index"].tolist() == head["b_index"].tolist() == list(range(8))
    assert "<!--" not in b.docs["text"].iloc[0]  # the list separators are cleaned away


def test_shipped_parallel_figures_are_current(real):
    from analysis.parallel import PARALLEL_FILE, parallel_summary

    shipped = json.loads(PARALLEL_FILE.read_text(encoding="utf-8"))
    now = json.loads(json.dumps(parallel_summary(real), ensure_ascii=False))
    assert all(set(d) == {"pair", "theme", "fr_index", "en_index", "hit_in", "matched"}
               for d in shipped["disagreements"])  # indexes and a few words, never a sentence
    assert shipped == now, "resources/validation/parallel.json is stale: run `make validation`"
    kappas = {r["theme"]: r["kappa"] for r in shipped["table"]}
    assert all(k is None or -1 <= k <= 1 for k in kappas.values())
    assert kappas["ukraine"] is None  # never mentioned in these migration texts: not measured
    assert sum(p["translated"] for p in shipped["pairs"]) == 124  # as the README says
    # the README's reading of the gaps: the English list has neither safety nor employment
    from analysis.lookup import tokens_lookup
    from analysis.tokens import tokens

    dic = dictionary(config.DEFAULT_DICTIONARY)
    assert tokens_lookup(tokens("Safety. Employment.", language="en"), dic).hits.empty


def test_cli_validate_parallel(real, capsys):
    assert main(["validate", "--parallel"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "theme,n,both,fr_only,en_only,neither,po,pe,kappa"
    assert len(lines) == 1 + len(real.table)
    assert main(["validate", "--parallel", "--disagreements"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("pair,theme,fr_index,en_index,hit_in,matched,fr_text,en_text")
    assert "sécurité" in out
    # each disagreement shows its two sentences here; the shipped figures hold none (checked above)
    assert not math.isnan(real.table.set_index("theme").loc["cooperation", "kappa"])
