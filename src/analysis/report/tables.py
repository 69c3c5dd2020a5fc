"""Print tables: a DataFrame as a table, and keyword-in-context excerpts.

Numbers are written in the style of the report's language (:mod:`analysis.i18n`):
``1 234,57`` in French, ``1,234.57`` in English, with a true minus sign.

Examples
--------
>>> import pandas as pd
>>> from analysis.report.tables import table
>>> "<thead>" in table(pd.DataFrame({"n": [1]})).html
True
"""

from __future__ import annotations

import html as html_lib
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from analysis import i18n
from analysis.report.blocks import Block, _check_lang, _esc, clean_text

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)

NumberFormat = str | Callable[[Any], str]


def _apply_format(value: Any, spec: NumberFormat, lang: str) -> str:
    """Format ``value`` with a callable, or a format spec (``".2f"``, ``"{:.1%}"``) localized."""
    if callable(spec):
        return str(spec(value))
    text = spec.format(value) if "{" in spec else format(value, spec)
    return i18n.localize_number(text, lang)


def _is_missing(value: Any) -> bool:
    """Return True for None, NaN, NaT and pandas' NA (False for anything non-scalar)."""
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _cell_text(value: Any, max_chars: int, lang: str) -> str:
    """Return escaped cell text, visibly shortened beyond ``max_chars`` characters."""
    text = clean_text(value)
    if len(text) > max_chars:
        hidden = len(text) - max_chars
        text = text[:max_chars] + i18n.messages(i18n.REPORT, lang)["cell_truncated"].format(
            hidden=i18n.fmt_number(hidden, "en", 0)  # English grouping in both languages, as before
        )
    return html_lib.escape(text, quote=True)


def _truncation_note(total: int, shown: int, empty: str, not_shown: str, lang: str) -> list[str]:
    """The visible note under a table or excerpt list: nothing to show, or rows left out."""
    if total == 0:
        return [f'<p class="note table-note">{_esc(empty)}</p>']
    if total > shown:
        text = not_shown.format(
            hidden=i18n.default_number(total - shown, lang), total=i18n.default_number(total, lang)
        )
        return [f'<p class="note table-note">{_esc(text)}</p>']
    return []


def table(
    df: pd.DataFrame,
    caption: str | None = None,
    number_format: NumberFormat | Mapping[str, NumberFormat] | None = None,
    max_rows: int = 60,
    *,
    index: bool = False,
    lang: str = "fr",
    max_cell_chars: int = 1000,
    links: Sequence[Any] = (),
) -> Block:
    """Build a print table from a DataFrame.

    Cells are escaped; numeric columns are right-aligned (class ``num``); the
    header is a ``<thead>``, which weasyprint repeats on every page the table
    spans; rows beyond ``max_rows`` are left out with a visible note, never
    silently.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    caption : str, optional
        Caption printed above the table.
    number_format : str, callable or mapping, optional
        Format of numeric cells: a format spec (``".1f"``, ``"{:.1%}"``; its
        output is written in the number style of ``lang``), a callable (used as
        is), or a mapping column → spec/callable (other columns keep the default:
        thousands separators and two decimals, in the style of ``lang``).
    max_rows : int
        Largest number of rows printed.
    index : bool
        Print the index as the first column(s).
    lang : str
        Language of the number style and of the notes.
    max_cell_chars : int
        Longer cell texts are cut, with a visible "[…n characters omitted]".
    links : sequence of column names
        Columns whose ``http(s)://`` values are printed as links (the PDF keeps them clickable).

    Returns
    -------
    Block
        The table.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"theme": ["défense"], "n": [1234]})
    >>> html = table(df, caption="Thèmes").html
    >>> '<td class="num">1\u202f234</td>' in html and "<thead>" in html
    True
    >>> table(pd.DataFrame({"url": ["https://example.org/a"]}), links=["url"]).html.count("<a href=")
    1
    """
    import pandas as pd
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"table() expects a pandas DataFrame, got {type(df).__name__}")
    lang = _check_lang(lang)
    if max_rows < 0:
        raise ValueError("max_rows must be >= 0")
    messages = i18n.messages(i18n.REPORT, lang)
    frame = df.reset_index() if index else df
    total = len(frame)
    shown = frame.iloc[:max_rows]

    columns = list(frame.columns)
    numeric = []
    for position in range(len(columns)):
        dtype = frame.dtypes.iloc[position]
        numeric.append(is_numeric_dtype(dtype) and not is_bool_dtype(dtype))

    def header_text(column: Any) -> str:
        if isinstance(column, tuple):
            return " / ".join(clean_text(part) for part in column if str(part))
        return clean_text(column)

    def formatter(column: Any) -> Callable[[Any], str]:
        spec: NumberFormat | None = (
            number_format.get(column) if isinstance(number_format, Mapping) else number_format
        )
        if spec is None:
            return lambda value: i18n.default_number(value, lang)
        return lambda value: _apply_format(value, spec, lang)

    formatters = [
        formatter(column) if is_num else None for column, is_num in zip(columns, numeric, strict=True)
    ]
    linked = [column in set(links) for column in columns]

    head = "".join(
        f'<th scope="col" class="num">{_esc(header_text(column))}</th>'
        if is_num
        else f'<th scope="col">{_esc(header_text(column))}</th>'
        for column, is_num in zip(columns, numeric, strict=True)
    )
    body_rows = []
    for row in shown.itertuples(index=False, name=None):
        cells = []
        for value, fmt, link in zip(row, formatters, linked, strict=True):
            if link and isinstance(value, str) and re.fullmatch(r"https?://\S+", value):
                text = _cell_text(value, max_cell_chars, lang)
                cells.append(f'<td><a href="{_esc(value)}">{text}</a></td>')
            elif _is_missing(value):
                cls = "num na" if fmt is not None else "na"
                cells.append(f'<td class="{cls}">–</td>')
            elif fmt is not None:
                cells.append(f'<td class="num">{_esc(fmt(value))}</td>')
            else:
                cells.append(f"<td>{_cell_text(value, max_cell_chars, lang)}</td>")
        body_rows.append("<tr>" + "".join(cells) + "</tr>")

    parts = ['<div class="table-block">', '<table class="data">']
    if caption:
        parts.append(f"<caption>{_esc(caption)}</caption>")
    parts.append(f"<thead><tr>{head}</tr></thead>")
    parts.append("<tbody>" + "\n".join(body_rows) + "</tbody>")
    parts.append("</table>")
    parts.extend(_truncation_note(total, len(shown), messages["no_rows"], messages["rows_not_shown"], lang))
    parts.append("</div>")
    return Block("\n".join(parts), "table")


