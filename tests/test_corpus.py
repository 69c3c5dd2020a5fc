"""Corpus loading: encodings and bad files written by the tests themselves, manifests."""

from __future__ import annotations

import codecs
import csv
import hashlib

import pytest

from analysis import config
from analysis.corpus import (
    CorpusError,
    TextError,
    corpus,
    corpus_from_files,
    corpus_subset,
    read_text,
)

SYNTH = "Texte synthétique numéro {n} : la coopération fictive entre Alphaland et Betaland."


def _manifest(folder, rows, header=("id", "title", "date", "parties", "language", "path")):
    path = folder / "manifest.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_utf8(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(SYNTH.format(n=1).encode("utf-8"))
    assert read_text(p) == (SYNTH.format(n=1), "utf-8")


def test_utf8_bom(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(codecs.BOM_UTF8 + "Sécurité".encode())
    assert read_text(p) == ("Sécurité", "utf-8-sig")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path, codec):
    p = tmp_path / "a.txt"
    raw = "Défense — sécurité".encode(codec)
    if codec != "utf-16":  # explicit-endian codecs write no BOM: add it
        raw = (codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE) + raw
    p.write_bytes(raw)
    text, enc = read_text(p)
    assert text == "Défense — sécurité"
    assert enc == "utf-16"


def test_cp1252(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes("Coopération « renforcée » – œuvre".encode("cp1252"))
    assert read_text(p) == ("Coopération « renforcée » – œuvre", "cp1252")


def test_nfc_normalisation(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes("se\u0301curite\u0301".encode())  # decomposed é
    assert read_text(p)[0] == "sécurité"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"abc\x00def", "NUL"),
        (bytes(range(1, 32)) * 20, "binary"),
        (b"\x81\x8d\x8f\x90\x9d", "neither UTF-8 nor cp1252"),
        (b"   \n\t ", "no text"),
    ],
    ids=["empty", "nul", "binary", "undecodable", "blank"],
)
def test_bad_files(tmp_path, content, message):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(TextError, match=message) as err:
        read_text(p)
    assert str(p) in str(err.value)


