"""Issue 14 (hardening), input side: encodings, size limits, corrupt sources, Dask, messages.

Every fixture is synthetic ("Lorem sécurité ipsum"); every expected number is a hand
count, given in the test's docstring or a comment next to it. Each case goes through the
command line (``analysis.cli.main``) where one exists: exit code 2 for bad input, and a
one-line message naming the file (and line or row) and the problem.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
from pathlib import Path

import pytest

from analysis import config
from analysis.cli import main
from analysis.corpus import read_text, safe_path
from analysis.scale import engines as scale_engines
from analysis.scale import sources as scale_sources

# "sécurité" 3 times in UTF-8 (C3 A9 for each é), then one stray cp1252 apostrophe (0x92).
# Bytes by hand: "Lorem " 0-5, "s" 6, C3 A9 7-8, "curit" 9-13, C3 A9 14-15, " " 16, "l" 17,
# 0x92 at 18: the first invalid UTF-8 byte is byte 18, the first UTF-8 'é' byte 7.
MIXED = "Lorem sécurité l".encode() + b"\x92ipsum s\xc3\xa9curit\xc3\xa9, s\xc3\xa9curit\xc3\xa9.\n"


def _error_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("analysis: error") or "  - " in line]
    assert lines, err
    return lines


def _count_source(source: Path, tmp_path: Path, *extra: str) -> int:
    return main(["count", "--source", str(source), "--output", str(tmp_path / "out"), "--jobs", "1", *extra])


def _jsonl(path: Path, records: list[dict], *, gz: bool = False) -> Path:
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def _parquet(path: Path, records: list[dict]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(records), path)
    return path


# ------------------------------------------------------------------------- (3) encodings
def test_mixed_encodings_file_is_refused_with_the_byte_offset(tmp_path, capsys):
    """UTF-8 'sécurité' plus one stray 0x92: refused, not read as cp1252 (``sÃ©curitÃ©``, 0 hits).

    Offsets by hand (see ``MIXED``): invalid byte 0x92 at byte 18, UTF-8 'é' at byte 7.
    """
    path = tmp_path / "mixed.txt"
    path.write_bytes(MIXED)
    assert main(["count", str(path), "--language", "fr"]) == 2
    message = _error_lines(capsys)[-1]
    assert str(path) in message
    assert "mixed encodings: invalid UTF-8 byte 0x92 at byte 18, yet the UTF-8 of 'é' at byte 7" in message


def test_mixed_encodings_in_a_manifest_name_the_row(tmp_path, capsys):
    """The same bytes through a manifest: the problem names the text, CSV line 2 and byte 18 (hand count)."""
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "lorem-mixed.txt").write_bytes(MIXED)
    manifest = tmp_path / "manifest.csv"
    with manifest.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "date", "language", "path"])
        w.writerow(["lorem-mixed", "Lorem mixed", "2024-01-02", "fr", "texts/lorem-mixed.txt"])  # line 2
    assert main(["count", "--corpus", str(manifest)]) == 2
    message = _error_lines(capsys)[-1]
    assert "lorem-mixed.txt, line 2, path: mixed encodings: invalid UTF-8 byte 0x92 at byte 18" in message


def test_utf8_apostrophe_next_to_a_cp1252_one_is_refused(tmp_path, capsys):
    """A UTF-8 '’' (E2 80 99, cp1252 mojibake ``â€™``) and a cp1252 '’' (0x92) in one file.

    Bytes by hand: "Lorem l" 0-6, E2 80 99 at 7-9, "ipsum, l" 10-17, 0x92 at 18.
    """
    path = tmp_path / "apostrophes.txt"
    path.write_bytes(b"Lorem l\xe2\x80\x99ipsum, l\x92ipsum s\xe9curit\xe9.\n")
    assert main(["count", str(path), "--language", "fr"]) == 2
    message = _error_lines(capsys)[-1]
    assert str(path) in message
    assert "invalid UTF-8 byte 0x92 at byte 18, yet the UTF-8 of '’' at byte 7" in message


def test_text_encoded_twice_is_refused(tmp_path, capsys):
    """Valid UTF-8 of the mojibake ``sÃ©curitÃ©``: 'Ã' (C3 83) starts at byte 7 ("Lorem s" is 7 bytes)."""
    path = tmp_path / "twice.txt"
    path.write_text("Lorem sÃ©curitÃ© ipsum.\n", encoding="utf-8")
    assert main(["count", str(path), "--language", "fr"]) == 2
    message = _error_lines(capsys)[-1]
    assert str(path) in message
    assert "text encoded twice: 'Ã©' at byte 7 is the UTF-8 of 'é' read as cp1252" in message


def test_a_run_of_random_high_bytes_is_refused(tmp_path, capsys):
    """0xA4 0xA6 0xA8 0xB4 ('¤¦¨´' in cp1252) after "Lorem ipsum " (12 bytes): a run of 4 at byte 12."""
    path = tmp_path / "noise.txt"
    path.write_bytes(b"Lorem ipsum \xa4\xa6\xa8\xb4 dolor.\n")
    assert main(["count", str(path), "--language", "fr"]) == 2
    message = _error_lines(capsys)[-1]
    assert str(path) in message
    assert "invalid UTF-8 byte 0xA4 at byte 12" in message
    assert "a run of 4 high bytes that are neither letters nor punctuation at byte 12" in message


def test_scattered_random_high_bytes_are_refused(tmp_path, capsys):
    """'¤', '¦', '¨' and one 'é' (cp1252): 3 of the 4 high bytes are symbols.

    The first is at byte 6 ("Lorem " is 6 bytes).
    """
    path = tmp_path / "scattered.txt"
    path.write_bytes("Lorem ¤ ipsum ¦ dolor ¨ sit é amet.\n".encode("cp1252"))
    assert main(["count", str(path), "--language", "fr"]) == 2
    message = _error_lines(capsys)[-1]
    assert str(path) in message
    assert "3 of its 4 high bytes are neither letters nor punctuation (random bytes?)" in message
    assert "the first at byte 6" in message


def test_genuine_cp1252_french_is_accepted_and_counted(tmp_path, capsys):
    """é è à ç ’ « » œ and a no-break space in cp1252 are read; "sécurité" appears 3 times (hand count).

    "liberté\\xa0»" is E9 A0 BB: a valid UTF-8 sequence (U+983B), but not one of an accented
    letter or of typography, so it does not make the file "mixed".
    """
    path = tmp_path / "genuine.txt"
    path.write_bytes(
        "Lorem sécurité ipsum, l’été à Genève, « façon ipsum sécurité\xa0» et œuvre de liberté\xa0» ; "
        "sécurité.\n".encode("cp1252")
    )
    assert read_text(path)[1] == "cp1252"
    assert main(["count", str(path), "--language", "fr"]) == 0
    out = capsys.readouterr().out
    rows = {row["theme"]: row for row in csv.DictReader(io.StringIO(out))}
    assert rows["security_defence"]["count"] == "3"


def test_the_streaming_path_applies_the_same_encoding_rule_to_text_files(tmp_path, capsys):
    """``count --source FOLDER``: the mixed file of ``MIXED`` is refused, byte 18 named (hand count)."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Lorem sécurité ipsum.\n", encoding="utf-8")
    (folder / "b.txt").write_bytes(MIXED)
    assert _count_source(folder, tmp_path) == 2
    message = _error_lines(capsys)[-1]
    assert str(folder / "b.txt") in message
    assert "mixed encodings: invalid UTF-8 byte 0x92 at byte 18" in message


