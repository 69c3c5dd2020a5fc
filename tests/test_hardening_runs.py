"""Hardening of outputs, corpus paths, run parameters and time budgets (issue "Hardening").

Each case runs the command line (``analysis.cli.main``) or the run API as a user would and
checks the exit code, the one-line message (it names the file or parameter and the problem)
and that nothing was written. ``data/raw`` is replaced by a copy in a temporary folder
(``config.RAW_DIR`` is read at call time), so a regression cannot destroy the real corpus.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import time
from pathlib import Path

import nbformat
import pytest

from analysis import config
from analysis.cli import main
from analysis.runs import ParameterError, RunFailed, parse_cli_params, run


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def raw(tmp_path, monkeypatch) -> Path:
    """A copy of data/raw that the project treats as its raw data for this test."""
    folder = tmp_path / "raw"
    shutil.copytree(config.RAW_DIR, folder)
    monkeypatch.setattr(config, "RAW_DIR", folder)
    monkeypatch.setattr(config, "RAW_MANIFEST", folder / "manifest.csv")
    return folder


def error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("analysis: error:")]
    assert len(lines) == 1, err
    return lines[0]


# ------------------------------------------------------------------ 1. raw data is sacred
@pytest.mark.parametrize(
    "argv",
    [
        ["count", "--corpus", "{raw}/manifest.csv", "--output", "{raw}/manifest.csv"],
        ["kwic", "ukrain*", "--corpus", "{raw}/manifest.csv", "--format", "csv",
         "--output", "{raw}/fr-ca-2024-09-26-press-fr.txt"],
        ["clean", "--corpus", "{raw}/manifest.csv", "--output", "{raw}"],
        ["count", "--corpus", "{raw}/manifest.csv", "--output", "{raw}/new/counts.csv"],
        ["count", "--source", "{raw}", "--output", "{raw}/parts"],
    ],
    ids=["count-over-manifest", "kwic-over-raw-text", "clean-into-raw", "count-into-raw-subfolder",
         "stream-into-raw"],
)  # fmt: skip
def test_outputs_inside_raw_data_are_refused(raw, capsys, argv):
    before = snapshot(raw)
    code = main([a.format(raw=raw) for a in argv])
    line = error_line(capsys)
    assert code == 2
    assert "refused to write inside" in line and str(raw) in line
    assert snapshot(raw) == before  # nothing replaced, nothing added


def test_an_output_through_a_symlink_into_raw_data_is_refused(raw, tmp_path, capsys):
    link = tmp_path / "innocent"
    link.symlink_to(raw, target_is_directory=True)
    before = snapshot(raw)
    code = main(["count", "--corpus", str(raw / "manifest.csv"), "--output", str(link / "manifest.csv")])
    assert code == 2
    assert "refused to write inside" in error_line(capsys)
    assert snapshot(raw) == before


def test_an_output_over_the_manifest_being_read_is_refused(tmp_path, capsys):
    corpus_dir = tmp_path / "mine"
    corpus_dir.mkdir()
    (corpus_dir / "a.txt").write_text("Lorem sécurité ipsum.\n", encoding="utf-8")
    manifest = corpus_dir / "manifest.csv"
    manifest.write_text("id,title,date,language,path\na,Synthetic,2024-01-01,fr,a.txt\n", encoding="utf-8")
    before = manifest.read_bytes()
    assert main(["count", "--corpus", str(manifest), "--output", str(manifest)]) == 2
    assert "manifest.csv: refused to write inside" in error_line(capsys)
    assert manifest.read_bytes() == before


def test_run_parameter_pointing_into_raw_data_is_refused_before_any_kernel(raw, capsys):
    t0 = time.monotonic()
    assert main(["run", "-p", f"processed_dir={raw}"]) == 2
    line = error_line(capsys)
    assert "parameter 'processed_dir'" in line and "refused to write inside" in line
    assert time.monotonic() - t0 < 10  # no kernel started (one takes 2-3 s, four notebooks more)


# ---------------------------------------------------------- 2. corpus paths stay inside
def outside_corpus(tmp_path: Path, path_value: str) -> Path:
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir(exist_ok=True)
    manifest = corpus_dir / "manifest.csv"
    manifest.write_text(
        f"id,title,date,language,path\nx,Synthetic,2024-01-01,fr,{path_value}\n", encoding="utf-8"
    )
    return manifest


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "secret" / "passwd.txt"
    path.parent.mkdir()
    path.write_text("root:x:0:0:synthetic secret sécurité\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["absolute", "dotdot", "symlink"])
def test_manifest_paths_leaving_the_corpus_are_refused(tmp_path, secret, capsys, kind):
    if kind == "absolute":
        manifest = outside_corpus(tmp_path, str(secret))
        expected = "is an absolute path"
    elif kind == "dotdot":
        manifest = outside_corpus(tmp_path, "../secret/passwd.txt")
        expected = "leaves the manifest's folder"
    else:
        manifest = outside_corpus(tmp_path, "link.txt")
        (manifest.parent / "link.txt").symlink_to(secret)
        expected = "resolves (symlink) outside"
    code = main(["kwic", "secret", "--corpus", str(manifest)])
    captured = capsys.readouterr()
    assert code == 2
    assert "synthetic secret" not in captured.out  # not read, not printed
    assert f"{manifest}, line 2, path: " in captured.err and expected in captured.err


def test_allow_outside_lets_the_user_read_a_named_folder(tmp_path, secret, capsys):
    manifest = outside_corpus(tmp_path, "../secret/passwd.txt")
    code = main(["--allow-outside", str(secret.parent), "count", "--corpus", str(manifest)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("doc_id,theme")


def test_a_source_folder_does_not_follow_symlinks_out(tmp_path, secret):
    from analysis.scale import SourceError, iter_documents

    folder = tmp_path / "source"
    folder.mkdir()
    (folder / "a.txt").write_text("Lorem sécurité ipsum.\n", encoding="utf-8")
    (folder / "b.txt").symlink_to(secret)
    with pytest.raises(SourceError, match=r"b\.txt: a symlink to .*passwd\.txt, outside"):
        list(iter_documents(folder))
    problems: list[str] = []
    ids = [doc["doc_id"] for doc in iter_documents(folder, on_error="skip", problems=problems)]
    assert ids == ["a"] and len(problems) == 1


# ------------------------------------------------------------------------- 5. timeouts
def sleeper(path: Path, cells: int, seconds: float) -> Path:
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})") for _ in range(cells)]
    )
    nbformat.write(nb, path)
    return path


def area_of(root: Path) -> dict[str, Path]:
    return {"runs_dir": root / "runs", "latest": root / "latest", "lock_file": root / ".run.lock"}


@pytest.mark.slow
def test_fractional_timeouts_and_a_total_budget_end_the_run_near_its_limit(tmp_path):
    """Each cell (1.5 s) is within the cell timeout (2.5 s), but six exceed the whole budget (4.5 s)."""
    notebook = sleeper(tmp_path / "slow.ipynb", cells=6, seconds=1.5)
    area = area_of(tmp_path)
    t0 = time.monotonic()
    with pytest.raises(RunFailed, match=r"total run timeout of 4\.5 s exceeded during slow\.ipynb"):
        run(notebooks=[notebook], cell_timeout=2.5, total_timeout=4.5, progress=False, **area)
    elapsed = time.monotonic() - t0
    assert elapsed < 4.5 + 3.0, elapsed  # the kernel is ended, not waited for (9 s of cells)
    (folder,) = area["runs_dir"].iterdir()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed"
    assert not area["latest"].exists()


@pytest.mark.slow
def test_a_fractional_cell_timeout_is_accepted(tmp_path):
    notebook = sleeper(tmp_path / "quick.ipynb", cells=1, seconds=0)
    result = run(
        notebooks=[notebook], cell_timeout=40.5, total_timeout=45.5, progress=False, **area_of(tmp_path)
    )
    assert result.run_dir.is_dir()


# ------------------------------------------------------- 7. parameter values refused early
@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        ("lang=de", "parameter 'lang': 'de' is not one of fr, en"),
        ("kwic_window=-1", "parameter 'kwic_window': -1 must be zero or more"),
        ("min_count=-3", "parameter 'min_count': -3 must be zero or more"),
        ("since=not-a-date", "parameter 'since': 'not-a-date' is not a date YYYY-MM-DD"),
        ("until=2024-02-30", "parameter 'until': '2024-02-30' is not a date YYYY-MM-DD"),
        ("reference_language=de", "parameter 'reference_language': 'de' is not one of"),
    ],
)
def test_bad_parameter_values_exit_2_before_any_kernel(capsys, pair, expected):
    t0 = time.monotonic()
    assert main(["run", "-p", pair]) == 2
    assert expected in error_line(capsys)
    assert time.monotonic() - t0 < 10


@pytest.mark.parametrize("argv", [["kwic", "ukrain*", "--window", "-2"], ["kwic", "", "--window", "3"]])
def test_kwic_with_a_bad_window_or_pattern_exits_2(capsys, argv):
    assert main(argv) == 2
    line = error_line(capsys)
    assert "window" in line or "pattern" in line


@pytest.mark.parametrize("option", [["--timeout", "-1"], ["--cell-timeout", "0"]])
def test_non_positive_timeouts_exit_2(capsys, option):
    assert main(["run", *option]) == 2
    assert "timeout" in error_line(capsys)


# ---------------------------------------------------------- 8. -p values as the user typed
@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        ("report_title=Ukraine #1 priority", "Ukraine #1 priority"),  # YAML would drop the comment
        ("report_title=Ukraine: a priority", "Ukraine: a priority"),  # YAML would make a mapping
        ("report_title=  Arctique ", "  Arctique "),
        ("report_title='42'", "42"),  # quotes make a string of a number
    ],
)
def test_p_values_keep_the_string_the_user_typed(pair, expected):
    assert parse_cli_params([pair], None) == {"report_title": expected}


def test_p_values_still_read_numbers_lists_and_booleans():
    assert parse_cli_params(["a=3", "b=0.5", "c=true", "d=[fr, en]"], None) == {
        "a": 3, "b": 0.5, "c": True, "d": ["fr", "en"],
    }  # fmt: skip


def test_duplicate_keys_in_a_parameter_file_are_refused(tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("lang: fr\nmin_count: 2\nlang: en\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"params\.yaml.*duplicate.*'lang'"):
        parse_cli_params([], params)


def test_a_parameter_file_that_is_not_utf8_exits_2(tmp_path, capsys):
    params = tmp_path / "params.yaml"
    params.write_bytes(b"report_title: S\xe9curit\xe9\n")
    assert main(["run", "-f", str(params)]) == 2
    assert "params.yaml" in error_line(capsys)


# ------------------------------------------------------------- 9. readable outputs, 0644
def test_the_pdf_is_written_0644_like_the_tables(tmp_path):
    from analysis.report import html_to_pdf

    previous = os.umask(0o022)
    try:
        pdf = html_to_pdf(
            "<html><body><p>Lorem sécurité ipsum.</p></body></html>", tmp_path / "r.pdf", base_dir=tmp_path
        )
    finally:
        os.umask(previous)
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o644
    assert not list(tmp_path.glob(".*.tmp"))


# --------------------------------------------------------- 6. signals and a full disk
FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"

SIGNAL_DURING_SWITCH = """
import os, signal, sys
from pathlib import Path
from analysis.runs import publish, run

