"""Every path the project uses, derived from the package location.

Nothing else in the project builds paths from ``__file__`` or from ``..``:
notebooks, tests and the command line all import them from here.

The project root is found from the package location (``src/analysis`` in a
checkout). ``ANALYSIS_HOME`` overrides it, for an installed package that should
read and write another project folder; ``ANALYSIS_SHARED`` overrides where the
shared reference texts (``../shared``) are looked for.

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

PROJECT_ROOT: Path = Path(os.environ.get("ANALYSIS_HOME", PACKAGE_DIR.parents[1])).resolve()

DATA_DIR: Path = PROJECT_ROOT / "data"
RAW_DIR: Path = DATA_DIR / "raw"
RAW_MANIFEST: Path = RAW_DIR / "manifest.csv"
PROCESSED_DIR: Path = DATA_DIR / "processed"
REFERENCE_DIR: Path = DATA_DIR / "reference"

NOTEBOOKS_DIR: Path = PROJECT_ROOT / "notebooks"
REPORTS_DIR: Path = PROJECT_ROOT / "reports"
RUNS_DIR: Path = REPORTS_DIR / "runs"
LATEST_LINK: Path = REPORTS_DIR / "latest"
LOCK_FILE: Path = REPORTS_DIR / ".run.lock"

DICTIONARIES_DIR: Path = RESOURCES_DIR / "dictionaries"
DEFAULT_DICTIONARY: Path = DICTIONARIES_DIR / "defence_security.yaml"
STOPWORDS_DIR: Path = RESOURCES_DIR / "stopwords"
BOILERPLATE_FILE: Path = RESOURCES_DIR / "boilerplate.yaml"
ABBREVIATIONS_FILE: Path = RESOURCES_DIR / "abbreviations.yaml"
TEMPLATES_DIR: Path = RESOURCES_DIR / "templates"

SHARED_DIR: Path = Path(os.environ.get("ANALYSIS_SHARED", PROJECT_ROOT.parent / "shared")).resolve()
SHARED_CORPUS_MANIFEST: Path = SHARED_DIR / "corpus" / "manifest.csv"

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