@pytest.mark.parametrize(
    ("name", "where"), [("c.jsonl", "c.jsonl, line 2"), ("c.parquet", "c.parquet, row 2")]
)
def test_the_streaming_path_refuses_mojibake_in_records(tmp_path, capsys, name, where):
    """Record 2's text is ``sÃ©curitÃ©``: 'Ã' at byte 7 of the text ("Lorem s" is 7 bytes)."""
    records = [
        {"id": "a", "text": "Lorem sécurité ipsum.", "language": "fr"},
        {"id": "b", "text": "Lorem sÃ©curitÃ© ipsum.", "language": "fr"},
    ]
    path = tmp_path / "in" / name
    (_jsonl if name.endswith(".jsonl") else _parquet)(path, records)
    assert _count_source(path, tmp_path) == 2
    message = _error_lines(capsys)[-1]
    assert f"{where}: text encoded twice: 'Ã©' at byte 7" in message


# ------------------------------------------------------------- (4) one size limit per document
@pytest.mark.parametrize("name", ["c.jsonl", "c.jsonl.gz"])
def test_a_jsonl_record_above_the_document_limit_is_refused(tmp_path, capsys, monkeypatch, name):
    """Limit set to 4096 bytes; line 2 is 5021 bytes by hand.

    ``{"id":"b","text":"`` is 18 bytes, then 5000 'x', then ``"}`` (2) and the line end (1).
    """
    monkeypatch.setattr(config, "MAX_DOCUMENT_BYTES", 4096)
    path = tmp_path / "in" / name
    path.parent.mkdir()
    lines = '{"id":"a","text":"Lorem ipsum."}\n' + '{"id":"b","text":"' + "x" * 5000 + '"}\n'
    data = lines.encode()
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    assert _count_source(path, tmp_path, "--language", "fr") == 2
    message = _error_lines(capsys)[-1]
    assert f"{name}, line 2: record is 5021 bytes, above the limit of 4096 bytes per document" in message