root, notebook, signame = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
real_symlink = os.symlink

def symlink_then_signal(src, dst, *a, **k):  # the signal arrives in the middle of the switch
    os.kill(os.getpid(), getattr(signal, signame))
    return real_symlink(src, dst, *a, **k)

publish.os.symlink = symlink_then_signal  # where _switch_latest looks it up
run(notebooks=[notebook], runs_dir=root / "runs", latest=root / "latest",
    lock_file=root / ".run.lock", progress=False)
"""


@pytest.mark.slow
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
def test_a_signal_during_the_switch_of_latest_leaves_a_published_run(tmp_path, signame):
    import subprocess
    import sys

    script = tmp_path / "switch.py"
    script.write_text(SIGNAL_DURING_SWITCH, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path), str(FIXTURES / "ok.ipynb"), signame],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode != 0, proc.stderr  # the signal still ends the process, after the switch
    (folder,) = (tmp_path / "runs").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "succeeded"
    assert (tmp_path / "latest").resolve() == folder.resolve()
    assert not list(tmp_path.glob(".latest.tmp-*"))


@pytest.mark.slow
def test_a_full_disk_while_publishing_fails_the_run_and_keeps_latest(tmp_path, monkeypatch):
    import errno

    from analysis.runs import publish

    area = area_of(tmp_path)
    good = run(notebooks=[FIXTURES / "ok.ipynb"], progress=False, **area)

    def full(src, dst, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(publish.os, "symlink", full)
    with pytest.raises(RunFailed, match=r"publishing the run failed: .*\.latest\.tmp-\d+: No space left"):
        run(notebooks=[FIXTURES / "ok.ipynb"], progress=False, **area)
    assert area["latest"].resolve() == good.run_dir.resolve()  # still the last good run
    failed = [d for d in area["runs_dir"].iterdir() if d != good.run_dir]
    (folder,) = failed
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["status"] == "failed"
    assert not list(tmp_path.glob(".latest.tmp-*"))
    assert not list(folder.glob(".*.tmp"))
