"""JSON Lines sources of the reference set: the title rules, the build, the staleness check.

The titles here are synthetic (real country names in obviously made-up titles about
"widgets"); expected genres and parties are written by hand. The JSON Lines fixture is
written in tmp_path (four synthetic records); the shared tests read ../shared/bench and
../shared/corpus and never copy their texts.
"""

from __future__ import annotations

import gzip
import json
import re

import pandas as pd
import pytest

from analysis import config, i18n
from analysis.cli import main
from analysis.corpus import sha256_file
from analysis.reference import MAX_TITLE_WORDS, reference_build, reference_check, reference_set
from analysis.reference_sources import sha256_text
from analysis.selection import (
    TITLE_GENRES,
    clean_title,
    complete_title,
    select_record,
    title_genre,
    title_parties,
)

BENCH = config.SHARED_DIR / "bench"
BENCH_FILES = ("wh-statements-en.jsonl.gz", "vie-publique-2020-fr.jsonl.gz")
WH = "The White House (archived)"
VP = "vie-publique.fr (DILA), discours publics"

# ------------------------------------------------------------------------------ title rules
# (title, language, publisher party, genre, parties): written by hand
TITLES = [
    ("Joint Statement by France and Japan on Widget Standards", "en", None, "joint_statement",
     ["France", "Japan"]),
    ("U.S.-Japan Joint Statement on Widget Standards", "en", "United States", "joint_statement",
     ["United States", "Japan"]),
    ("Joint Statement on Widget Trade between the United States and the Republic of Korea", "en",
     "United States", "joint_statement", ["United States", "South Korea"]),
    ("Joint Statement on Widgets in Peru", "en", "United States", "joint_statement", ["United States"]),
    ("Joint Declaration of Spain and the United States on Widgets", "en", "United States",
     "joint_statement", ["United States", "Spain"]),
    ("Widget Declaration of Norway and Chile", "en", None, "declaration", ["Norway", "Chile"]),
    ("G7 Leaders’ Communiqué on Synthetic Widgets", "en", None, "communique",
     ["Canada", "France", "Germany", "Italy", "Japan", "United Kingdom", "United States"]),
    ("Readout of President Biden’s Call with Prime Minister Kishida on Widgets", "en", "United States",
     "readout", ["United States", "Japan"]),
    ("Remarks by President Biden and President Macron in Joint Press Conference on Widgets", "en",
     "United States", "press_conference", ["United States", "France"]),
    ("Remarks by President Biden and Chancellor Scholz Before a Widget Meeting", "en", "United States",
     "speech", ["United States", "Germany"]),
    ("Statement from President Biden on Widget Day in Kenya", "en", "United States", "statement",
     ["United States"]),
    ("Statement on Widget Tariffs with Turkey, Finland, and Sweden", "en", None, "statement",
     ["Turkey", "Finland", "Sweden"]),
    ("Déclaration conjointe des ministres des affaires étrangères de la France et de l'Italie sur les "
     "widgets", "fr", "France", "joint_statement", ["France", "Italy"]),
    ("Communiqué conjoint de la France et du Maroc sur les widgets", "fr", "France", "communique",
     ["France", "Morocco"]),
    ("Déclaration de M. Jean Exemple, ministre, sur les relations franco-espagnoles et la Syrie, à Paris",
     "fr", "France", "speech", ["France", "Spain"]),
    ("Conférence de presse de M. Jean Exemple sur les widgets en Syrie, au Caire le 2 mai 2020", "fr",
     "France", "press_conference", ["France", "Egypt"]),
    ("Communiqué de la Présidence de la République sur les widgets au Liban", "fr", "France",
     "communique", ["France"]),
]  # fmt: skip

REJECTED = [
    ("President Joseph R. Biden, Jr. Approves Ohio Disaster Declaration", "en"),
    ("President Joseph R. Biden, Jr. Approves Texas Emergency Declaration", "en"),
    ("A Proclamation on National Widget Week, 2023", "en"),
    ("Nominations Sent to the Senate", "en"),
    ("FACT SHEET: The United States and Japan Launch a Widget Partnership", "en"),
    ("Letter to the Speaker of the House on Widgets", "en"),
    ("White House Announces the Widget Summit", "en"),
    ("Interview de M. Jean Exemple, ministre, à Radio Exemple, sur la Chine", "fr"),
    ("Entretien de M. Jean Exemple avec « Le Journal » le 3 mai 2020, sur les widgets", "fr"),
    ("Extraits d'un entretien de M. Jean Exemple avec Radio Exemple, sur le Brexit", "fr"),
    ("Conseil des ministres du 4 novembre 2020. Les widgets.", "fr"),
    ("Lettre de M. Jean Exemple adressée au président du Parlement européen", "fr"),
    ("Message de Mme Jeanne Exemple à l'occasion du 11 novembre", "fr"),
    ("Déclaration de M. Jean Exemple en hommage aux inventeurs du widget", "fr"),
]


