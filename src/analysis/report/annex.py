"""The brief's annex: its table of contents, the reference list, the dictionary, reproducibility.

The annex starts on a new page after the first pages (:mod:`analysis.report.front`)
with :func:`annex_contents`: a table of contents whose page numbers weasyprint
fills in (``target-counter``), each entry a link to its section. Every annex
section's heading carries the anchor ``annex-<key>`` of :data:`ANNEX`, in that order.

Functions taking ``brief`` take an :class:`analysis.report.brief.Brief` (not imported here:
the brief imports this module).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from analysis import config, i18n
from analysis.report.blocks import Block, _esc, concat, paragraphs, section
from analysis.report.tables import table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


logger = logging.getLogger(__name__)

#: A frame with more references is described by genre and year, its list left to ``tables/documents.csv``.
REFERENCE_LIST_ROWS = 40

#: The annex's sections, in order: (anchor key, title key of :data:`analysis.i18n.BRIEF`).
ANNEX: tuple[tuple[str, str], ...] = (
    ("method", "method"),
    ("findings", "annex_findings"),
    ("keyness", "keyness"),
    ("sensitivity", "sensitivity"),
    ("profile", "profile"),
    ("heatmap", "heatmap"),
    ("dispersion", "dispersion"),
    ("kwic", "kwic"),
    ("press", "press"),
    ("similarity", "similarity"),
    ("words", "words"),
    ("timeline", "timeline"),
    ("references", "references"),
    ("dictionary", "appendix"),
    ("validation", "validation"),
    ("repro", "repro"),
)


def anchor(key: str) -> str:
    """The ``id`` of an annex section's heading.

    Examples
    --------
    >>> anchor("method")
    'annex-method'
    """
    return f"annex-{key}"


def annex_heading(key: str, lang: str = "fr") -> Block:
    """The heading of the annex section ``key`` (its title and its anchor).

    Examples
    --------
    >>> annex_heading("repro", "en").html
    '<h2 id="annex-repro">Reproducibility</h2>'
    """
    title_key = dict(ANNEX)[key]
    return section(i18n.BRIEF["fr" if lang == "fr" else "en"][title_key], anchor=anchor(key))


def annex_contents(lang: str = "fr") -> Block:
    """The annex's first page: its title and a table of contents with page numbers.

    Examples
    --------
    >>> html = annex_contents("en").html
    >>> html.count("<li>") == len(ANNEX) and 'href="#annex-method"' in html
    True
    """
    t = i18n.BRIEF["fr" if lang == "fr" else "en"]
    front = i18n.FRONT["fr" if lang == "fr" else "en"]
    items = "".join(
        f'<li><a class="toc-entry" href="#{anchor(key)}">{_esc(t[title])}</a></li>' for key, title in ANNEX
    )
    return Block(
        f'<section class="annex-start"><h1 id="annex">{_esc(front["annex"])}</h1>'
        f'<nav class="toc" aria-label="{_esc(front["contents"])}"><p class="toc-title">'
        f"{_esc(front['contents'])}</p><ol>{items}</ol></nav></section>",
        "annex contents",
    )


def short_licence(text: str) -> str:
    """Shorten a manifest's licence statement for a table.

    The full statements stay in ``tables/documents.csv`` and the reference set's ``documents.csv``.

    Examples
    --------
    >>> short_licence("Public domain: U.S. federal government work (17 U.S.C. 105). Obtained via ...")
    'Public domain (U.S. gov.)'
    >>> short_licence("Repo LICENSE: MIT (...). Content: ... under Licence Ouverte / Etalab 2.0 (...)")
    'Licence Ouverte 2.0'
    """
    low = str(text).lower()
    if low.startswith("public domain"):
        return "Public domain (U.S. gov.)"
    if "etalab" in low:
        return "Licence Ouverte 2.0"
    return str(text)[:60] + ("…" if len(str(text)) > 60 else "")


def reference_table(brief: Any) -> Block:
    """Table of the reference statements (id, date, parties, language, genre, source, licence).

    A frame of more than :data:`REFERENCE_LIST_ROWS` references is counted by genre and year instead.
    """
    lang, t = brief.lang, brief.t
    docs = brief.comp.documents
    refs = docs[docs["role"] == "reference"].sort_values(["date", "doc_id"])
    if len(refs) > REFERENCE_LIST_ROWS:
        return _reference_composition(brief, refs)
    view = refs[["doc_id", "date", "parties", "language", "genre", "source_url", "license"]].copy()
    view["genre"] = view["genre"].map(lambda g: i18n.GENRES[lang].get(g, g))
    view["license"] = view["license"].map(short_licence)
    view.columns = i18n.COLUMNS[lang]["references"]
    return concat(
        annex_heading("references", lang),
        table(
            view,
            caption=t["references_cap"],
            lang=lang,
            max_rows=200,
            max_cell_chars=160,
            links=[view.columns[5]],
        ),
    )


def _reference_composition(brief: Any, refs: pd.DataFrame) -> Block:
    """A large frame: its references counted by genre and year (the list is ``tables/documents.csv``)."""
    import pandas as pd

    lang, t = brief.lang, brief.t
    genre = refs["genre"].map(lambda g: i18n.GENRES[lang].get(g, g) or "–")
    year = refs["date"].astype(str).str[:4].where(refs["date"].astype(str).str.len() >= 4, "–")
    view = pd.crosstab(genre, year)
    view[t["total"]] = view.sum(axis=1)
    view = view.sort_values(t["total"], ascending=False, kind="stable").reset_index()
    view = view.rename(columns={view.columns[0]: i18n.COLUMNS[lang]["references"][4]})
    view.columns = [str(c) for c in view.columns]
    cap = t["references_many"].format(n=i18n.fmt_number(len(refs), lang, 0))
    return concat(annex_heading("references", lang), table(view, caption=cap, lang=lang, number_format="d"))


def dictionary_appendix(brief: Any) -> Block:
    """The full dictionary: patterns by theme and language."""
    lang, t = brief.lang, brief.t
    dic = brief.comp.dictionary
    frame = dic.to_frame()
    grouped = (
        frame.assign(pattern=frame["pattern"].where(frame["role"] == "include", "¬ " + frame["pattern"]))
        .groupby(["theme", "language"], sort=False)["pattern"]
        .agg(" · ".join)
        .unstack("language")
        .reindex(columns=["fr", "en"])
        .fillna("")
        .reset_index()
    )
    grouped.insert(1, "label", grouped["theme"].map(brief.labels))
    grouped.columns = i18n.COLUMNS[lang]["appendix"]
    intro = t["appendix_intro"].format(
        name=dic.name, version=dic.version, description=dic.description, hash=dic.hash[:16]
    )
    return concat(
        annex_heading("dictionary", lang),
        paragraphs([intro]),
        table(grouped, caption=t["appendix_cap"], lang=lang, max_rows=100, max_cell_chars=2000),
    )


def reproducibility(brief: Any, parameters: dict[str, Any] | None = None) -> Block:
    """Run id, parameters, input hashes, package versions."""
    import importlib.metadata as md
    import platform

    import pandas as pd

    from analysis.corpus import sha256_file

    rows = [("run", brief.run_id)]
    for k, v in (parameters or {}).items():
        rows.append((f"parameter {k}", repr(v)))
    focus = brief.comp.focus
    rows.append((f"sha256 {focus['doc_id']}", focus.get("sha256", "")))
    rows.append(("sha256 dictionary", brief.comp.dictionary.hash))
    docs = brief.comp.documents
    rows.append(("reference documents", str(int((docs["role"] == "reference").sum()))))
    for path in sorted(config.REFERENCE_DIR.glob("*")):
        if path.suffix in (".csv", ".parquet", ".json"):
            rows.append((f"sha256 data/reference/{path.name}", sha256_file(path)))
    rows.append(("python", platform.python_version()))
    for pkg in ("analysis", "pandas", "numpy", "scipy", "matplotlib", "nltk", "papermill", "nbconvert",
                "weasyprint"):  # fmt: skip
        try:
            rows.append((pkg, md.version(pkg)))
        except md.PackageNotFoundError:  # pragma: no cover
            rows.append((pkg, "not installed"))
    view = pd.DataFrame(rows, columns=i18n.COLUMNS[brief.lang]["repro"])
    return concat(
        annex_heading("repro", brief.lang), table(view, lang=brief.lang, max_rows=100, max_cell_chars=200)
    )
