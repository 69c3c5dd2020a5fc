"""Tests for :mod:`analysis.runs`: unattended runs that never publish a broken report.

Every test writes under ``tmp_path`` (runs folder, ``latest`` link, lock file), never
into the project's ``reports/``. Tests that start kernels are marked ``slow``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

from analysis import config
from analysis.runs import (
    ParameterError,
    RunFailed,
    RunLocked,
    RunTerminated,
    declared_parameters,
    parse_cli_params,
    publish,
    run,
    signals,
    validate_parameters,
)

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
OK = FIXTURES / "ok.ipynb"


def area_of(root: Path) -> dict[str, Path]:
    return {
        "runs_dir": root / "runs",
        "latest": root / "latest",
        "lock_file": root / ".run.lock",
    }


def manifest_of(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"condition not met within {timeout} s")


def make_notebook(path: Path, parameters: str) -> Path:
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    return path


# --------------------------------------------------------------------------- a good run


@pytest.fixture(scope="module")
def area(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return area_of(tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="module")
def good_run(area: dict[str, Path]):
    calls: list[tuple[Path, dict]] = []
    handler_before = signal.getsignal(signal.SIGTERM)
    result = run(
        {"n": 2},
        notebooks=[OK],
        finalize=lambda run_dir, manifest: calls.append((run_dir, manifest)),
        progress=False,
        **area,
    )
    assert signal.getsignal(signal.SIGTERM) is handler_before
    return result, calls


@pytest.mark.slow
def test_ok_run_succeeds_and_latest_points_to_it(good_run, area):
    result, _ = good_run
    assert re.fullmatch(r"\d{8}T\d{6}Z-fixture(-\d+)?", result.run_dir.name)
    assert result.run_dir.parent == area["runs_dir"].resolve()
    latest = area["latest"]
    assert latest.is_symlink()
    assert os.readlink(latest) == f"runs/{result.run_dir.name}"
    assert latest.resolve() == result.run_dir.resolve()
    assert result.notebooks == [result.run_dir / "ok.ipynb"]
    for sub in ("figures", "tables"):
        assert (result.run_dir / sub).is_dir()
    table = (result.run_dir / "tables" / "ok.csv").read_text(encoding="utf-8")
    assert table == "focus_id,n\nfixture,2\n"
    assert not area["latest"].parent.joinpath(f".latest.tmp-{os.getpid()}").exists()


@pytest.mark.slow
def test_manifest_records_status_parameters_hashes_versions(good_run):
    result, _ = good_run
    manifest = manifest_of(result.run_dir)
    assert manifest == json.loads(json.dumps(result.manifest, default=str))
    assert manifest["status"] == "succeeded"
    assert manifest["message"] is None
    assert manifest["run_id"] == result.run_dir.name
    assert manifest["parameters"] == {
        "focus_id": "fixture",
        "n": 2,
        "output_dir": str(result.run_dir),
    }
    (entry,) = manifest["notebooks"]
    assert entry["status"] == "succeeded" and entry["duration_s"] > 0
    assert entry["parameters"] == {"n": 2, "output_dir": str(result.run_dir)}
    digest = hashlib.sha256(OK.read_bytes()).hexdigest()
    assert entry["sha256"] == digest
    assert manifest["input_hashes"][str(OK.resolve())] == digest
    for name in ("python", "analysis", "pandas", "papermill", "nbclient", "matplotlib", "nltk"):
        assert manifest["versions"][name]
    assert manifest["started_at"].endswith("Z") and manifest["finished_at"].endswith("Z")


@pytest.mark.slow
def test_finalize_is_called_before_success_and_log_is_written(good_run):
    result, calls = good_run
    ((run_dir, manifest),) = calls
    assert run_dir == result.run_dir
    assert manifest["status"] == "running"
    assert [e["status"] for e in manifest["notebooks"]] == ["succeeded"]
    log = (result.run_dir / "run.log").read_text(encoding="utf-8")
    assert re.search(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO .*notebook 1/1 ok\.ipynb started", log, re.M
    )
    assert re.search(r"notebook 1/1 ok\.ipynb finished in \d+\.\d s", log)


@pytest.mark.slow
def test_kernel_runs_with_this_interpreter(good_run):
    """The python3 kernelspec must resolve to the venv's interpreter, not a system python."""
    result, _ = good_run
    nb = nbformat.read(result.run_dir / "ok.ipynb", as_version=4)
    printed = "".join(
        out.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "stream"
    )
    prefix, backend, mplconfigdir = printed.splitlines()
    assert prefix == sys.prefix
    assert ".venv" in prefix or sys.prefix != sys.base_prefix
    assert backend == signals.INLINE_BACKEND  # not the Agg that conftest exports
    assert mplconfigdir == str(config.matplotlib_cache_dir())
    assert os.environ.get("MPLBACKEND") != signals.INLINE_BACKEND  # restored after the run