@pytest.mark.parametrize(("title", "lang", "publisher", "genre", "parties"), TITLES)
def test_title_rules_on_synthetic_titles(title, lang, publisher, genre, parties):
    assert title_genre(title, lang) == genre
    assert title_parties(title, lang, publisher=publisher) == parties


@pytest.mark.parametrize(("title", "lang"), REJECTED)
def test_not_foreign_policy_statements_are_rejected(title, lang):
    assert title_genre(title, lang) is None


def test_every_genre_has_a_name_in_both_languages():
    for genre in TITLE_GENRES:
        assert genre in i18n.GENRES["fr"] and genre in i18n.GENRES["en"], genre
    assert i18n.GENRES["fr"]["readout"] == "compte rendu d'entretien"


def test_titles_cut_by_the_source_are_decoded_and_completed():
    assert (
        clean_title(r"U.S.-Japan Leaders\u2019 Joint\_Statement\\") == "U.S.-Japan Leaders’ Joint Statement"
    )
    assert clean_title(r"Call with President Andr\xE9s") == "Call with President Andrés"
    cut = "Readout of President Biden’s Call with Prime Minister Widget of the"
    full = complete_title(cut, "readout-of-president-bidens-call-with-prime-minister-widget-of-the-uae")
    assert full == cut + " UAE"
    assert title_parties(full, "en", publisher="United States") == ["United States", "United Arab Emirates"]
    assert complete_title(cut, "some-other-slug") == cut


def _record(**kw):
    base = {"id": "wh-2023-01-02-x", "date": "2023-01-02", "language": "en", "publisher": WH,
            "repo_path": "statements-releases/2023-01/2023-01-02-x.md", "text": "Widgets."}  # fmt: skip
    return {**base, **kw}


def test_select_record_rules():
    kept = select_record(_record(title="Readout of President Biden’s Call with President Lula on Widgets"))
    assert (kept.genre, kept.parties) == ("readout", ("United States", "Brazil"))
    # one-sided, no leader: left out; no foreign party: left out
    staff = select_record(_record(title="Readout of a Staff Meeting with Officials of Brazil on Widgets"))
    assert staff.reason == "one-sided and not at leader level"
    assert select_record(_record(title="Statement from President Biden on Widgets")).reason == (
        "no foreign party in the title"
    )
    # joint by nature: no leader needed, another party is
    joint = select_record(_record(title="Joint Statement of Chile and the United States on Widgets"))
    assert joint.genre == "joint_statement" and joint.parties == ("United States", "Chile")
    # vie-publique: only items tagged International
    fr = {"id": "vp-2020-0001", "date": "2020-10-01", "language": "fr", "publisher": VP,
          "repo_path": "statements.csv",
          "title": "Communiqué conjoint de la France et du Maroc sur les widgets"}  # fmt: skip
    assert select_record({**fr, "tags": "Economie,International"}).parties == ("France", "Morocco")
    assert select_record({**fr, "tags": "Economie"}).reason == "not tagged 'International'"


# --------------------------------------------------------------------------- build, end to end
TEXT_JOINT = (  # hard-wrapped Markdown with an end mark, as the White House scraper stored it
    "Chile and the United States agree on **widget standards** for the Arctic. The partners\nwill "
    "cooperate on sea ice research and on the *security* of their widget supply chains.<sup>1</sup>\n\n"
    "They will meet again next year.\n\n\\###\n"
)
WORDS_JOINT = 35  # hand count of the words of TEXT_JOINT once cleaned (the footnote mark goes)
TEXT_FR = (
    "<p>La France et le Maroc renforcent leur coopération sur les widgets de la défense.<br><br>\n"
    "Les ministres saluent le dialogue stratégique sur la sécurité en Méditerranée.</p>"
)
TEXT_MANIFEST = "Alphaland and Betaland agree on widgets. Their cooperation on defence continues."


