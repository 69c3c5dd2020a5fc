"""Every path the project uses: the package's own files and the project folder's.

Nothing else in the project builds paths from ``__file__`` or from ``..``:
notebooks, tests and the command line all import them from here.

Two kinds of paths. The package's (``RESOURCES_DIR``: the dictionary, templates,
stopwords; in an installed package also the notebooks and the reference set) never
change. The project folder's (``RAW_DIR``, ``REPORTS_DIR``...) hold the user's data
and reports; the folder is found by :func:`find_project` (``ANALYSIS_HOME``, a folder
made by ``analysis init``, the source checkout, else the current folder) and
:func:`use_project` (``--project DIR``) changes it. ``ANALYSIS_SHARED`` overrides where
the shared reference texts (``../shared``) are looked for.

Examples
--------
>>> from analysis import config
>>> config.RAW_DIR.name
'raw'
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR: Path = Path(__file__).resolve().parent
RESOURCES_DIR: Path = PACKAGE_DIR / "resources"

SHIPPED_NOTEBOOKS_DIR: Path = RESOURCES_DIR / "notebooks"
"""The notebooks an installed package carries (``analysis init`` copies them)."""
SHIPPED_REFERENCE_DIR: Path = RESOURCES_DIR / "reference"
"""The derived reference set an installed package carries."""
PROJECT_MARKER: str = "analysis-project.yaml"
"""The file ``analysis init`` writes: it makes a folder a project folder."""
_CHECKOUT: Path = PACKAGE_DIR.parents[1]


def is_checkout(folder: Path) -> bool:
    """True when ``folder`` is a source checkout of the package (``src/analysis`` and ``notebooks``).

    Examples
    --------
    >>> is_checkout(Path("/"))
    False
    """
    return (folder / "pyproject.toml").is_file() and (folder / "src" / "analysis").is_dir() and (
        folder / "notebooks"
    ).is_dir()


def find_project(start: Path | str | None = None) -> Path:
    """The project folder: ``ANALYSIS_HOME``, else a folder marked by ``analysis init``, else the checkout.

    In order: the ``ANALYSIS_HOME`` environment variable (``--project DIR`` sets it); the
    current folder or its nearest parent holding ``analysis-project.yaml``; the source
    checkout the package runs from (``make setup``); otherwise the current folder.

    Examples
    --------
    >>> find_project().is_dir()
    True
    """
    home = os.environ.get("ANALYSIS_HOME")
    if home:
        return Path(home).expanduser().resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_MARKER).is_file():
            return folder
    if is_checkout(_CHECKOUT):
        return _CHECKOUT.resolve()
    return here


def use_project(root: Path | str) -> Path:
    """Make ``root`` the project folder of this process and of the kernels it starts.

    Every project path of this module (``RAW_DIR``, ``REPORTS_DIR``...) is derived again,
    and ``ANALYSIS_HOME`` is set so that notebook kernels read the same folder. Call it
    before other modules bind a path as a default (the command line does, for ``--project``).

    Examples
    --------
    >>> before = PROJECT_ROOT
    >>> use_project(before) == before
    True
    """
    root = Path(root).expanduser().resolve()
    os.environ["ANALYSIS_HOME"] = str(root)
    _derive(root)
    return root


def _derive(root: Path) -> None:
    global PROJECT_ROOT, DATA_DIR, RAW_DIR, RAW_MANIFEST, PROCESSED_DIR, PROJECT_REFERENCE_DIR, REFERENCE_DIR
    global NOTEBOOKS_DIR, REPORTS_DIR, RUNS_DIR, LATEST_LINK, LOCK_FILE, SHARED_DIR, SHARED_CORPUS_MANIFEST
    PROJECT_ROOT = root
    DATA_DIR = root / "data"
    RAW_DIR = DATA_DIR / "raw"
    RAW_MANIFEST = RAW_DIR / "manifest.csv"
    PROCESSED_DIR = DATA_DIR / "processed"
    PROJECT_REFERENCE_DIR = DATA_DIR / "reference"
    # the project's own reference set (``reference build``), else the one the package ships
    shipped = SHIPPED_REFERENCE_DIR if SHIPPED_REFERENCE_DIR.is_dir() else _CHECKOUT / "data" / "reference"
    REFERENCE_DIR = PROJECT_REFERENCE_DIR if (PROJECT_REFERENCE_DIR / "build.json").is_file() else shipped
    # the project's notebooks (``analysis init`` copies them), else the package's
    notebooks = root / "notebooks"
    shipped_nb = SHIPPED_NOTEBOOKS_DIR if SHIPPED_NOTEBOOKS_DIR.is_dir() else _CHECKOUT / "notebooks"
    NOTEBOOKS_DIR = notebooks if notebooks.is_dir() else shipped_nb
    REPORTS_DIR = root / "reports"
    RUNS_DIR = REPORTS_DIR / "runs"
    LATEST_LINK = REPORTS_DIR / "latest"
    LOCK_FILE = REPORTS_DIR / ".run.lock"
    SHARED_DIR = Path(os.environ.get("ANALYSIS_SHARED", root.parent / "shared")).resolve()
    SHARED_CORPUS_MANIFEST = SHARED_DIR / "corpus" / "manifest.csv"


PROJECT_ROOT: Path
DATA_DIR: Path
RAW_DIR: Path
RAW_MANIFEST: Path
PROCESSED_DIR: Path
PROJECT_REFERENCE_DIR: Path
"""Where ``reference build`` writes a project's own reference set (``data/reference``)."""
REFERENCE_DIR: Path
"""The reference set runs read: the project's own, else the shipped one."""
NOTEBOOKS_DIR: Path
REPORTS_DIR: Path
RUNS_DIR: Path
LATEST_LINK: Path
LOCK_FILE: Path
SHARED_DIR: Path
SHARED_CORPUS_MANIFEST: Path
_derive(find_project())

