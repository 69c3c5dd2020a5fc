"""Writers at the edges of the pipeline: every file is written atomically.

A file is written to a temporary name in its destination folder, flushed, then
moved over the destination with ``os.replace``: a reader (or a scheduler
watching the folder) never sees half a file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)


class OutputRefused(ValueError):  # noqa: N818 (reads as the event, like RunLocked)
    """An output path that would overwrite raw data (``data/raw`` or a corpus's own files)."""


_PROTECTED: list[Path] = []


def protect(path: Path | str | None) -> None:
    """Refuse, for the rest of the process, any output at or inside ``path``.

    ``data/raw`` is always protected; commands add the manifests, sources and text files
    they read. ``None`` forgets what was added before (``data/raw`` stays protected).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> protect(folder)
    >>> check_output(folder / "x.csv")
    Traceback (most recent call last):
    ...
    analysis.store.OutputRefused: ...
    """
    if path is None:
        _PROTECTED.clear()
        return
    resolved = Path(path).resolve()
    if resolved not in _PROTECTED:
        _PROTECTED.append(resolved)


def check_output(path: Path | str) -> Path:
    """Return ``path`` if a command may write there; refuse raw data (symlinks followed).

    Raises
    ------
    OutputRefused
        ``path`` is, or lies inside, ``data/raw`` or a protected corpus folder.

    Examples
    --------
    >>> from analysis import config
    >>> check_output(config.RAW_DIR / "manifest.csv")
    Traceback (most recent call last):
    ...
    analysis.store.OutputRefused: ...
    """
    from analysis import config
    from analysis.corpus import safe_path

    target = Path(path)
    resolved = target.resolve()
    for root in (config.RAW_DIR.resolve(), *_PROTECTED):
        if resolved == root or resolved.is_relative_to(root):
            raise OutputRefused(
                f"{safe_path(target)}: refused to write inside {safe_path(root)} "
                "(raw data is never overwritten; choose another output)"
            )
    return target


@contextlib.contextmanager
def atomic_path(path: Path | str, *, raw_import: bool = False, exclusive: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` on success.

    Parameters
    ----------
    path : path-like
        The destination.
    raw_import : bool
        An explicit import (``analysis add``, ``analysis fetch``) writing into ``data/raw``:
        the raw-data guard is lifted for this one file, which must lie in ``data/raw``.
    exclusive : bool
        Never replace an existing file: :class:`FileExistsError` if ``path`` exists, even
        when another process created it meanwhile (the file is linked into place).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    >>> with atomic_path(target, exclusive=True) as tmp:
    ...     _ = tmp.write_text("again")
    Traceback (most recent call last):
    ...
    FileExistsError: ...
    """
    from analysis import config

    if raw_import:
        path = Path(path)
        if not path.resolve().parent.is_relative_to(config.RAW_DIR.resolve()):
            raise OutputRefused(f"{path}: a raw import writes inside {config.RAW_DIR} only")
    else:
        path = check_output(path)
    if exclusive and path.exists():
        raise FileExistsError(f"{path} exists; an import never overwrites a file")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; give the usual permissions
    try:
        yield tmp
        if exclusive:
            os.link(tmp, path)  # FileExistsError if it appeared meanwhile: never replaced
        else:
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_open(path: Path | str, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a file for writing atomically (see :func:`atomic_path`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_open(target) as fh:
    ...     _ = fh.write("ok")
    >>> target.read_text()
    'ok'
    """
    with atomic_path(path) as tmp:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": ""}
        with open(tmp, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())


def write_parquet(df: pd.DataFrame, path: Path | str) -> Path:
    """Write a table as compressed Parquet, atomically, with deterministic bytes.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> p = write_parquet(pd.DataFrame({"a": [1]}), pathlib.Path(tempfile.mkdtemp()) / "t.parquet")
    >>> pd.read_parquet(p)["a"].tolist()
    [1]
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata(None)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", write_statistics=False)
    logger.debug("wrote %s (%d rows)", path, len(df))
    return Path(path)


CSV_DIALECTS: dict[str, dict[str, object]] = {
    "plain": {"sep": ",", "decimal": ".", "bom": False, "spreadsheet": False},
    "bom": {"sep": ",", "decimal": ".", "bom": True, "spreadsheet": True},
    "excel-fr": {"sep": ";", "decimal": ",", "bom": True, "spreadsheet": True},
}
"""CSV flavours: ``plain`` (the project's own), ``bom`` (UTF-8 with BOM), ``excel-fr`` (BOM, ``;``
between fields, decimal comma: what a spreadsheet in a French locale opens by double-click). The two
spreadsheet flavours write a text cell starting with ``= + - @`` (a title such as ``=HYPERLINK(…)``)
behind an apostrophe, so that the spreadsheet shows it instead of running it as a formula."""
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _no_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as formulas, behind an apostrophe."""
    text = [c for c in df.columns if df[c].dtype == object or str(df[c].dtype) in ("string", "str")]
    if not text:
        return df
    out = df.copy()
    for column in text:
        out[column] = out[column].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START)
                                      else v, na_action="ignore")  # fmt: skip
    return out


def write_csv(df: pd.DataFrame, path: Path | str, *, bom: bool = False, dialect: str = "plain") -> Path:
    """Write a table as UTF-8 CSV, atomically (floats with full precision).

    Parameters
    ----------
    df : DataFrame
        The table (its index is not written).
    path : path-like
        The destination.
    bom : bool
        Start the file with the UTF-8 byte order mark (``utf-8-sig``): Excel opens such a
        file as UTF-8 (accents intact) where it would otherwise guess the machine's code page
        (cp1252 on a French Windows). The separator stays ``,``.
    dialect : str
        One of :data:`CSV_DIALECTS`; ``excel-fr`` also writes ``;`` and decimal commas
        (a French-locale spreadsheet splits fields on ``;``).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> p = write_csv(pd.DataFrame({"a": [0.5]}), pathlib.Path(tempfile.mkdtemp()) / "t.csv")
    >>> p.read_text()
    'a\\n0.5\\n'
    >>> write_csv(pd.DataFrame({"é": [1]}), p, bom=True).read_bytes()
    b'\\xef\\xbb\\xbf\\xc3\\xa9\\n1\\n'
    >>> write_csv(pd.DataFrame({"a": [0.5], "b": ["x;y"]}), p, dialect="excel-fr").read_bytes()
    b'\\xef\\xbb\\xbfa;b\\n0,5;"x;y"\\n'
    >>> write_csv(pd.DataFrame({"t": ["=1+1"]}), p, dialect="excel-fr").read_text(encoding="utf-8-sig")
    "t\\n'=1+1\\n"
    """
    if dialect not in CSV_DIALECTS:
        raise ValueError(f"CSV dialect {dialect!r}: one of {', '.join(CSV_DIALECTS)}")
    flavour = CSV_DIALECTS[dialect]
    bom = bom or bool(flavour["bom"])
    if flavour["spreadsheet"]:
        df = _no_formulas(df)
    with atomic_open(path, encoding="utf-8-sig" if bom else "utf-8") as fh:
        df.to_csv(fh, index=False, lineterminator="\n", sep=flavour["sep"], decimal=flavour["decimal"])
    logger.debug("wrote %s (%d rows%s)", path, len(df), ", with BOM" if bom else "")
    return Path(path)


#: Excel's limits: sheet name length, rows and columns of a sheet, characters in a cell.
EXCEL_SHEET_NAME_MAX = 31
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_CELL_CHARS = 32_767
_SHEET_NAME_FORBIDDEN = frozenset("[]:*?/\\")


def excel_sheet_names(names: Iterable[str]) -> list[str]:
    """Valid, unique Excel sheet names for ``names``, in order.

    A character Excel forbids (``[]:*?/\\`` and control characters) becomes ``_``; leading
    and trailing apostrophes are dropped; an empty name becomes ``Sheet``; ``History``
    (reserved by Excel) becomes ``History_``; a name is cut to 31 characters; a name equal
    to an earlier one, ignoring case as Excel does, gets ``~2``, ``~3``... (within 31 characters).

    Examples
    --------
    >>> excel_sheet_names(["themes", "a/b:c", "x" * 40, "Themes", "'", "history"])
    ['themes', 'a_b_c', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'Themes~2', 'Sheet', 'history_']
    """
    out: list[str] = []
    used: set[str] = set()
    for raw in names:
        name = "".join("_" if ch in _SHEET_NAME_FORBIDDEN or ord(ch) < 32 else ch for ch in str(raw))
        name = name.strip("'") or "Sheet"
        if name.lower() == "history":
            name += "_"
        name = name[:EXCEL_SHEET_NAME_MAX]
        candidate, n = name, 1
        while candidate.lower() in used:
            n += 1
            suffix = f"~{n}"
            candidate = name[: EXCEL_SHEET_NAME_MAX - len(suffix)] + suffix
        used.add(candidate.lower())
        out.append(candidate)
    return out


def _excel_safe(df: pd.DataFrame, sheet: str) -> pd.DataFrame:
    """``df`` with text cells Excel can hold: no XML-illegal control characters, at most 32,767 characters."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from pandas.api.types import is_string_dtype

    changed = {"illegal": 0, "long": 0}

    def fix(value: object) -> object:
        if not isinstance(value, str):
            return value
        clean = ILLEGAL_CHARACTERS_RE.sub("", value)
        changed["illegal"] += clean != value
        if len(clean) > EXCEL_MAX_CELL_CHARS:
            changed["long"] += 1
            clean = clean[:EXCEL_MAX_CELL_CHARS]
        return clean

    text = [c for c in df.columns if df[c].dtype == object or is_string_dtype(df[c].dtype)]
    if not text:
        return df
    out = df.copy()
    for column in text:
        out[column] = out[column].map(fix, na_action="ignore")
    if changed["illegal"]:
        logger.warning("sheet %s: control characters removed from %d cells", sheet, changed["illegal"])
    if changed["long"]:
        logger.warning(
            "sheet %s: %d cells cut to %d characters", sheet, changed["long"], EXCEL_MAX_CELL_CHARS
        )
    return out


def write_xlsx(tables: Mapping[str, pd.DataFrame], path: Path | str) -> Path:
    """Write tables as one Excel workbook, one sheet per table (in order), atomically.

    Sheet names come from the keys through :func:`excel_sheet_names`. Every text cell is
    written as text, never as a formula (a cell reading ``=1+1`` stays those four characters);
    missing values are empty cells. Numbers keep 16 significant digits (openpyxl's format;
    Excel shows 15): the CSV files are the full-precision copy.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Sheet name to table (the index is not written).
    path : path-like
        The destination, normally ``….xlsx``.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        No table, or a table over Excel's limits (1,048,576 rows with the header, 16,384 columns).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd, openpyxl
    >>> p = write_xlsx({"a/b": pd.DataFrame({"x": [1, 2]})}, pathlib.Path(tempfile.mkdtemp()) / "t.xlsx")
    >>> book = openpyxl.load_workbook(p)
    >>> book.sheetnames, [c.value for c in book["a_b"]["A"]]
    (['a_b'], ['x', 1, 2])
    """
    import pandas as pd

    if not tables:
        raise ValueError(f"{path}: a workbook needs at least one table")
    for key, df in tables.items():
        if len(df) + 1 > EXCEL_MAX_ROWS or len(df.columns) > EXCEL_MAX_COLUMNS:
            raise ValueError(
                f"{path}: table {key!r} ({len(df)} rows, {len(df.columns)} columns) is over Excel's limits "
                f"({EXCEL_MAX_ROWS - 1} rows, {EXCEL_MAX_COLUMNS} columns)"
            )
    names = excel_sheet_names(tables)
    with atomic_open(path, "wb") as fh, pd.ExcelWriter(fh, engine="openpyxl") as writer:
        for name, (key, df) in zip(names, tables.items(), strict=True):
            if name != key:
                logger.debug("table %r written as sheet %r", key, name)
            _excel_safe(df, name).to_excel(writer, sheet_name=name, index=False)
            for row in writer.sheets[name].iter_rows():
                for cell in row:
                    if cell.data_type == "f":  # openpyxl reads a text starting with "=" as a formula
                        cell.data_type = "s"
    logger.debug("wrote %s (%d sheets)", path, len(names))
    return Path(path)


def write_text(text: str, path: Path | str) -> Path:
    """Write a text file atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> write_text("x", pathlib.Path(tempfile.mkdtemp()) / "a.txt").read_text()
    'x'
    """
    with atomic_open(path) as fh:
        fh.write(text)
    return Path(path)