def test_utf16_lone_surrogate(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(codecs.BOM_UTF16_LE + "ab".encode("utf-16-le") + b"\x00\xd8" + "c".encode("utf-16-le"))
    with pytest.raises(TextError, match="surrogate"):
        read_text(p)


def test_utf8_encoded_lone_surrogate_is_not_read_as_cp1252(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes("Texte synthétique ".encode() + b"\xed\xa0\x80" + b" fin")
    with pytest.raises(TextError, match="surrogate"):
        read_text(p)


def test_oversized(tmp_path):
    p = tmp_path / "big.txt"
    p.write_bytes(b"a" * 2000)
    with pytest.raises(TextError, match="above the limit"):
        read_text(p, max_bytes=1000)


def test_manifest_reports_all_problems_together(tmp_path):
    (tmp_path / "ok.txt").write_text(SYNTH.format(n=1), encoding="utf-8")
    (tmp_path / "ok2.txt").write_text(SYNTH.format(n=2), encoding="utf-8")
    (tmp_path / "nul.txt").write_bytes(b"x\x00y")
    m = _manifest(
        tmp_path,
        [
            ("doc-ok", "Synthetic 1", "2024-01-02", "Alphaland; Betaland", "fr", "ok.txt"),
            ("doc-ok", "Synthetic dup", "2024-01-02", "Alphaland", "fr", "ok2.txt"),
            ("doc-date", "Synthetic 3", "2024-13-45", "Alphaland", "fr", "ok2.txt"),
            ("doc-missing", "Synthetic 4", "2024-01-02", "Alphaland", "fr", "nowhere.txt"),
            ("doc-nul", "Synthetic 5", "2024-01-02", "Alphaland", "fr", "nul.txt"),
            ("doc-lang", "Synthetic 6", "2024-01-02", "Alphaland", "de", "ok2.txt"),
        ],
    )
    with pytest.raises(CorpusError) as err:
        corpus(m)
    msgs = [str(p) for p in err.value.problems]
    assert len(msgs) == 5, msgs
    assert any("line 3" in s and "duplicate id 'doc-ok'" in s for s in msgs)
    assert any("line 4" in s and "not an ISO date" in s for s in msgs)
    assert any("nowhere.txt" in s and "file not found" in s for s in msgs)
    assert any("nul.txt" in s and "NUL" in s for s in msgs)
    assert any("line 7" in s and "unknown language" in s for s in msgs)

    # skip mode: the good document still loads, the problems are kept, not silent
    corp = corpus(m, on_error="skip")
    assert corp.docs["doc_id"].tolist() == ["doc-ok"]
    assert len(corp.problems) == 5


def test_missing_required_column(tmp_path):
    m = _manifest(tmp_path, [("x", "2024-01-01")], header=("id", "date"))
    with pytest.raises(CorpusError, match="missing required column"):
        corpus(m)


def test_raw_data_loads_and_is_untouched():
    before = hashlib.sha256(config.RAW_DIR.joinpath("fr-ca-2024-09-26-press-fr.txt").read_bytes()).hexdigest()
    corp = corpus()
    doc = corp[config.DEFAULT_FOCUS_ID]
    assert doc["genre"] == "press_article"
    assert doc["parties"] == "Canada; France"
    assert doc["format"] == "bilateral"
    assert doc["sha256"] == before


def test_shared_manifest_reads_as_is(shared_manifest):
    corp = corpus(shared_manifest)
    assert len(corp) == 30
    assert set(corp.docs["language"]) == {"fr", "en"}
    assert (corp.docs["language"] == "fr").sum() == 15
    # trilateral statements (notes say so) are classified by their number of parties
    tri = corp.docs.set_index("doc_id").loc["fr-de-uk-2020-09-20-iran-fr"]
    assert (tri["n_parties"], tri["format"]) == (3, "trilateral")
    # a speech during a bilateral visit (notes: "Speech during BILATERAL state visit")
    assert corp["fr-lv-2020-09-29-macron-riga-fr"]["genre"] == "speech"
    assert set(corp.docs["complete"]) == {"yes", "probable"}


def test_subset_filters(shared_manifest):
    corp = corpus(shared_manifest)
    sub = corpus_subset(corp, language="en", parties="Canada", since="2023-01-01")
    assert sub.docs["doc_id"].tolist() == ["us-ca-2023-03-24-en", "us-ca-2024-05-16-en"]
    assert sub.history[-1]["op"] == "corpus_subset"


def test_corpus_from_files_detects_language(tmp_path):
    en = tmp_path / "synthetic-en.txt"
    en.write_text(
        "Synthetic title\n\nThe parties of Alphaland and Betaland agree to the plan.", encoding="utf-8"
    )
    corp = corpus_from_files([en])
    assert corp.docs.loc[0, "language"] == "en"


def test_corpus_from_files_keeps_a_first_sentence_paragraph(tmp_path):
    p = tmp_path / "synthetic-opening.txt"
    p.write_text("Alphaland salue Betaland.\n\nLes deux pays coopèrent.", encoding="utf-8")
    corp = corpus_from_files([p])
    # a first line ending with a full stop is a sentence, not a title: the title is the file stem
    assert corp.docs.loc[0, "title"] == "synthetic-opening"
    from analysis.clean import corpus_clean

    assert corpus_clean(corp).docs.loc[0, "text"].startswith("Alphaland salue Betaland.")


def test_date_filters_refuse_dates_that_compare_wrongly_as_text():
    """Dates are compared as text: only YYYY-MM-DD is safe, for every user of filter_documents."""
    import pandas as pd

    from analysis.corpus import filter_documents
    from analysis.reference import reference_set

    docs = pd.DataFrame({"doc_id": ["a", "b"], "date": ["2022-02-11", "2021-06-01"]})
    assert filter_documents(docs, since="2022-01-01")["doc_id"].tolist() == ["a"]  # by hand
    for bad in ("2022-1-1", "2024-02-30", "foo"):
        with pytest.raises(ValueError, match="not a date written YYYY-MM-DD"):
            filter_documents(docs, since=bad)
        with pytest.raises(ValueError, match="until"):
            reference_set().subset(until=bad)