def test_a_parquet_text_above_the_document_limit_is_refused(tmp_path, capsys, monkeypatch):
    """Limit set to 4096 bytes; row 2's text is 5000 ASCII 'x', 5000 bytes (hand count)."""
    monkeypatch.setattr(config, "MAX_DOCUMENT_BYTES", 4096)
    path = _parquet(
        tmp_path / "in" / "c.parquet",
        [{"id": "a", "text": "Lorem ipsum."}, {"id": "b", "text": "x" * 5000}],
    )
    assert _count_source(path, tmp_path, "--language", "fr") == 2
    message = _error_lines(capsys)[-1]
    assert "c.parquet, row 2: text is 5000 bytes, above the limit of 4096 bytes per document" in message


def test_a_long_line_is_never_held_whole(tmp_path, monkeypatch):
    """The slicer and the slice reader read a 50,000-byte line in pieces; only its size comes back."""
    monkeypatch.setattr(config, "MAX_DOCUMENT_BYTES", 1000)
    path = tmp_path / "c.jsonl"
    path.write_bytes(b'{"id":"a","text":"Lorem."}\n' + b"y" * 50_000 + b"\n")  # 26 + 1, then 50,001 bytes
    with path.open("rb") as fh:
        assert [(n, line is None) for n, line in scale_sources._bounded_lines(fh, 1000)] == [
            (27, False),
            (50_001, True),
        ]
    problems: list[str] = []
    pieces = list(scale_sources.iter_jsonl_slices(path, chunk_bytes=100))
    assert [(p.first_line, p.n_lines) for p in pieces] == [(1, 1), (2, 1)]
    docs = scale_sources.read_jsonl_slice(pieces[1], language="fr", on_error="skip", problems=problems)
    assert docs == [] and problems == [
        "c.jsonl, line 2: record is 50001 bytes, above the limit of 1000 bytes per document"
    ]


# ------------------------------------------------------------------- (7) corrupt sources
def test_a_truncated_gzip_source_exits_2(tmp_path, capsys):
    """A .jsonl.gz cut in the middle: exit 2 naming the file (not an EOFError, exit 1)."""
    records = [{"id": f"d{i}", "text": f"Lorem ipsum {i} sécurité.", "language": "fr"} for i in range(200)]
    whole = _jsonl(tmp_path / "whole.jsonl.gz", records, gz=True).read_bytes()
    path = tmp_path / "in" / "c.jsonl.gz"
    path.parent.mkdir()
    path.write_bytes(whole[: len(whole) // 2])
    assert _count_source(path, tmp_path) == 2
    message = _error_lines(capsys)[-1]
    assert "c.jsonl.gz: truncated or corrupt gzip file after line" in message


def test_a_corrupt_parquet_source_exits_2(tmp_path, capsys):
    """Bytes that are not Parquet under a .parquet name: exit 2 naming the file."""
    path = tmp_path / "in" / "c.parquet"
    path.parent.mkdir()
    path.write_bytes(b"PAR1 Lorem ipsum, not a Parquet file")
    assert _count_source(path, tmp_path) == 2
    message = _error_lines(capsys)[-1]
    assert "c.parquet: not a readable Parquet file after row 0" in message


def test_deeply_nested_json_metadata_exits_2(tmp_path, capsys):
    """100,000 nested '[' in line 1's metadata: exit 2 naming the file and line (not a RecursionError)."""
    path = tmp_path / "in" / "c.jsonl"
    path.parent.mkdir()
    path.write_text(
        '{"id": "a", "text": "Lorem ipsum.", "meta": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
        encoding="utf-8",
    )
    assert _count_source(path, tmp_path, "--language", "fr") == 2
    message = _error_lines(capsys)[-1]
    assert "c.jsonl, line 1: JSON nested too deeply" in message


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("not-an-address", "expected HOST:PORT"),
        ("tcp://", "expected HOST:PORT"),
        ("tcp://:8786", "no host"),
        ("tcp://host:notaport", "port 'notaport' is not a number from 1 to 65535"),
        ("tcp://host:70000", "port '70000' is not a number from 1 to 65535"),
        ("htp://host:8786", "unknown scheme 'htp'"),
    ],
)
def test_a_malformed_scheduler_address_exits_2_before_connecting(
    tmp_path, capsys, monkeypatch, address, problem
):
    def no_connection(*args, **kwargs):
        raise AssertionError("a connection was tried")

    monkeypatch.setattr(scale_engines, "_run_dask", no_connection)
    path = _jsonl(tmp_path / "in" / "c.jsonl", [{"id": "a", "text": "Lorem ipsum.", "language": "fr"}])
    assert _count_source(path, tmp_path, "--engine", "dask", "--scheduler", address) == 2
    message = _error_lines(capsys)[-1]
    assert f"--scheduler {address!r}: {problem}" in message


