"""The run's offline explorer: one HTML file, a theme × document grid linked to the passages.

Each row is a theme, each column a text (the focus, then the closest references); a cell
is the theme's mentions per 1,000 words. Choosing a theme shows every passage of the focus
that mentions it (keyword in context). The file holds its data and its script: no CDN, no
server, it opens from a USB key. The references are features only (their texts are not
distributed), so their cells have rates and no passages.

Everything the page shows is written as text (``textContent``), never as HTML: a hostile
title or passage cannot inject markup. ``#theme=<id>`` in the address opens a theme.

Examples
--------
>>> from analysis.compare import compare
>>> html = explorer_html(compare(), "en")
>>> html.startswith("<!DOCTYPE html>") and "http" not in html.split("<script")[0]
True
"""

from __future__ import annotations

import json
import logging
import string
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import config, i18n

if TYPE_CHECKING:  # pragma: no cover
    from analysis.compare import Comparison

logger = logging.getLogger(__name__)

__all__ = ["explorer_data", "explorer_html", "write_explorer"]

EXPLORER_FILE = "explorer.html"
"""The explorer's file name in a run folder."""


def explorer_data(
    comp: Comparison, lang: str = "fr", *, columns: int = 12, window: int = 10
) -> dict[str, Any]:
    """What the explorer shows, computed once: columns, themes with their rates, the focus's passages.

    Parameters
    ----------
    comp : Comparison
        The comparison of the run (:func:`analysis.compare.compare`).
    lang : str
        Language of the labels and numbers.
    columns : int
        Reference columns: the ``columns`` references most similar to the focus.
    window : int
        Words of context on each side of a keyword.

    Returns
    -------
    dict
        ``strings``, ``focus``, ``columns`` and ``themes`` (each with ``rates``, one per
        column, ``median`` and ``contexts``), ready for JSON.

    Examples
    --------
    >>> from analysis.compare import compare
    >>> data = explorer_data(compare(), "en", columns=3)
    >>> [c["focus"] for c in data["columns"]]
    [True, False, False, False]
    """
    from analysis.kwic import kwic
    from analysis.style import document_labels

    t = i18n.messages(i18n.EXPLORE, lang)
    focus = comp.focus_id
    ids = [focus, *comp.similarity["doc_id"].head(columns)]
    docs = comp.documents.set_index("doc_id")
    labels = document_labels(
        docs.index.to_series(), docs["title"], docs["date"], width=60, lang=lang
    )  # fmt: skip
    rates = comp.doc_rates().pivot_table(index="theme", columns="doc_id", values="per_1000", aggfunc="first")
    theme_labels = comp.dictionary.labels(lang)
    themes = comp.themes.set_index("theme")
    shown = [th for th in comp.dictionary.theme_ids() if th in themes.index]
    passages_of: dict[str, list[dict[str, str]]] = {th: [] for th in shown}
    if focus in set(comp.tokens.docs["doc_id"]):  # every theme's passages from one lookup
        lines = kwic(comp.tokens, shown, dictionary=comp.dictionary, window=window, docs=[focus])
        for r in lines.itertuples():
            passages_of[r.theme].append({"pre": r.pre, "kw": r.keyword, "post": r.post})
    rows = []
    for theme in shown:
        row = themes.loc[theme]
        passages = passages_of[theme]
        values = [rates.at[theme, d] if theme in rates.index and d in rates.columns else None for d in ids]
        values[0] = float(row["focus_per_1000"])  # subthemes too: the focus's own count and length
        rows.append(
            {
                "id": theme,
                "label": theme_labels.get(theme, theme),
                "depth": 0 if bool(row["is_root"]) else 1,
                "count": int(row["focus_count"]),
                "rates": [None if v is None or v != v else round(float(v), 3) for v in values],
                "shown": ["–" if v is None or v != v else i18n.fmt_number(float(v), lang, 1) for v in values],
                "median": i18n.fmt_number(float(row["reference_median"]), lang, 1),
                "contexts": passages,
            }
        )
    return {
        "lang": lang,
        "strings": dict(t),
        "focus": {
            "id": focus, "title": str(comp.focus.get("title", "")),
            "date": i18n.fmt_date(str(comp.focus.get("date", "")), lang),
            "words": i18n.fmt_number(int(comp.focus.get("n_tokens", 0)), lang, 0),
        },  # fmt: skip
        "references": t["references"].format(
            n=i18n.fmt_number(int(comp.frame.get("n_documents", 0)), lang, 0), shown=len(ids) - 1
        ),
        "columns": [{"id": d, "label": labels.get(d, d), "focus": d == focus} for d in ids],
        "themes": rows,
    }




def explorer_html(comp: Comparison, lang: str = "fr", **options: Any) -> str:
    """The explorer as one self-contained HTML page (see :func:`explorer_data` for ``options``).

    Examples
    --------
    >>> from analysis.compare import compare
    >>> "application/json" in explorer_html(compare(), "fr", columns=2)
    True
    """
    from html import escape

    data = explorer_data(comp, lang, **options)
    # JSON inside <script>: "</" and "<!--" cannot close or open anything
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")
    title = escape(f"{data['strings']['title']}{data['strings']['colon']}{data['focus']['title']}")
    page = string.Template((config.TEMPLATES_DIR / "explorer.html").read_text(encoding="utf-8"))
    return page.substitute(lang=escape(lang), title=title, data=payload)


def write_explorer(comp: Comparison, path: Path | str, lang: str = "fr", **options: Any) -> Path:
    """Write :func:`explorer_html` to ``path`` atomically; return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from analysis.compare import compare
    >>> out = write_explorer(compare(), pathlib.Path(tempfile.mkdtemp()) / "explorer.html", "en")
    >>> out.stat().st_size > 1000
    True
    """
    from analysis.store import write_text

    write_text(explorer_html(comp, lang, **options), path)
    logger.info("explorer written: %s", path)
    return Path(path)
