"""The shipped reference set: deterministic build, features = full text, honest gaps, provenance.

Synthetic texts and dictionaries are written here (Alphaland, Betaland, Gammaland); the
texts of ../shared/corpus are only read by the ``shared`` tests and never copied.
Hand counts are written beside each synthetic text.
"""

from __future__ import annotations

import csv
import math
import re

import numpy as np
import pandas as pd
import pytest

from analysis import config
from analysis.clean import CLEANER_VERSION, corpus_clean
from analysis.compare import compare
from analysis.corpus import corpus
from analysis.dictionary import dictionary
from analysis.lookup import tokens_lookup
from analysis.reference import (
    DOC_COLUMNS,
    MAX_TITLE_WORDS,
    reference_build,
    reference_set,
    reference_theme_counts,
)
from analysis.tokens import TOKENISER_VERSION, tokens

BUILT_FILES = {
    "README.md", "build.json", "documents.csv", "phrase_counts.parquet", "theme_counts.parquet",
    "token_counts.parquet", "bigram_counts.parquet",
}  # fmt: skip

# --------------------------------------------------------------------------- synthetic data
# Doc A (fr). Hand counts with WORDS_DICT (fr patterns):
#   polar (own: arctique*, arctiques, glacier*): l'Arctique, glaciers, arctiques
#     ("arctiques" matches two patterns of the theme: counted once) = 3 own
#   floe (subtheme: banquise, *glace): banquise, glace = 2; polar rolls up 3 + 2 = 5
#   exchange (commerce*, tarif*, échange*): commerce, échanges, tarifs = 3
#   places (alphaland, betaland, glacier*): Alphaland, Betaland, Betaland, glaciers = 4
TEXT_A = (
    "Alphaland et Betaland observent l'Arctique. La banquise recule, les glaciers arctiques "
    "fondent et la glace fine inquiète.\n\nLe commerce et les échanges avec Betaland continuent ; "
    "les tarifs baissent."
)
# Doc B (en). Hand counts with WORDS_DICT (en patterns):
#   polar (own: arctic*, ice, glacier*): Arctic, ice, Glaciers, ICE, arctic = 5 own
#   floe (floe*, sea-ice): sea-ice (one hyphenated token), floes = 2; polar = 5 + 2 = 7
#   exchange (trade*, tariff*, exchange*): trades, tariffs, exchanges = 3
#   places (alphaland, betaland): Alphaland ('s split off), Betaland, Alphaland = 3
TEXT_B = (
    "Alphaland's sea-ice and the Arctic ice floes shrink. Betaland trades with Alphaland; "
    "tariffs and exchanges rise.\n\nGlaciers, ICE and arctic winds."
)
# Doc C (fr): no pattern of WORDS_DICT -> every count 0
TEXT_C = "Rien sur ces sujets : une note courte de Gammaland."

HAND_COUNTS = {
    ("synth-a-fr", "polar"): 5, ("synth-a-fr", "floe"): 2, ("synth-a-fr", "exchange"): 3,
    ("synth-a-fr", "places"): 4,
    ("synth-b-en", "polar"): 7, ("synth-b-en", "floe"): 2, ("synth-b-en", "exchange"): 3,
    ("synth-b-en", "places"): 3,
    ("synth-c-fr", "polar"): 0, ("synth-c-fr", "floe"): 0, ("synth-c-fr", "exchange"): 0,
    ("synth-c-fr", "places"): 0,
}  # fmt: skip

WORDS_DICT = """\
name: synthetic_words
version: "0.1"
description: Synthetic words-and-globs instrument for tests (no phrase, no exclusion).
themes:
  polar:
    label: {fr: Pôle, en: Polar}
    description: Synthetic polar vocabulary.
    fr: [arctique*, arctiques, glacier*]
    en: [arctic*, ice, glacier*]
    subthemes:
      floe:
        label: {fr: Banquise, en: Floe}
        description: Synthetic sea ice.
        fr: [banquise, "*glace"%s]
        en: [floe*, sea-ice]
  exchange:
    label: {fr: Échanges, en: Exchange}
    description: Synthetic trade vocabulary.
    fr: [commerce*, tarif*, échange*]
    en: [trade*, tariff*, exchange*]
  places:
    label: {fr: Lieux, en: Places}
    description: Synthetic place names.
    fr: [alphaland, betaland, glacier*]
    en: [alphaland, betaland%s]
"""