def _write_fixture(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "texts").mkdir()
    (folder / "texts" / "synth-m-en.txt").write_text(
        "Synthetic Alphaland note\n\n" + TEXT_MANIFEST, encoding="utf-8"
    )
    manifest = folder / "manifest.csv"
    manifest.write_text(
        "id,title,date,parties,language,genre,license,path\n"
        "synth-m-en,Synthetic Alphaland note,2022-01-01,Alphaland; Betaland,en,statement,Synthetic (CC0),"
        "texts/synth-m-en.txt\n",
        encoding="utf-8",
    )
    wh = [
        _record(id="wh-2023-05-02-joint", date="2023-05-02", text=TEXT_JOINT,
                title="Joint Statement of Chile and the United States on Widget\\_Standards",
                repo_path="statements-releases/2023-05/2023-05-02-joint-statement-of-chile.md"),
        _record(id="wh-2023-05-03-disaster", date="2023-05-03", text=TEXT_JOINT.upper(),
                title="President Joseph R. Biden, Jr. Approves Ohio Disaster Declaration"),
        _record(id="wh-2023-05-04-dup", date="2023-05-04", text=TEXT_MANIFEST,
                title="Joint Statement of Japan and the United States on Widgets"),
    ]  # fmt: skip
    vp = [{"id": "vp-2020-0001", "date": "2020-10-01", "language": "fr", "publisher": VP,
           "license": "Licence Ouverte / Etalab 2.0 (content); repository MIT", "repo_path": "statements.csv",
           "tags": "International,Afrique", "text": TEXT_FR,
           "title": "Communiqué conjoint de la France et du Maroc sur les widgets de défense, "
                    "le 1er octobre 2020"}]  # fmt: skip
    for rec in wh:
        rec["license"] = "Public domain (U.S. federal government work)"
    paths = [folder / "wh-synthetic.jsonl.gz", folder / "vp-synthetic.jsonl"]
    with gzip.open(paths[0], "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in wh)
    paths[1].write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in vp), encoding="utf-8")
    return manifest, paths


@pytest.fixture(scope="module")
def synthetic_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("jsonl-build")
    manifest, paths = _write_fixture(root / "src")
    out = reference_build(manifest, root / "ref", jsonl=paths)
    return manifest, paths, out


def test_jsonl_records_join_the_set(synthetic_build):
    _manifest, _paths, out = synthetic_build
    docs = pd.read_csv(out / "documents.csv", dtype=str, keep_default_na=False).set_index("doc_id")
    # the disaster declaration is not selected; the record with the manifest's text is not added twice
    assert sorted(docs.index) == [
        "synth-m-en",
        "vp-2020-10-01-communique-conjoint-france-maroc-widgets-defense-fr",
        "wh-2023-05-02-joint-statement-chile-united-states-widget-en",
    ]
    wh = docs.loc["wh-2023-05-02-joint-statement-chile-united-states-widget-en"]
    assert (wh.genre, wh.parties, wh.format, wh.language, wh.date) == (
        "joint_statement", "United States; Chile", "bilateral", "en", "2023-05-02",
    )  # fmt: skip
    assert wh.title == "Joint Statement of Chile and the United States…"  # 8 words, escapes decoded
    assert wh.source_url == (
        "https://bidenwhitehouse.archives.gov/briefing-room/statements-releases/2023/05/02/"
        "joint-statement-of-chile/"
    )
    assert (wh.license, wh.complete, wh.sha256) == (
        "Public domain (U.S. federal government work)", "yes", sha256_text(TEXT_JOINT),
    )  # fmt: skip
    fr = docs.loc["vp-2020-10-01-communique-conjoint-france-maroc-widgets-defense-fr"]
    assert (fr.genre, fr.parties, fr.license) == (
        "communique",
        "France; Morocco",
        "Licence Ouverte / Etalab 2.0 (content)",
    )
    assert fr.source_url == "https://www.vie-publique.fr/discours"
    assert docs.loc["synth-m-en", "parties"] == "Alphaland; Betaland"  # the manifest's own metadata


def test_build_json_records_each_source(synthetic_build):
    _manifest, paths, out = synthetic_build
    build = json.loads((out / "build.json").read_text(encoding="utf-8"))
    wh, vp = build["sources"]
    assert wh == {
        "documents_added": 1, "duplicates": 1, "file": "wh-synthetic.jsonl.gz", "language_mismatch": 0,
        "no_date": 0, "records_read": 3, "records_selected": 2, "repeated": 0, "selection_version": "2",
        "sha256": sha256_file(paths[0]), "unreadable": 0,
    }  # fmt: skip
    assert (vp["records_read"], vp["records_selected"], vp["documents_added"]) == (1, 1, 1)
    assert build["selection_version"] == "2" and build["n_documents"] == 3
    assert build["build_command"].endswith("--jsonl ../shared/bench/vp-synthetic.jsonl")


