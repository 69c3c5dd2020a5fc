"""A non-editable install works outside the checkout: ``init``, ``run --text``, plain papermill.

The wheel is built from this checkout and installed into a fresh virtual environment
whose other dependencies are those of the test environment (a ``.pth`` line points at
its site-packages, so nothing is downloaded). Everything then runs in a temporary
folder, far from the checkout: a path derived from the package location would show.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from analysis import config

pytestmark = pytest.mark.slow

TEXT = (
    "Communiqué commun de l'Alphaland et de la Syldavie\n\n"
    "L'Alphaland et la Syldavie soutiennent l'Ukraine et renforcent leur coopération en matière de "
    "cybersécurité.\n\nIls mèneront des exercices de leurs forces armées dans l'Arctique.\n"
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    pytest.importorskip("hatchling")
    tmp = tmp_path_factory.mktemp("install")
    wheels = tmp / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels),
         str(config.PROJECT_ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = wheels.glob("diplotext-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    # the dependencies of this test environment, after the venv's own packages
    Path(purelib, "zz_test_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "-q", str(wheel)], check=True,
                   capture_output=True)  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANALYSIS_")}
    env["MPLBACKEND"] = "Agg"
    # data files of those dependencies (nbconvert's templates) are under this environment's prefix
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    work = tmp / "work"
    work.mkdir()
    return {"py": py, "bin": venv / "bin", "env": env, "work": work, "wheel": wheel, "purelib": Path(purelib)}


def _run(inst, *args, cwd=None, timeout=600):
    done = subprocess.run(
        [str(inst["py"]), *args], cwd=cwd or inst["work"], env=inst["env"], capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_the_wheel_carries_notebooks_reference_and_licence(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    for nb in config.NOTEBOOKS_DIR.glob("*.ipynb"):
        assert f"analysis/resources/notebooks/{nb.name}" in names
    assert "analysis/resources/reference/build.json" in names
    assert "analysis/resources/dictionaries/defence_security.yaml" in names
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert not any("data/raw" in n or n.startswith("tests/") for n in names)  # no user data, no seed


def test_installed_package_imports_from_the_venv_not_the_checkout(installed):
    out = _run(installed, "-c", "import analysis, analysis.config as c; print(analysis.__file__); "
               "print(c.PROJECT_ROOT); print(c.REFERENCE_DIR)").stdout.split("\n")  # fmt: skip
    assert Path(out[0]).is_relative_to(installed["purelib"])
    assert Path(out[1]) == installed["work"].resolve()  # the current folder, not site-packages
    assert Path(out[2]).is_relative_to(installed["purelib"])  # the shipped reference set


def test_init_then_run_text_then_plain_papermill_in_a_temporary_folder(installed):
    _run(installed, "-m", "analysis", "init", "study")
    study = installed["work"] / "study"
    (study / "statement.txt").write_text(TEXT, encoding="utf-8")
    _run(installed, "-m", "analysis", "-q", "run", "--text", "statement.txt", "--date", "2022-01-10",
         "--parties", "Alphaland; Syldavie", "--genre", "communique", cwd=study)  # fmt: skip
    latest = (study / "reports" / "latest").resolve()
    assert latest.parent == (study / "reports" / "runs").resolve()
    assert (latest / "report-statement-fr.pdf").stat().st_size > 10_000
    manifest = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "succeeded"
    corpus_manifest = manifest["parameters"]["corpus_manifest"]
    assert Path(corpus_manifest).is_relative_to(study.resolve() / "reports" / "texts")
    assert not any(installed["purelib"].joinpath("analysis").rglob("*.pdf"))  # nothing written there
    # plain papermill, each notebook, the python3 kernel of that environment
    for nb in sorted((study / "notebooks").glob("*.ipynb")):
        _run(installed, "-m", "papermill", "--no-progress-bar", str(nb), str(study / "reports" / nb.name),
             "-p", "focus_id", "statement", "-p", "corpus_manifest", corpus_manifest,
             "-p", "output_dir", str(study / "reports" / "scratch"), cwd=study)  # fmt: skip
    assert (study / "reports" / "scratch" / "tables").is_dir()
    # 05_explore ran too: its figures, its tables and the offline explorer
    scratch = study / "reports" / "scratch"
    for name in ("figures/explore_ca.png", "figures/explore_dendrogram.png", "figures/explore_wordcloud.png",
                 "explorer.html"):  # fmt: skip
        assert (scratch / name).stat().st_size > 500, name
    header = (scratch / "tables" / "explore_collocations.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("collocation,count")  # the synthetic text is too short for a collocation


PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Déclaration de l'Alphaland et de la Syldavie</title><meta name="date" content="2022-03-01"></head>
<body><nav>Accueil du portail syldave, Contact</nav><article>
<h1>Déclaration de l'Alphaland et de la Syldavie</h1>
<p>Les ministres de l'Alphaland et de la Syldavie réaffirment leur soutien à l'Ukraine
et à sa souveraineté.</p>
<p>Ils renforceront leur coopération en matière de cybersécurité et contre les ingérences étrangères.</p>
<p>Leurs forces armées conduiront des exercices communs dans l'Arctique au sein de l'OTAN.</p>
</article><footer>Mentions légales du portail syldave</footer></body></html>
"""


def test_fetch_a_page_served_locally_then_compare_it(installed, tmp_path):
    import functools
    import http.server
    import threading

    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "declaration.html").write_text(PAGE, encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _run(installed, "-m", "analysis", "init", "fetched")
        study = installed["work"] / "fetched"
        url = f"http://127.0.0.1:{server.server_address[1]}/declaration.html"
        out = _run(installed, "-m", "analysis", "-q", "fetch", url, "--id", "alpha-syl", "--parties",
                   "Alphaland; Syldavie", cwd=study).stdout  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert out.startswith("alpha-syl\t")
    text = (study / "data" / "raw" / "alpha-syl.txt").read_text(encoding="utf-8")
    assert "soutien à l'Ukraine" in text and "Mentions légales" not in text  # main text, no footer
    assert (study / "data" / "raw" / "alpha-syl.html").read_text(encoding="utf-8") == PAGE
    themes = _run(installed, "-m", "analysis", "-q", "compare", "--focus", "alpha-syl", cwd=study).stdout
    rows = {line.split(",")[0]: line for line in themes.splitlines()[1:]}
    assert "ukraine" in rows  # the page's text is compared with the shipped references
