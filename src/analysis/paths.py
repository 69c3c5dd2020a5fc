"""File names as messages show them.

Every message of the package that names a file goes through :func:`safe_path`,
so that a file name cannot forge or hide a line of a message.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

logger = logging.getLogger(__name__)

__all__ = ["safe_path"]

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def safe_path(path: Path | str) -> str:
    """A file name as error messages show it: control and layout characters escaped.

    A name with a newline, a carriage return, a terminal escape or a bidi control
    cannot forge a line of a message nor hide part of one: those characters are
    written as Python escapes (``\\n``, ``\\x1b``, ``\\u202e``); every other
    character is kept. Every message naming a file goes through this function.

    Parameters
    ----------
    path : path-like or str

    Returns
    -------
    str

    Examples
    --------
    >>> safe_path("corpus/a.txt")
    'corpus/a.txt'
    >>> print(safe_path("a\\nanalysis: error: forged.txt"))
    a\\nanalysis: error: forged.txt
    """
    return _UNSAFE.sub(lambda m: repr(m.group())[1:-1], str(path))
