"""A project folder: where a researcher's own texts, processed data and reports live.

The package carries its dictionary, templates, notebooks and reference set; a project
folder holds what is the user's: ``data/raw`` (texts imported with ``analysis add`` or
``analysis fetch``), ``data/processed``, ``reports`` and a copy of the notebooks to adapt.
``analysis init DIR`` makes one; commands run inside it (or with ``--project DIR``, or
``ANALYSIS_HOME``) read and write it (:func:`analysis.config.find_project`).

Examples
--------
>>> import tempfile, pathlib
>>> folder = init_project(pathlib.Path(tempfile.mkdtemp()) / "my-study")
>>> sorted(p.name for p in folder.iterdir())
['README.md', 'analysis-project.yaml', 'data', 'notebooks', 'reports']
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

from analysis import __version__, config
from analysis.paths import safe_path

logger = logging.getLogger(__name__)

__all__ = ["ProjectExistsError", "init_project"]


class ProjectExistsError(FileExistsError):
    """``init`` on a folder that already holds a project or files it would overwrite."""


_README = """# {name}

A project folder of diplotext (`analysis` {version}), made on {date}.

- `data/raw/`: your statements. Import a text with
  `analysis add --text my_statement.txt --title "…" --date 2031-05-04 --parties "Alphaland; Syldavie"`
  or a web page with `analysis fetch URL`; both refuse to overwrite.
- `reports/`: each run's folder (`reports/runs/…`) and `reports/latest`.
- `notebooks/`: the analysis chain, to open in JupyterLab or run with papermill.

Analyse a text without importing it:

    analysis run --text my_statement.txt --date 2031-05-04 --parties "Alphaland; Syldavie"

Commands run in this folder read and write it; elsewhere, add `--project {folder}`.
"""


def init_project(folder: Path | str) -> Path:
    """Create a project folder: data folders, an empty manifest, the notebooks and a README.

    Parameters
    ----------
    folder : path-like
        The folder to create (it may exist if empty).

    Returns
    -------
    Path
        The project folder, resolved.

    Raises
    ------
    ProjectExistsError
        The folder already is a project, or is not empty.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = init_project(pathlib.Path(tempfile.mkdtemp()) / "study")
    >>> (folder / "data" / "raw" / "manifest.csv").read_text(encoding="utf-8").split(",")[:4]
    ['id', 'title', 'date', 'parties']
    >>> init_project(folder)
    Traceback (most recent call last):
    ...
    analysis.project.ProjectExistsError: ...
    """
    from analysis.ingest import MANIFEST_COLUMNS
    from analysis.store import write_text

    root = Path(folder).expanduser().resolve()
    if (root / config.PROJECT_MARKER).exists():
        raise ProjectExistsError(f"{safe_path(root)} is already a project folder ({config.PROJECT_MARKER})")
    if root.exists() and any(root.iterdir()):
        raise ProjectExistsError(
            f"{safe_path(root)} is not empty; init makes a new folder or fills an empty one"
        )
    notebooks = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no notebooks to copy in {safe_path(config.NOTEBOOKS_DIR)}")
    for sub in ("data/raw", "data/processed", "reports", "notebooks"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for nb in notebooks:
        shutil.copyfile(nb, root / "notebooks" / nb.name)
    today = dt.date.today().isoformat()
    # the manifest is raw data: written once here, then only by `add` and `fetch`
    (root / "data" / "raw" / "manifest.csv").write_text(",".join(MANIFEST_COLUMNS) + "\n", encoding="utf-8")
    readme = _README.format(name=root.name, version=__version__, date=today, folder=root)
    write_text(readme, root / "README.md")
    write_text(
        f"# made by `analysis init`: this folder is a diplotext project (data/raw, reports, notebooks)\n"
        f"created: {today}\npackage: diplotext {__version__}\n",
        root / config.PROJECT_MARKER,
    )
    logger.info("project folder %s made with %d notebooks", safe_path(root), len(notebooks))
    return root