@pytest.mark.slow
def test_kernel_stderr_goes_to_run_log(good_run):
    result, _ = good_run
    log = (result.run_dir / "run.log").read_text(encoding="utf-8")
    assert "fixture: raw stderr of the kernel" in log


# --------------------------------------------------------------------------- failures


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("raises", r"raises\.ipynb: cell 2 \(`raise ValueError\(\"fixture failure\"\)`\) raised ValueError"),
        ("os_exit", r"os_exit\.ipynb: the kernel died during cell 2 \(`import os`\)"),
        ("sys_exit", r"sys_exit\.ipynb: .*cell 3 \(`after = True`\) never executed"),
        ("sleep", r"sleep\.ipynb: cell 2 \(`import time`\) timed out after 3 s \(cell timeout\)"),
    ],
    ids=["raises", "os_exit", "sys_exit", "sleep"],
)
def test_failing_notebook_fails_run_and_keeps_latest(good_run, area, fixture, expected):
    good, _ = good_run
    before = os.readlink(area["latest"])
    with pytest.raises(RunFailed) as info:
        run(notebooks=[FIXTURES / f"{fixture}.ipynb"], cell_timeout=3, **area)
    err = info.value
    assert re.search(expected, err.message), err.message
    assert os.readlink(area["latest"]) == before
    assert area["latest"].resolve() == good.run_dir.resolve()
    assert err.run_dir.is_dir() and err.run_dir != good.run_dir
    manifest = manifest_of(err.run_dir)
    assert manifest["status"] == "failed"
    assert manifest["message"] == err.message
    assert manifest["notebooks"][0]["status"] == "failed"
    assert (err.run_dir / f"{fixture}.ipynb").is_file()
    assert "failed" in (err.run_dir / "run.log").read_text(encoding="utf-8")


@pytest.mark.slow
def test_finalize_error_fails_run(tmp_path):
    area = area_of(tmp_path)

    def boom(run_dir: Path, manifest: dict) -> None:
        raise RuntimeError("pdf renderer exploded")

    with pytest.raises(RunFailed, match="finalize failed: RuntimeError: pdf renderer exploded"):
        run(notebooks=[OK], finalize=boom, progress=True, **area)
    assert not area["latest"].exists()
    (folder,) = area["runs_dir"].iterdir()
    assert manifest_of(folder)["status"] == "failed"


