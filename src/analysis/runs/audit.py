"""Checks of an executed notebook: a run is good only if every code cell really ran.

papermill marks cells "completed" after a kernel death or a cell timeout and returns
normally after ``sys.exit(0)`` with later cells never executed, so :func:`_audit` asks
every code cell for an execution count, a reply and no error output, and
:func:`_failure_message` names the notebook, the cell (numbered as in the file the
author edits) and its first line.

Examples
--------
>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
>>> _audit(nb)
'cell 0 (`x = 1`) never executed'
>>> nb.cells[0].execution_count = 1
>>> _audit(nb) is None
True
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def _first_line(source: Any) -> str:
    text = "".join(source) if isinstance(source, list) else str(source or "")
    for line in text.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= 80 else line[:77] + "..."
    return ""


def _numbered_cells(nb: Any) -> Iterator[tuple[str, Any]]:
    """Cells of an executed notebook with their label in the *source* notebook.

    papermill inserts an ``injected-parameters`` cell and, on error, markdown marker
    cells; they are skipped in the numbering so ``cell 2`` means cell 2 of the file
    the author edits.
    """
    index = 0
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "papermill-error-cell-tag" in tags:
            continue
        if "injected-parameters" in tags:
            yield "the injected-parameters cell", cell
            continue
        yield f"cell {index} (`{_first_line(cell.get('source'))}`)", cell
        index += 1


def _must_run(cell: Any) -> bool:
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    tags = cell.get("metadata", {}).get("tags", [])
    return cell.get("cell_type") == "code" and bool(source.strip()) and "skip-execution" not in tags


def _audit(nb: Any) -> str | None:
    """Why an executed notebook is not complete and clean, or None."""
    problems: list[str] = []
    unexecuted: list[str] = []
    for label, cell in _numbered_cells(nb):
        if not _must_run(cell):
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors and not problems:
            err = errors[0]
            problems.append(f"{label} raised {err.get('ename')}: {err.get('evalue')}")
        elif cell.get("execution_count") is None:
            unexecuted.append(label)
        elif "shell.execute_reply" not in cell.get("metadata", {}).get(
            "execution", {"shell.execute_reply": True}
        ):
            unexecuted.append(f"{label} (started, never finished)")
    if unexecuted:
        more = f" and {len(unexecuted) - 1} later cell(s)" if len(unexecuted) > 1 else ""
        problems.append(f"{unexecuted[0]}{more} never executed")
    return "; ".join(problems) or None


def _current_cell(nb: Any) -> str | None:
    """Label of the last cell papermill started (the one running when execution stopped)."""
    current = None
    for label, cell in _numbered_cells(nb):
        if cell.get("metadata", {}).get("papermill", {}).get("start_time"):
            current = label
    return current


def _read_executed(path: Path) -> Any | None:
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # half-written by papermill when stopped mid-write
        return None


def _failure_message(
    name: str, exc: BaseException, executed: Path, timeout: float, total_limited: bool
) -> str:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    nb = _read_executed(executed)
    where = _current_cell(nb) if nb is not None else None
    at = f" during {where}" if where else ""
    if isinstance(exc, PapermillExecutionError):
        detail = _audit(nb) if nb is not None else None
        return f"notebook {name}: " + (detail or f"{exc.ename}: {exc.evalue}")
    if isinstance(exc, CellTimeoutError):
        kind = "total run timeout" if total_limited else "cell timeout"
        return f"notebook {name}: {where or 'a cell'} timed out after {timeout:g} s ({kind})"
    if isinstance(exc, DeadKernelError):
        return f"notebook {name}: the kernel died{at}"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"notebook {name}: {type(exc).__name__}{at}: {first}".rstrip(": ")