DICTIONARIES_DIR: Path = RESOURCES_DIR / "dictionaries"
DEFAULT_DICTIONARY: Path = DICTIONARIES_DIR / "defence_security.yaml"
STOPWORDS_DIR: Path = RESOURCES_DIR / "stopwords"
BOILERPLATE_FILE: Path = RESOURCES_DIR / "boilerplate.yaml"
ABBREVIATIONS_FILE: Path = RESOURCES_DIR / "abbreviations.yaml"
TEMPLATES_DIR: Path = RESOURCES_DIR / "templates"


REPORT_NOTEBOOKS: tuple[str, ...] = ("01_cleaning.ipynb", "02_themes.ipynb", "03_comparison.ipynb",
                                     "04_report.ipynb")  # fmt: skip
"""The notebooks a report run executes, in order (``05_explore`` is for JupyterLab and plain papermill)."""


def report_notebooks() -> list[Path]:
    """The report chain's notebooks present in ``NOTEBOOKS_DIR``, in order.

    Examples
    --------
    >>> [p.name for p in report_notebooks()][-1]
    '04_report.ipynb'
    """
    return [NOTEBOOKS_DIR / name for name in REPORT_NOTEBOOKS if (NOTEBOOKS_DIR / name).is_file()]


DEFAULT_FOCUS_ID: str = "fr-ca-2024-09-26-press-fr"
"""The document the default run analyses: the seed press article."""

MAX_DOCUMENT_BYTES: int = 20 * 1024 * 1024
"""Default size limit for one raw text file (configurable per call)."""

LANGUAGES: tuple[str, ...] = ("fr", "en")
"""Languages the tokeniser, stopword lists and dictionaries know."""


def matplotlib_cache_dir() -> Path:
    """Return a stable folder for matplotlib's font cache (scheduled runs reuse it).

    Examples
    --------
    >>> matplotlib_cache_dir().name
    'matplotlib'
    """
    return PROJECT_ROOT / ".cache" / "matplotlib"