def test_total_timeout_checked_before_a_notebook(tmp_path):
    area = area_of(tmp_path)
    with pytest.raises(RunFailed, match="total run timeout of 1e-09 s exceeded before notebook 1/1"):
        run(notebooks=[OK], total_timeout=1e-9, **area)
    (folder,) = area["runs_dir"].iterdir()
    manifest = manifest_of(folder)
    assert manifest["status"] == "failed"
    assert manifest["notebooks"][0]["status"] == "skipped"
    assert not area["latest"].exists()


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("params", "pattern"),
    [
        ({"nope": 1}, r"unknown parameter 'nope'.*checked ok\.ipynb.*known parameters: focus_id, n"),
        ({"n": "three"}, r"parameter 'n' expects int \(default 1 in ok\.ipynb\), got str 'three'"),
        ({"n": True}, r"parameter 'n' expects int.*got bool True"),
        ({"n": 1.5}, r"parameter 'n' expects int.*got float 1\.5"),
        ({"focus_id": 2024}, r"parameter 'focus_id' expects str.*quote it.*declared in ok\.ipynb"),
        ({"focus_id": None}, r"parameter 'focus_id' expects str"),
        ({"output_dir": "/tmp/x"}, r"'output_dir' is set by the run itself"),
    ],
)
def test_bad_parameters_raise_before_anything_is_created(tmp_path, params, pattern):
    area = area_of(tmp_path)
    with pytest.raises(ParameterError, match=pattern):
        run(params, notebooks=[OK], **area)
    assert not area["runs_dir"].exists()
    assert not area["lock_file"].exists()


def test_parameter_types_and_union(tmp_path):
    a = make_notebook(tmp_path / "a.ipynb", "ratio = 0.5\nwords = ['x']\nanything = None\nn: int = 1")
    b = make_notebook(tmp_path / "b.ipynb", "n = 3\nlang = 'fr'\nexpr = len('ab')\noutput_dir = ''")
    assert declared_parameters(b) == {"n": 3, "lang": "fr", "expr": ..., "output_dir": ""}
    resolved, per_nb = validate_parameters(
        {"ratio": 2, "words": ["a", "b"], "anything": {"k": 1}, "expr": "whatever"}, [a, b]
    )
    assert resolved == {
        "ratio": 2,
        "words": ["a", "b"],
        "anything": {"k": 1},
        "n": 1,
        "lang": "fr",
        "expr": "whatever",
    }
    assert per_nb[a] == {"ratio": 2, "words": ["a", "b"], "anything": {"k": 1}}
    assert per_nb[b] == {"expr": "whatever"}
    with pytest.raises(ParameterError, match=r"parameter 'words' expects list.*got str"):
        validate_parameters({"words": "a"}, [a, b])
    with pytest.raises(ParameterError, match=r"parameter 'n' .*declared in a\.ipynb, b\.ipynb"):
        validate_parameters({"n": "x"}, [a, b])


def test_other_bad_arguments(tmp_path):
    area = area_of(tmp_path)
    with pytest.raises(ParameterError, match="not found"):
        run(notebooks=[tmp_path / "missing.ipynb"], **area)
    with pytest.raises(ParameterError, match="no notebooks"):
        run(notebooks=[], **area)
    with pytest.raises(ParameterError, match="keep"):
        run(notebooks=[OK], keep=0, **area)
    area["latest"].mkdir()
    with pytest.raises(ParameterError, match="not a symlink"):
        run(notebooks=[OK], **area)
    assert not area["runs_dir"].exists()


def test_parameter_files_are_hashed(tmp_path):
    dictionary = tmp_path / "dict.yaml"
    dictionary.write_text("security: [défense*]\n", encoding="utf-8")
    hashes = publish._parameter_files(
        {"dictionary": str(dictionary), "others": [str(dictionary), "fr"], "lang": "fr", "n": 3}
    )
    assert hashes == {str(dictionary.resolve()): hashlib.sha256(dictionary.read_bytes()).hexdigest()}


def test_parse_cli_params(tmp_path):
    assert parse_cli_params(["n=3", "lang=fr", "ids=[a, b]", "ratio=0.25", "flag=false"], None) == {
        "n": 3,
        "lang": "fr",
        "ids": ["a", "b"],
        "ratio": 0.25,
        "flag": False,
    }
    assert parse_cli_params(["year='2024'", "empty=", "when=2024-09-26", "eq=a=b"], None) == {
        "year": "2024",
        "empty": "",
        "when": "2024-09-26",
        "eq": "a=b",
    }
    assert parse_cli_params(["none=null"], None) == {"none": None}
    params = tmp_path / "params.yaml"
    params.write_text("n: 5\nfocus_id: fr-ca\ntop: [1, 2]\n", encoding="utf-8")
    assert parse_cli_params(["n=7"], params) == {"n": 7, "focus_id": "fr-ca", "top": [1, 2]}
    assert parse_cli_params([], params)["n"] == 5
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    assert parse_cli_params(None, tmp_path / "empty.yaml") == {}


