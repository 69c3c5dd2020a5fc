"""What one notebook of a run hands to a later one through the run folder.

The comparison is computed once per run, in ``03_comparison.ipynb``
(:func:`analysis.compare.compare`); that notebook saves it with
:func:`save_comparison` and ``04_report.ipynb`` reads it back with
:func:`load_comparison` instead of computing it again. The file stores the notebook
parameters that produced the comparison, and :func:`load_comparison` refuses a file
saved for other parameters (a stale ``reports/scratch`` in JupyterLab, say).

The file is a pickle: it holds the whole :class:`analysis.compare.Comparison`
(tables, dictionary, tokens, corpus) that the report sections need. It is a hand-off
between two kernels of the same run, not a data product: read it only from a run
folder this package wrote (the CSV files under ``tables/`` are the results to share).

Examples
--------
>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> path = save_comparison({"focus_id": "x"}, folder, {"focus_id": "x", "min_count": 3})
>>> path.name
'comparison.pickle'
>>> load_comparison(folder, {"focus_id": "x", "min_count": 3})
{'focus_id': 'x'}
>>> load_comparison(folder, {"focus_id": "x", "min_count": 5})
Traceback (most recent call last):
...
ValueError: ...comparison.pickle holds the comparison for other parameters (min_count: 3, not 5)...
"""

from __future__ import annotations

import logging
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from analysis.compare import Comparison

logger = logging.getLogger(__name__)

__all__ = ["COMPARISON_FILE", "load_comparison", "save_comparison"]

COMPARISON_FILE = "comparison.pickle"
"""Name of the saved comparison inside a run folder."""


def save_comparison(comp: Comparison, output_dir: Path | str, parameters: dict[str, Any]) -> Path:
    """Save a comparison into a run folder for the later notebooks of the same run.

    Parameters
    ----------
    comp : Comparison
        What :func:`analysis.compare.compare` returned.
    output_dir : path-like
        The run folder (a notebook's resolved ``output_dir``).
    parameters : dict
        The notebook parameters the comparison was computed from; :func:`load_comparison`
        checks them.

    Returns
    -------
    Path
        ``output_dir / "comparison.pickle"`` (written atomically).
    """
    from analysis.store import atomic_open

    path = Path(output_dir) / COMPARISON_FILE
    with atomic_open(path, "wb", encoding=None) as fh:
        payload = {"parameters": dict(parameters), "comparison": comp}
        pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
    logger.info("comparison saved for the later notebooks: %s", path)
    return path


def load_comparison(output_dir: Path | str, parameters: dict[str, Any]) -> Comparison:
    """Read back the comparison an earlier notebook of the run saved with :func:`save_comparison`.

    Parameters
    ----------
    output_dir : path-like
        The run folder.
    parameters : dict
        The parameters of the reading notebook; they must equal those the comparison was
        saved with.

    Returns
    -------
    Comparison

    Raises
    ------
    FileNotFoundError
        No comparison was saved in ``output_dir``.
    ValueError
        The saved comparison was computed from other parameters.
    """
    path = Path(output_dir) / COMPARISON_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no saved comparison: run 03_comparison.ipynb first, with the same output_dir"
        )
    with path.open("rb") as fh:
        saved = pickle.load(fh)  # our own run folder, written by save_comparison
    wanted = dict(parameters)
    if saved["parameters"] != wanted:
        names = sorted(set(saved["parameters"]) | set(wanted))
        diff = ", ".join(
            f"{n}: {saved['parameters'].get(n)!r}, not {wanted.get(n)!r}"
            for n in names
            if saved["parameters"].get(n) != wanted.get(n)
        )
        raise ValueError(
            f"{path} holds the comparison for other parameters ({diff}): "
            "run 03_comparison.ipynb again with these parameters"
        )
    return saved["comparison"]