@pytest.mark.slow
def test_a_dask_scheduler_without_workers_fails_after_the_timeout(tmp_path, capsys, monkeypatch):
    """A scheduler with no worker: the run fails (exit 1) after DASK_WORKER_TIMEOUT (2 s), not never."""
    distributed = pytest.importorskip("dask.distributed")
    monkeypatch.setattr(scale_engines, "DASK_WORKER_TIMEOUT", 2.0)
    path = _jsonl(tmp_path / "in" / "c.jsonl", [{"id": "a", "text": "Lorem ipsum.", "language": "fr"}])
    with distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=None) as cluster:
        started = time.monotonic()
        code = _count_source(path, tmp_path, "--engine", "dask", "--scheduler", cluster.scheduler_address)
        assert time.monotonic() - started < 20
    assert code == 1
    assert "no worker after 2 s" in _error_lines(capsys)[-1]


@pytest.mark.slow
def test_a_dask_cluster_that_loses_every_worker_fails_after_the_timeout(tmp_path, monkeypatch):
    """After the first of 20 chunks the cluster is scaled to 0 workers: the run fails within the timeout."""
    distributed = pytest.importorskip("dask.distributed")
    monkeypatch.setattr(scale_engines, "DASK_WORKER_TIMEOUT", 2.0)
    docs = [{"id": f"d{i:02d}", "text": f"Lorem ipsum {i}.", "language": "fr"} for i in range(20)]
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as watcher,
    ):

        def lose_every_worker(snapshot: dict) -> None:
            if snapshot["chunks"] == 1:
                cluster.scale(0)
                deadline = time.monotonic() + 15
                while watcher.nthreads() and time.monotonic() < deadline:
                    time.sleep(0.1)

        started = time.monotonic()
        with pytest.raises(RuntimeError, match="no worker left for 2 s"):
            scale_engines.count_corpus(
                docs,
                tmp_path / "out",
                engine="dask",
                scheduler=cluster.scheduler_address,
                chunk_docs=1,
                max_in_flight=1,
                progress=lose_every_worker,
            )
        assert time.monotonic() - started < 30


# --------------------------------------------------------------- (7) escaped file names
FORGED = "lorem\x1b[2K\nanalysis: error: forged.txt"


def test_safe_path_escapes_control_characters():
    assert safe_path(FORGED) == "lorem\\x1b[2K\\nanalysis: error: forged.txt"
    assert safe_path("sécurité/Зеленський.txt") == "sécurité/Зеленський.txt"


def test_a_file_name_with_a_newline_cannot_forge_a_message_line(tmp_path, capsys):
    """An empty file whose name holds a newline and an escape: its name is escaped in the message."""
    path = tmp_path / FORGED
    path.write_bytes(b"")
    assert main(["count", str(path), "--language", "fr"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err
    forged = [line for line in err.splitlines() if "forged" in line]
    assert len(forged) == 1 and f"{safe_path(path)}: empty file" in forged[0], err


def test_a_streamed_file_name_with_a_newline_is_escaped(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / (FORGED)).write_bytes(MIXED)
    assert _count_source(folder, tmp_path) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert [line for line in err.splitlines() if "forged" in line] == [
        f"analysis: error: {safe_path(folder / FORGED)}: mixed encodings: "
        "invalid UTF-8 byte 0x92 at byte 18, yet the UTF-8 of 'é' at byte 7 (a UTF-8 text with stray bytes?)"
    ]


# --------------------------------------------------------------------- (9) empty records
@pytest.mark.parametrize("name", ["c.jsonl", "c.jsonl.gz", "c.parquet"])
@pytest.mark.parametrize("text", ["", " \n\t\u00a0 "])
def test_a_record_with_no_text_is_refused(tmp_path, capsys, name, text):
    """Record 2 of 2 has an empty or white-space-only text: refused like an empty .txt file."""
    records = [
        {"id": "a", "text": "Lorem ipsum.", "language": "fr"},
        {"id": "b", "text": text, "language": "fr"},
    ]
    path = tmp_path / "in" / name
    if name.endswith(".parquet"):
        _parquet(path, records)
    else:
        _jsonl(path, records, gz=name.endswith(".gz"))
    assert _count_source(path, tmp_path) == 2
    where = f"{name}, row 2" if name.endswith(".parquet") else f"{name}, line 2"
    assert f"{where}: no text (empty or only white space)" in _error_lines(capsys)[-1]