@pytest.mark.parametrize(
    ("pairs", "text", "pattern"),
    [
        (["n"], None, "NAME=VALUE"),
        (["1n=3"], None, "not a Python identifier"),
        (["n=[1, 2"], None, "not valid YAML"),
        ([], "- a\n- b\n", "must hold a mapping"),
        ([], "n: [1\n", "not valid YAML"),
        ([], "1: a\n", "not a Python identifier"),
    ],
)
def test_parse_cli_params_errors(tmp_path, pairs, text, pattern):
    yaml_file = None
    if text is not None:
        yaml_file = tmp_path / "p.yaml"
        yaml_file.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match=pattern):
        parse_cli_params(pairs, yaml_file)
    with pytest.raises(ParameterError, match="cannot read"):
        parse_cli_params([], tmp_path / "absent.yaml")


# --------------------------------------------------------------------------- lock


def test_concurrent_run_is_refused_naming_the_holder(tmp_path):
    area = area_of(tmp_path)
    area["lock_file"].write_text(
        json.dumps({"pid": 4242, "run_id": "20260101T000000Z-other", "started_at": "x"}),
        encoding="utf-8",
    )
    with area["lock_file"].open("r+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(RunLocked, match=r"run 20260101T000000Z-other \(pid 4242") as info:
            run(notebooks=[OK], **area)
        assert info.value.holder["pid"] == 4242
    assert not area["runs_dir"].exists()


SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from analysis.runs import RunFailed, RunTerminated, run

    root = Path(sys.argv[1])
    try:
        run(
            notebooks=[Path(sys.argv[2])],
            runs_dir=root / "runs",
            latest=root / "latest",
            lock_file=root / ".run.lock",
            cell_timeout=60,
        )
    except RunTerminated:
        sys.exit(143)
    except RunFailed:
        sys.exit(1)
    """
)


def start_sleeping_run(root: Path) -> tuple[subprocess.Popen, Path]:
    """Start a run of the sleep fixture in another process; return once its cell runs."""
    script = root / "start_run.py"
    script.write_text(SCRIPT, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(root), str(FIXTURES / "sleep.ipynb")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    runs = root / "runs"

    def sleeping() -> bool:
        assert proc.poll() is None, "the run process ended early"
        try:
            (folder,) = runs.iterdir()
            nb = json.loads((folder / "sleep.ipynb").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return bool(nb["cells"][2]["metadata"].get("papermill", {}).get("start_time"))

    wait_until(sleeping, timeout=60)
    (folder,) = runs.iterdir()
    return proc, folder


def processes_in(folder: Path, exclude: int | None = None) -> list[int]:
    """Pids whose working directory is ``folder``: the run's kernel (and, while papermill
    executes, the runner itself, which papermill ``chdir``s there; pass its pid as ``exclude``)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and proc.name != str(exclude):
            try:
                if os.readlink(proc / "cwd") == str(folder.resolve()):
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


@pytest.mark.slow
def test_killed_run_leaves_no_stale_lock(tmp_path):
    area = area_of(tmp_path)
    proc, killed_dir = start_sleeping_run(tmp_path)
    try:
        with pytest.raises(RunLocked, match=rf"run {killed_dir.name} \(pid {proc.pid}"):
            run(notebooks=[OK], **area)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert manifest_of(killed_dir)["status"] == "running"  # nobody could say otherwise
    # the orphaned kernel notices its parent is gone (ipykernel's parent poller) and exits
    wait_until(lambda: not processes_in(killed_dir), timeout=15)

    result = run(notebooks=[OK], **area)
    assert result.manifest["status"] == "succeeded"
    assert area["latest"].resolve() == result.run_dir.resolve()
    abandoned = manifest_of(killed_dir)
    assert abandoned["status"] == "failed" and "abandoned" in abandoned["message"]


@pytest.mark.slow
def test_sigterm_marks_run_failed_and_stops_the_kernel(tmp_path):
    area = area_of(tmp_path)
    proc, run_dir = start_sleeping_run(tmp_path)
    assert processes_in(run_dir, exclude=proc.pid), "the kernel should run inside the run folder"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 143
    manifest = manifest_of(run_dir)
    assert manifest["status"] == "failed"
    assert manifest["message"] == "terminated by SIGTERM"
    assert manifest["notebooks"][0]["status"] == "failed"
    assert not area["latest"].exists()
    wait_until(lambda: not processes_in(run_dir), timeout=10)
    assert issubclass(RunTerminated, RunFailed)


# --------------------------------------------------------------------------- retention


def fake_run(runs_dir: Path, name: str) -> Path:
    folder = runs_dir / name
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text('{"status": "succeeded"}', encoding="utf-8")
    return folder


@pytest.mark.slow
def test_retention_keeps_the_newest_runs(tmp_path):
    area = area_of(tmp_path)
    old = [fake_run(area["runs_dir"], f"2020010{i}T000000Z-old") for i in range(1, 4)]
    stray = area["runs_dir"] / "notes"  # not a run folder: never touched
    stray.mkdir()
    result = run(notebooks=[OK], keep=2, **area)
    remaining = sorted(p.name for p in area["runs_dir"].iterdir())
    assert remaining == sorted([old[-1].name, result.run_dir.name, "notes"])


def test_retention_never_deletes_latest_target(tmp_path):
    area = area_of(tmp_path)
    runs = [fake_run(area["runs_dir"], f"2020010{i}T000000Z-old") for i in range(1, 5)]
    publish._switch_latest(area["latest"], runs[0])
    assert os.readlink(area["latest"]) == f"runs/{runs[0].name}"
    removed = publish._apply_retention(area["runs_dir"], 1, area["latest"], runs[-1])
    assert removed == runs[1:3]
    assert sorted(area["runs_dir"].iterdir()) == [runs[0], runs[-1]]


def test_a_spent_budget_raises_at_once_not_from_a_later_alarm():
    """Found by a flaky run: a budget already spent armed a 1 ms alarm that went off while the
    failure was being written, and the run said "while rendering the report"."""
    import time

    from analysis.runs.errors import _BudgetExceeded
    from analysis.runs.signals import time_budget

    for spent in (0.0, -5.0):
        ran = []
        with pytest.raises(_BudgetExceeded), time_budget(spent):
            ran.append(1)
        assert ran == []
    with time_budget(30):  # a budget left: the body runs and no alarm is left armed
        ran.append(2)
    time.sleep(0.01)
    assert ran == [2]


@pytest.mark.slow
def test_plain_papermill_runs_a_notebook_and_shows_typed_parameters(tmp_path):
    # what a user types after `make setup`: no kernel to register (the notebooks name python3)
    nb = config.NOTEBOOKS_DIR / "02_themes.ipynb"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    shown = subprocess.run([sys.executable, "-m", "papermill", "--help-notebook", str(nb)],
                           capture_output=True, text=True, check=True, env=env).stdout  # fmt: skip
    assert "kwic_window: int (default 8)" in shown and "lang: str" in shown
    out = tmp_path / "themes.ipynb"
    done = subprocess.run([sys.executable, "-m", "papermill", str(nb), str(out), "-p", "lang", "en",
                           "-p", "output_dir", str(tmp_path / "themes")],
                          capture_output=True, text=True, env=env, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "themes" / "tables").is_dir()