def test_jsonl_document_counted_as_the_same_text_in_a_manifest(synthetic_build, tmp_path):
    # independent path: the same text as a manifest document gives the same features
    _manifest, _paths, out = synthetic_build
    (tmp_path / "t.txt").write_text(TEXT_JOINT, encoding="utf-8")
    (tmp_path / "m.csv").write_text(
        "id,title,date,parties,language,genre,license,path\nsame,Same,2023-05-02,Chile,en,statement,x,t.txt\n",
        encoding="utf-8",
    )
    direct = reference_set(reference_build(tmp_path / "m.csv", tmp_path / "ref"))
    ref = reference_set(out)
    doc = "wh-2023-05-02-joint-statement-chile-united-states-widget-en"
    for table in ("token_counts", "theme_counts", "phrase_counts"):
        a = getattr(ref, table).query("doc_id == @doc").drop(columns="doc_id").reset_index(drop=True)
        b = getattr(direct, table).drop(columns="doc_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=False)
    assert int(ref.docs.set_index("doc_id").loc[doc, "n_tokens"]) == WORDS_JOINT


def test_synthetic_build_is_deterministic_and_holds_no_text(synthetic_build, tmp_path):
    manifest, paths, out = synthetic_build
    again = reference_build(manifest, tmp_path / "again", jsonl=paths)
    for p in sorted(out.iterdir()):
        assert p.read_bytes() == (again / p.name).read_bytes(), p.name
    shipped = " ".join(
        (out / n).read_text(encoding="utf-8") for n in ("README.md", "documents.csv", "build.json")
    )
    for text in (TEXT_JOINT, TEXT_FR):
        sentences = [
            s.strip() for s in re.split(r"(?<=[.!?])\s+", re.sub(r"<[^>]+>", " ", text)) if s.strip()
        ]
        assert len(sentences) >= 2
        for sentence in sentences:
            assert sentence[:40] not in shipped


def test_reference_check_names_what_changed(synthetic_build, tmp_path, monkeypatch):
    import analysis.selection

    manifest, paths, out = synthetic_build
    assert reference_check(out, manifest=manifest, jsonl=paths) == ([], [])
    assert main(["reference", "check", "--reference", str(out), "--corpus", str(manifest),
                 "--jsonl", str(paths[0]), "--jsonl", str(paths[1])]) == 0  # fmt: skip
    # a source changed (a copy with one more record)
    changed = tmp_path / paths[1].name
    changed.write_text(paths[1].read_text(encoding="utf-8") * 2, encoding="utf-8")
    changes, _ = reference_check(out, manifest=manifest, jsonl=[paths[0], changed])
    assert changes == ["source vp-synthetic.jsonl: its sha256 changed since the build"]
    assert main(["reference", "check", "--reference", str(out), "--corpus", str(manifest),
                 "--jsonl", str(paths[0]), "--jsonl", str(changed)]) == 1  # fmt: skip
    # a source the build did not read; another dictionary; new selection rules
    extra = tmp_path / "other.jsonl"
    extra.write_text(paths[1].read_text(encoding="utf-8"), encoding="utf-8")
    changes, _ = reference_check(out, manifest=manifest, jsonl=[*paths, extra])
    assert changes == ["source other.jsonl: not read by the build (rebuild with it)"]
    other_dict = tmp_path / "d.yaml"
    other_dict.write_text(
        config.DEFAULT_DICTIONARY.read_text(encoding="utf-8").replace("version:", "# changed\nversion:", 1),
        encoding="utf-8",
    )
    changes, _ = reference_check(out, manifest=manifest, jsonl=paths, dictionary_path=other_dict)
    assert len(changes) == 1 and changes[0].startswith("dictionary d.yaml")
    monkeypatch.setattr(analysis.selection, "SELECTION_VERSION", "999")
    assert reference_check(out, manifest=manifest, jsonl=paths)[0] == [
        "selection version: 999 (built with 2)"
    ]


def test_reference_check_notes_absent_sources(synthetic_build, tmp_path):
    manifest, paths, out = synthetic_build
    changes, notes = reference_check(out, manifest=manifest)  # default place of the sources: absent
    assert changes == []
    assert any("wh-synthetic.jsonl.gz: absent" in n for n in notes)


# ------------------------------------------------------------------------------ shipped set
def test_shipped_set_is_large_and_fully_described():
    docs = pd.read_csv(config.REFERENCE_DIR / "documents.csv", dtype=str, keep_default_na=False)
    assert len(docs) >= 150
    assert docs["doc_id"].is_unique
    for col in ("language", "genre", "parties", "date"):
        assert (docs[col].str.strip() != "").all(), f"empty {col}"
    assert docs["date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert set(docs["genre"]) <= set(TITLE_GENRES)
    assert set(docs["language"]) == {"en", "fr"}
    # no column holds text: every cell is at most as long as a title or a licence statement
    lengths = {col: int(docs[col].str.len().max()) for col in docs.columns}
    assert max(v for k, v in lengths.items() if k not in ("license", "source_url")) <= 200, lengths
    n_words = docs["title"].map(lambda t: len(re.findall(r"\w+", t)))
    assert (n_words <= MAX_TITLE_WORDS).all()
    assert (docs["sha256"].str.fullmatch(r"[0-9a-f]{64}")).all()


def test_shipped_set_is_current():
    changes, _notes = reference_check()
    assert not changes, f"data/reference is stale: {changes}; run `make reference`"


@pytest.fixture(scope="module")
def shared_bench():
    paths = [BENCH / name for name in BENCH_FILES]
    if not config.SHARED_CORPUS_MANIFEST.exists() or not all(p.exists() for p in paths):
        pytest.skip(f"shared corpus or bench absent ({config.SHARED_DIR})")
    return config.SHARED_CORPUS_MANIFEST, paths


@pytest.mark.slow
def test_shipped_folder_is_a_fresh_build(shared_bench, tmp_path):
    """The one command (`make reference`) rebuilt now gives the shipped bytes (about 45 s)."""
    manifest, paths = shared_bench
    fresh = reference_build(manifest, tmp_path / "ref", jsonl=paths)
    names = sorted(p.name for p in config.REFERENCE_DIR.iterdir())
    assert names == sorted(p.name for p in fresh.iterdir())
    stale = [n for n in names if (config.REFERENCE_DIR / n).read_bytes() != (fresh / n).read_bytes()]
    assert not stale, f"data/reference is stale ({stale}): run `make reference` and commit the result"


def test_shipped_files_hold_no_sentence_of_the_bench_texts(shared_bench):
    from analysis.scale.sources import iter_documents

    def ngrams(text, n=9):
        words = re.findall(r"\w+", text.lower())
        return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}

    shipped = set()
    for name in ("README.md", "build.json"):
        shipped |= ngrams((config.REFERENCE_DIR / name).read_text(encoding="utf-8"))
    docs = pd.read_csv(config.REFERENCE_DIR / "documents.csv", dtype=str, keep_default_na=False)
    # every cell of documents.csv on its own, but the source URL (the title's slug) and the parties
    for col in docs.columns.drop(["source_url", "parties"]):
        for cell in docs[col]:
            shipped |= ngrams(cell)
    ours = set(docs["sha256"])
    _manifest, paths = shared_bench
    n = 0
    for path in paths:
        for record in iter_documents(path):
            if sha256_text(record["text"]) not in ours:
                continue
            n += 1
            meta = ngrams(f"{record['title']} {record.get('license', '')}")
            leaked = (ngrams(record["text"]) - meta) & shipped
            assert not leaked, f"{record['doc_id']}: {sorted(leaked)[:2]}"
    assert n >= 150


def test_shipped_metadata_holds_no_twelve_word_run_of_the_corpus_texts(shared_bench):
    # the whole documents.csv as one text (URL slugs, party lists and the next cell included),
    # against every text of ../shared/corpus: no run of 12 words in common. (Against the bench,
    # its cells but URLs and party lists are checked by the test above: a bench text may hold an
    # archive link, or an alphabetical list of a dozen countries, that metadata shares.)
    from analysis.corpus import corpus

    def words(text):
        return re.findall(r"\w+", text.lower())

    shipped = words((config.REFERENCE_DIR / "documents.csv").read_text(encoding="utf-8"))
    runs = {tuple(shipped[i : i + 12]) for i in range(len(shipped) - 11)}
    manifest, _paths = shared_bench
    for text in corpus(manifest).docs["text"]:
        w = words(text)
        found = [" ".join(w[i : i + 12]) for i in range(len(w) - 11) if tuple(w[i : i + 12]) in runs]
        assert not found, found[:1]
