"""The optional C extension ``analysis._fastkeys``, when it is built and current.

``setup.py`` compiles it when a C compiler is there (``make setup``). Without it,
the package installs and gives the same results with its Python and regex code,
more slowly. Each user also checks that the extension's copy of its rules (the
French elisions, the typography table) is its own before using it.
"""

from __future__ import annotations

import functools
import logging
from types import ModuleType

logger = logging.getLogger(__name__)

API = 4  # the API constant of src/analysis/_fastkeys.c in this version

try:
    from analysis import _fastkeys as _module
except ImportError:  # pragma: no cover - no C compiler at install time
    _module = None


@functools.cache
def fastkeys() -> ModuleType | None:
    """The C extension, or None when it is not built or was built from another version.

    Decided once per process (a stale build is reported once).

    Examples
    --------
    >>> fastkeys() is None or fastkeys().API == API
    True
    """
    if _module is None:
        return None
    if getattr(_module, "API", 1) != API:
        logger.warning("analysis._fastkeys was built from another version: rebuild it (make setup)")
        return None
    return _module