def _write_dict(folder, name, floe_fr_extra="", places_en_extra=""):
    path = folder / name
    path.write_text(WORDS_DICT % (floe_fr_extra, places_en_extra), encoding="utf-8")
    return path


def _synthetic_manifest(folder):
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        ("synth-a-fr", "Synthetic note Alphaland A", "2021-02-03", "Alphaland; Betaland", "fr", TEXT_A),
        ("synth-b-en", "Synthetic note Betaland B", "2022-04-05", "Alphaland; Betaland", "en", TEXT_B),
        ("synth-c-fr", "Synthetic note Gammaland C", "2023-06-07", "Gammaland; Betaland", "fr", TEXT_C),
    ]
    path = folder / "manifest.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "date", "parties", "language", "genre", "license", "path"])
        for doc_id, title, date, parties, lang, text in rows:
            (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
            w.writerow([doc_id, title, date, parties, lang, "statement", "Synthetic (CC0)", f"{doc_id}.txt"])
    return path


def _full_text_counts(manifest, dic) -> pd.Series:
    toks = tokens(corpus_clean(corpus(manifest)))
    look = tokens_lookup(toks, dic)
    return look.counts.set_index(["doc_id", "theme"])["count"].astype(float).sort_index()


def _folder_bytes(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# ------------------------------------------------------------------------------- determinism
def test_build_twice_gives_identical_bytes(tmp_path):
    manifest = _synthetic_manifest(tmp_path / "corpus")
    a = _folder_bytes(reference_build(manifest, tmp_path / "a"))
    b = _folder_bytes(reference_build(manifest, tmp_path / "b"))
    assert set(a) == BUILT_FILES
    assert set(a) == set(b)
    for name in a:
        assert a[name] == b[name], f"{name} differs between two builds of the same manifest"


@pytest.fixture(scope="module")
def shared_builds(shared_manifest, tmp_path_factory):
    """Two builds of ../shared/corpus with the default dictionary (about 6 s each)."""
    root = tmp_path_factory.mktemp("shared-builds")
    return [_folder_bytes(reference_build(shared_manifest, root / n)) for n in ("a", "b")]


def test_shared_build_twice_gives_identical_bytes(shared_builds):
    a, b = shared_builds
    assert set(a) == set(b) == BUILT_FILES
    for name in a:
        assert a[name] == b[name], f"{name} differs between two builds of ../shared/corpus"


# the shipped folder is a fresh build of `make reference` (manifest and JSON Lines sources):
# tests/test_reference_sources.py::test_shipped_folder_is_a_fresh_build


# ------------------------------------------------------------------- features vs full texts
def test_shipped_theme_counts_equal_full_text_counts(shared_manifest):
    # independent computation: the whole pipeline on the full texts of ../shared/corpus
    dic = dictionary(config.DEFAULT_DICTIONARY)
    full = _full_text_counts(shared_manifest, dic)
    ref = reference_set()
    feat = reference_theme_counts(ref.subset(ids=sorted(set(full.index.get_level_values("doc_id")))), dic)
    assert feat["exact"].all() and feat["available"].all()
    feat = feat.set_index(["doc_id", "theme"])["count"].astype(float).sort_index()
    assert len(full) == 30 * len(dic.themes)  # the 30 manifest documents, all in the shipped set
    pd.testing.assert_series_equal(feat, full, check_names=False)


def test_words_and_globs_dictionary_exact_from_features(tmp_path):
    manifest = _synthetic_manifest(tmp_path / "corpus")
    built = reference_build(manifest, tmp_path / "ref")  # default dictionary: a different one
    words = dictionary(_write_dict(tmp_path, "words.yaml"))
    ref = reference_set(built)
    assert words.hash != ref.build["dictionary"]["sha256"]

    feat = reference_theme_counts(ref, words)
    assert feat["exact"].all(), "no phrase and no exclusion: features counts must be exact"
    assert feat["available"].all()
    feat = feat.set_index(["doc_id", "theme"])["count"].astype(float).sort_index()
    full = _full_text_counts(manifest, words)
    # hand counts first (so that an all-zero agreement cannot pass), then features == full text
    assert full.to_dict() == {k: float(v) for k, v in HAND_COUNTS.items()}
    pd.testing.assert_series_equal(feat, full, check_names=False)


def test_synthetic_tokens_match_direct_count(tmp_path):
    # independent computation: these texts have no number and no hyphen outside "sea-ice",
    # so a token is a run of \w characters ("l'Arctique" -> l', Arctique; "Alphaland's" ->
    # Alphaland, 's) except "sea-ice", which is one token (re.findall counts it twice)
    manifest = _synthetic_manifest(tmp_path / "corpus")
    ref = reference_set(reference_build(manifest, tmp_path / "ref"))
    n = ref.docs.set_index("doc_id")["n_tokens"].to_dict()
    assert n["synth-a-fr"] == len(re.findall(r"\w+", TEXT_A))
    assert n["synth-b-en"] == len(re.findall(r"\w+", TEXT_B)) - 1
    assert n["synth-c-fr"] == len(re.findall(r"\w+", TEXT_C))
    totals = ref.token_counts.groupby("doc_id")["count"].sum().to_dict()
    assert totals == n


# --------------------------------------------------------------------- unavailable phrases
def test_phrase_not_in_build_is_reported_by_name(tmp_path):
    manifest = _synthetic_manifest(tmp_path / "corpus")
    built = reference_build(manifest, tmp_path / "ref", dictionary_path=_write_dict(tmp_path, "words.yaml"))
    user = _write_dict(tmp_path, "user.yaml", floe_fr_extra=", glace fine")
    out = reference_theme_counts(reference_set(built), dictionary(user)).set_index(["doc_id", "theme"])

    # the French documents cannot answer floe, nor polar (which rolls floe up)
    for doc in ("synth-a-fr", "synth-c-fr"):
        for theme in ("floe", "polar"):
            row = out.loc[(doc, theme)]
            assert not row["available"]
            assert math.isnan(row["count"])
            assert row["unavailable_patterns"] == "glace fine"
    # other themes and the English document (no English phrase) are still answered
    assert out.loc[("synth-a-fr", "exchange"), "count"] == 3  # hand count above
    assert out.loc[("synth-b-en", "floe"), "available"]
    assert out.loc[("synth-b-en", "floe"), "count"] == 2  # hand count above

    # compare(): features-only references are synth-b-en and synth-c-fr (synth-a-fr is the focus)
    c = compare("synth-a-fr", corpus_manifest=manifest, dictionary_path=user, reference=built)
    assert any("'floe'" in n and "glace fine" in n for n in c.notes), c.notes
    assert any("glace fine" in n for n in c.notes_fr), c.notes_fr
    # never a silent zero: synth-c-fr has no floe/polar count at all (or a NaN one)
    rows = c.counts[(c.counts["doc_id"] == "synth-c-fr") & c.counts["theme"].isin(["floe", "polar"])]
    assert rows.empty or rows["count"].isna().all()
    themes = c.themes[c.themes["theme"].isin(["floe", "polar"])]
    assert themes.empty or themes["reference_count"].isna().all()


def test_phrase_counted_at_build_is_available(tmp_path):
    manifest = _synthetic_manifest(tmp_path / "corpus")
    build_dict = _write_dict(tmp_path, "build.yaml", floe_fr_extra=", glace fine")
    built = reference_build(manifest, tmp_path / "ref", dictionary_path=build_dict)
    # another dictionary (one more English place name) with the same phrase
    other = dictionary(_write_dict(tmp_path, "other.yaml", ", glace fine", ", gammaland"))
    out = reference_theme_counts(reference_set(built), other).set_index(["doc_id", "theme"])
    row = out.loc[("synth-a-fr", "floe")]
    assert row["available"] and row["unavailable_patterns"] == ""
    # without token positions the overlap rule cannot apply: banquise + glace (single words)
    # + 1 "glace fine" (stored phrase count) = 3, flagged as not exact (the full text gives 2)
    assert row["count"] == 3
    assert not row["exact"]
    assert out.loc[("synth-c-fr", "floe"), "count"] == 0  # a counted phrase: a real zero


# ------------------------------------------------------------------ the shipped data folder
def test_shipped_readme_documents_provenance_and_versions():
    readme = (config.REFERENCE_DIR / "README.md").read_text(encoding="utf-8")
    build = reference_set().build
    low = readme.lower()
    assert "sources" in low and "licence" in low
    assert "python -m analysis reference build --corpus" in readme and "make reference" in readme
    assert f"{build['dictionary']['name']} {build['dictionary']['version']}" in readme
    assert f"tokeniser version {build['tokeniser_version']}" in readme
    # every licence family of the manifest is named
    docs = reference_set().docs
    for lic in docs["license"]:
        assert re.split(r"[.;:(]", lic)[0].strip() in readme


def test_shipped_documents_hold_metadata_not_text():
    docs = pd.read_csv(config.REFERENCE_DIR / "documents.csv", dtype=str, keep_default_na=False)
    expected = {
        "doc_id", "title", "date", "parties", "n_parties", "format", "language", "genre",
        "complete", "source_url", "publisher", "license", "sha256", "n_tokens",
    }  # fmt: skip
    assert set(docs.columns) == expected
    assert list(docs.columns) == DOC_COLUMNS
    assert docs["doc_id"].is_unique and len(docs) >= 30
    assert docs["date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert docs["sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert set(docs["language"]) <= set(config.LANGUAGES)
    long_cells = {col: int(docs[col].str.len().max()) for col in docs.columns if col not in ("license",)}
    assert max(long_cells.values()) <= 300, long_cells
    n_words = docs["title"].map(lambda t: len(re.findall(r"\w+", t)))
    assert (n_words <= MAX_TITLE_WORDS).all(), docs.loc[n_words > MAX_TITLE_WORDS, "title"].tolist()


def test_shipped_files_hold_no_sentence_of_the_texts(shared_manifest):
    # no run of 9 consecutive words of any shared text appears in the text files we ship
    def ngrams(text, n=9):
        words = re.findall(r"\w+", text.lower())
        return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}

    shipped = set()
    for name in ("README.md", "build.json"):
        shipped |= ngrams((config.REFERENCE_DIR / name).read_text(encoding="utf-8"))
    # each cell of documents.csv on its own; not the source URLs (the JSON Lines documents are
    # their titles' slugs) nor the party lists: metadata that share phrases with other texts
    cells = pd.read_csv(config.REFERENCE_DIR / "documents.csv", dtype=str, keep_default_na=False)
    for col in cells.columns.drop(["source_url", "parties"]):
        for cell in cells[col]:
            shipped |= ngrams(cell)
    # metadata (source URL slugs, licence statements) may repeat words of the text: not text
    for doc in corpus_clean(corpus(shared_manifest)).docs.itertuples():
        meta = ngrams(" ".join([doc.title, doc.source_url, doc.license, doc.publisher, doc.notes]))
        leaked = (ngrams(doc.text) - meta) & shipped
        assert not leaked, f"{doc.doc_id}: {sorted(leaked)[:2]}"
    from analysis.tokens import tokenize

    counts = pd.read_parquet(config.REFERENCE_DIR / "token_counts.parquet")
    lang_of = reference_set().docs.set_index("doc_id")["language"]
    spaced = counts[counts["key"].str.contains(r"\s")]  # French numbers ("1 800", "55 %") are one token
    for key, doc_id in zip(spaced["key"], spaced["doc_id"], strict=True):
        assert len(tokenize(key, lang_of[doc_id])) == 1, f"token_counts key {key!r} is not a single token"


def test_shipped_features_match_current_dictionary_and_tokeniser():
    ref = reference_set()
    current = dictionary(config.DEFAULT_DICTIONARY)
    assert ref.build["dictionary"]["sha256"] == current.hash, (
        "the dictionary changed since data/reference was built: run `make reference`"
    )
    assert ref.build["tokeniser_version"] == TOKENISER_VERSION, "tokeniser changed: run `make reference`"
    assert ref.build["cleaner_version"] == CLEANER_VERSION, "cleaner changed: run `make reference`"
    # the shipped theme counts cover every theme of the current dictionary, once per document
    themes = {t.id for t in current.themes}
    tc = ref.theme_counts
    assert set(tc["theme"]) == themes
    assert len(tc) == len(ref.docs) * len(themes)
    assert np.array_equal(
        tc.groupby("doc_id")["tokens"].first().sort_index().to_numpy(),
        ref.docs.set_index("doc_id")["n_tokens"].sort_index().to_numpy(),
    )