def kwic_block(
    rows: pd.DataFrame,
    *,
    caption: str | None = None,
    max_rows: int = 40,
    lang: str = "fr",
    max_context_chars: int = 300,
    label: str = "doc_id",
    headers: Sequence[str] | None = None,
) -> Block:
    """Build a keyword-in-context table: the excerpt's label, left context, **keyword**, right context.

    Parameters
    ----------
    rows : pandas.DataFrame
        Columns ``label`` (``doc_id`` by default), ``pre``, ``keyword`` and ``post``
        (one row per excerpt).
    caption : str, optional
        Caption printed above the excerpts.
    max_rows : int
        Largest number of excerpts printed; a note counts the others.
    lang : str
        Language of the column headers and notes.
    max_context_chars : int
        Contexts longer than this are cut at the side away from the keyword.
    label : str
        Column printed first, e.g. ``theme_label`` for excerpts of one document.
    headers : sequence of str, optional
        The four column headers (e.g. ``analysis.i18n.COLUMNS[lang]["kwic"]``);
        default: Document, left context, keyword, right context in ``lang``.

    Returns
    -------
    Block
        The excerpts.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"doc_id": ["d1"], "pre": ["la"], "keyword": ["défense"],
    ...                      "post": ["<européenne>"]})
    >>> html = kwic_block(rows).html
    >>> "<strong>défense</strong>" in html and "&lt;européenne&gt;" in html
    True
    >>> rows["theme_label"] = ["Défense"]
    >>> block = kwic_block(rows, label="theme_label", headers=["Thème", "Gauche", "Mot", "Droite"])
    >>> '<th scope="col">Thème</th>' in block.html and '<td class="doc">Défense</td>' in block.html
    True
    """
    lang = _check_lang(lang)
    missing = {label, "pre", "keyword", "post"} - set(rows.columns)
    if missing:
        raise ValueError(f"kwic_block needs columns {sorted(missing)}")
    messages = i18n.messages(i18n.REPORT, lang)
    first, left, key, right = headers or [messages[k] for k in ("document", "left", "keyword", "right")]
    total = len(rows)
    shown = rows.iloc[:max_rows]

    def side(value: Any, keep_end: bool) -> str:
        text = "" if _is_missing(value) else " ".join(clean_text(value).split())
        if len(text) > max_context_chars:
            text = "…" + text[-max_context_chars:] if keep_end else text[:max_context_chars] + "…"
        return html_lib.escape(text, quote=True)

    body = []
    for name, pre, keyword, post in shown[[label, "pre", "keyword", "post"]].itertuples(
        index=False, name=None
    ):
        body.append(
            f'<tr><td class="doc">{_esc(name)}</td><td class="pre">{side(pre, True)}</td>'
            f'<td class="kw"><strong>{side(keyword, False)}</strong></td>'
            f'<td class="post">{side(post, False)}</td></tr>'
        )
    parts = [
        '<div class="table-block kwic-block">',
        '<table class="data kwic">',
    ]
    if caption:
        parts.append(f"<caption>{_esc(caption)}</caption>")
    parts.append('<colgroup><col class="doc"><col class="pre"><col class="kw"><col class="post"></colgroup>')
    parts.append(
        f'<thead><tr><th scope="col">{_esc(first)}</th>'
        f'<th scope="col" class="num">{_esc(left)}</th>'
        f'<th scope="col" style="text-align:center">{_esc(key)}</th>'
        f'<th scope="col">{_esc(right)}</th></tr></thead>'
    )
    parts.append("<tbody>" + "\n".join(body) + "</tbody></table>")
    parts.extend(
        _truncation_note(total, len(shown), messages["no_excerpts"], messages["excerpts_not_shown"], lang)
    )
    parts.append("</div>")
    return Block("\n".join(parts), "kwic")
