"""Every French and English string of the report and figures, and the number styles.

One home for what a reader sees in either language:

* **Catalogues** (``{"fr": {...}, "en": {...}}``, same keys in both languages):
  :data:`REPORT` (notices of the building blocks and of rendering), :data:`BRIEF`
  (section titles, captions, labels of the brief), :data:`COLUMNS` (table headers),
  :data:`GENRES` (genre names), :data:`CLEANING_STEPS` (cleaning step names),
  :data:`METHOD` (the method section), :data:`FINDINGS` (the executive summary),
  :data:`FIGURES` and :data:`MONTHS` (axis titles, legends and dates of figures).
  Templates use :meth:`str.format` fields (``{n}``, ``{label}``...). The prose
  catalogues are read once, at import, from ``resources/i18n.yaml``; the lists and
  tuples (:data:`COLUMNS`, :data:`MONTHS`) and :data:`FIGURES` (built with
  :data:`NNBSP` and :data:`NBSP`) are written here. The import checks that every
  catalogue has the same keys in French and English.
* **Number styles**: :func:`fmt_number` (prose and tables), :func:`fmt_pvalue`,
  :func:`default_number` (table cells), :func:`localize_number` (the output of a
  format spec), :func:`fmt_fixed` and :func:`fmt_percent_tick` (figures),
  :func:`human_size` (sizes in notices and logs). French uses the decimal comma and
  the narrow no-break space (U+202F) between thousands, English the comma and the
  point; any other language is written in the English style. Grouped numbers are
  formatted by Babel (``babel.numbers.format_decimal`` with the CLDR symbols of
  ``fr`` and ``en``), from the exact binary value of the number, so rounding is the
  one of Python's ``format`` (half-even on the exact value).

Examples
--------
>>> from analysis import i18n
>>> i18n.BRIEF["fr"]["summary"], i18n.BRIEF["en"]["summary"]
('Synthèse', 'Summary')
>>> i18n.fmt_number(1234.56, "fr"), i18n.fmt_number(1234.56, "en")
('1\\u202f234,6', '1,234.6')
"""

from __future__ import annotations

import decimal
import functools
import logging
import math
import numbers
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from analysis import config

logger = logging.getLogger(__name__)

__all__ = [
    "BRIEF",
    "CLEANING_STEPS",
    "COLUMNS",
    "FIGURES",
    "FINDINGS",
    "GENRES",
    "NOTES",
    "LANGUAGES",
    "METHOD",
    "MINUS",
    "MONTHS",
    "NBSP",
    "NNBSP",
    "REPORT",
    "default_number",
    "fmt_fixed",
    "fmt_number",
    "fmt_percent_tick",
    "fmt_pvalue",
    "human_size",
    "localize_number",
    "messages",
    "number_style",
]

LANGUAGES: tuple[str, ...] = ("fr", "en")
"""Languages of the catalogues."""

NNBSP = "\u202f"
"""Narrow no-break space: French thousands separator, before % ; : ? ! in figures."""
NBSP = "\u00a0"
"""No-break space."""
MINUS = "\u2212"
"""The minus sign of table cells and figure labels."""

# --------------------------------------------------------------------------- catalogues

_PROSE_FILE: Path = config.RESOURCES_DIR / "i18n.yaml"
"""The prose catalogues (:data:`REPORT`, :data:`BRIEF`, :data:`GENRES`, :data:`CLEANING_STEPS`,
:data:`METHOD`, :data:`FINDINGS`), read once at import."""


def _load_prose(path: Path) -> dict[str, dict[str, dict[str, str]]]:
    """Read the prose catalogues of ``path`` (``{catalogue: {language: {key: text}}}``).

    Raises ``ValueError`` for a text that YAML did not read as a string (an unquoted ``no``...).
    """
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    for name, catalogue in data.items():
        for lang, texts in catalogue.items():
            bad = sorted(key for key, text in texts.items() if not isinstance(text, str))
            if bad:
                raise ValueError(f"{path}: {name}.{lang}: not a string: {bad}")
    return data


_PROSE = _load_prose(_PROSE_FILE)

REPORT: dict[str, dict[str, str]] = _PROSE["report"]
"""Notices of the building blocks (:mod:`analysis.report.blocks`) and of rendering."""

BRIEF: dict[str, dict[str, str]] = _PROSE["brief"]
"""Titles, captions and labels of the brief (:mod:`analysis.report.brief`)."""

COLUMNS: dict[str, dict[str, list[str]]] = {
    "fr": {
        "themes": ["Thème", "n (texte)", "Texte /1000", "Réf. /1000", "G2", "p (Holm)", "Log Ratio", "LRC",
                   "Centile"],
        "similarity": ["Rang", "Titre", "Date", "Langue", "Cosinus"],
        "references": ["Id", "Date", "Parties", "Langue", "Genre", "Source", "Licence"],
        "appendix": ["Id", "Thème", "Motifs (fr)", "Motifs (en)"],
        "kwic": ["Thème", "Contexte gauche", "Mot-clé", "Contexte droit"],
        "sensitivity": ["Thème", "Cadre retenu", "Toutes", "Même langue", "Même genre", "Mêmes parties",
                        "24 mois", "Retrait", "Statut"],
        "frames": ["Cadre", "Références", "Mots", "Du", "Au"],
        "frame_names": ["Cadre retenu", "Toutes les références", "Même langue", "Même langue et genre",
                        "Mêmes parties", "24 mois précédents", "Retrait d'une référence"],
        "validation": ["Thème", "Phrases (fr)", "Précision (fr)", "Rappel (fr)", "Phrases (en)",
                       "Précision (en)", "Rappel (en)", "Phrases", "Précision", "Rappel", "F1",
                       "Phrases réservées", "Précision (réservées)", "Rappel (réservées)"],
        "equivalence": ["Thème", "Motifs français sans équivalent anglais",
                        "Motifs anglais sans équivalent français"],
        "press_quotes": ["Thème", "Dans les citations", "Hors citations", "Part citée"],
        "press_themes": ["Thème", "Source", "Texte", "Source /1000", "Texte /1000", "Log Ratio",
                         "IC bas", "IC haut"],
        "parallel": ["Thème", "Paires", "Les deux", "Français seul", "Anglais seul", "κ",
                     "Mots touchés d'un seul côté"],

        "repro": ["Élément", "Valeur"],
    },
    "en": {
        "themes": ["Theme", "n (text)", "Text /1000", "Ref. /1000", "G2", "p (Holm)", "Log Ratio", "LRC",
                   "Percentile"],
        "similarity": ["Rank", "Title", "Date", "Language", "Cosine"],
        "references": ["Id", "Date", "Parties", "Language", "Genre", "Source", "Licence"],
        "appendix": ["Id", "Theme", "Patterns (fr)", "Patterns (en)"],
        "kwic": ["Theme", "Left context", "Keyword", "Right context"],
        "sensitivity": ["Theme", "Selected", "All", "Same language", "Same genre", "Same parties",
                        "24 months", "Leave-one-out", "Status"],
        "frames": ["Frame", "References", "Words", "From", "To"],
        "frame_names": ["Selected frame", "All references", "Same language", "Same language and genre",
                        "Same parties", "Previous 24 months", "Leave one reference out"],
        "validation": ["Theme", "Sentences (fr)", "Precision (fr)", "Recall (fr)", "Sentences (en)",
                       "Precision (en)", "Recall (en)", "Sentences", "Precision", "Recall", "F1",
                       "Held-out sentences", "Precision (held out)", "Recall (held out)"],
        "equivalence": ["Theme", "French patterns without an English counterpart",
                        "English patterns without a French counterpart"],
        "press_quotes": ["Theme", "In quotations", "Outside", "Share quoted"],
        "press_themes": ["Theme", "Source", "Text", "Source /1000", "Text /1000", "Log Ratio",
                         "CI low", "CI high"],
        "parallel": ["Theme", "Pairs", "Both", "French only", "English only", "κ",
                     "Words hit on one side only"],

        "repro": ["Item", "Value"],
    },
}  # fmt: skip
"""Column headers of the brief's tables."""

GENRES: dict[str, dict[str, str]] = _PROSE["genres"]
"""Names of the manifest's genres."""

CLEANING_STEPS: dict[str, dict[str, str]] = _PROSE["cleaning_steps"]
"""Names of the cleaning steps (:mod:`analysis.clean`) in the method section."""

METHOD: dict[str, dict[str, str]] = _PROSE["method"]
"""The method section (:mod:`analysis.report.methodology`): titles and paragraph templates."""

FINDINGS: dict[str, dict[str, str]] = _PROSE["findings"]
"""The executive summary's sentences (:mod:`analysis.report.findings`)."""

FRONT: dict[str, dict[str, str]] = _PROSE["front"]
"""The brief's first pages (:mod:`analysis.report.front`): key messages in plain words."""

NOTES: dict[str, dict[str, str]] = _PROSE["notes"]
"""What the reader of a comparison must know (:class:`analysis.compare.Comparison` ``notes``)."""

EXPLORE: dict[str, dict[str, str]] = _PROSE["explore"]
"""The run's offline HTML explorer and the JupyterLab widgets (:mod:`analysis.explorer`)."""

DIFF: dict[str, dict[str, str]] = _PROSE["diff"]
"""Statement versus statement: the alignment's statuses and figure (:mod:`analysis.textplot_diff`)."""

EXPLORE_FIGURES: dict[str, dict[str, str]] = _PROSE["explore_figures"]
"""Axis titles and legends of the CA map and the dendrogram (:mod:`analysis.textplot_explore`)."""

FIGURES: dict[str, dict[str, str]] = {
    "fr": {
        "rate": f"Taux pour 1{NNBSP}000{NBSP}mots",
        "focus": "Déclaration étudiée",
        "reference_median": "Médiane de référence",
        "iqr": "Écart interquartile de référence",
        "reference_docs": "Déclarations de référence",
        "log_ratio": f"Log Ratio (log₂ du rapport des taux), IC à 95{NNBSP}%",
        "ratio": f"Rapport des fréquences, marge à 95{NNBSP}%",
        "significant": f"Significatif (p de Holm{NBSP}<{NBSP}0,05)",
        "not_significant": "Non significatif",
        "too_rare": "trop rare pour tester",
        "more": "(+{n} autres, tables/words.csv)",
        "over": "plus fréquent dans la déclaration étudiée →",
        "under": "← plus fréquent dans la référence",
        "position": "Position relative dans le texte",
        "cosine": "Similarité cosinus avec le texte étudié",
        "date": "Date de la déclaration",
        "document": "Document",
        "theme": "Thème",
        "term": "Terme",
        "no_data": "Aucune donnée à représenter",
    },
    "en": {
        "rate": "Rate per 1,000 words",
        "focus": "Focus statement",
        "reference_median": "Reference median",
        "iqr": "Reference interquartile range",
        "reference_docs": "Reference statements",
        "log_ratio": "Log Ratio (log₂ of the rate ratio), 95% CI",
        "ratio": "Rate ratio, 95% margin",
        "significant": "Significant (Holm p < 0.05)",
        "not_significant": "Not significant",
        "too_rare": "too rare to test",
        "more": "(+{n} more, tables/words.csv)",
        "over": "more frequent in the focus statement →",
        "under": "← more frequent in the reference",
        "position": "Relative position in the text",
        "cosine": "Cosine similarity to the focus statement",
        "date": "Statement date",
        "document": "Document",
        "theme": "Theme",
        "term": "Term",
        "no_data": "No data to plot",
    },
}
"""Axis titles and legends of the figures (:mod:`analysis.textplot`)."""

MONTHS: dict[str, tuple[str, ...]] = {
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
"""Short month names of the figures' date axes."""

_CATALOGUES: dict[str, Mapping[str, Any]] = {
    "report": REPORT, "brief": BRIEF, "columns": COLUMNS, "genres": GENRES, "cleaning_steps": CLEANING_STEPS,
    "method": METHOD, "findings": FINDINGS, "front": FRONT, "notes": NOTES, "figures": FIGURES,
    "months": MONTHS, "explore": EXPLORE, "explore_figures": EXPLORE_FIGURES,
    "diff": DIFF,
}  # fmt: skip


def messages(catalogue: Mapping[str, Any], lang: str) -> Any:
    """Return the part of ``catalogue`` in ``lang``, English for an unknown language.

    ``fr-CA`` and ``FR`` read the French part.

    Parameters
    ----------
    catalogue : mapping
        One of the catalogues of this module (``{"fr": ..., "en": ...}``).
    lang : str
        A language tag.

    Returns
    -------
    object
        ``catalogue["fr"]``, ``catalogue["en"]``...

    Examples
    --------
    >>> messages(REPORT, "fr-CA")["no_rows"], messages(REPORT, "de")["no_rows"]
    ('Aucune ligne.', 'No rows.')
    """
    return catalogue.get(lang.split("-")[0].lower(), catalogue["en"])


def _check_catalogues() -> None:
    """Raise ``ValueError`` if a catalogue lacks a language or a key in one language."""
    for name, catalogue in _CATALOGUES.items():
        if set(catalogue) != set(LANGUAGES):
            raise ValueError(f"i18n catalogue {name!r} has languages {sorted(catalogue)}")
        fr, en = catalogue["fr"], catalogue["en"]
        if isinstance(fr, Mapping) and set(fr) != set(en):
            raise ValueError(f"i18n catalogue {name!r}: keys differ: {sorted(set(fr) ^ set(en))}")
        if not isinstance(fr, Mapping) and len(fr) != len(en):
            raise ValueError(f"i18n catalogue {name!r}: lengths differ")


_check_catalogues()

# --------------------------------------------------------------------------- numbers


def number_style(lang: str) -> str:
    """Return the number style of table cells in ``lang``: ``"fr"`` for ``fr``, ``fr-CA``..., else ``"en"``.

    The building blocks choose their notices the same way (:func:`messages`).

    Examples
    --------
    >>> number_style("fr-CA"), number_style("en"), number_style("de")
    ('fr', 'en', 'en')
    """
    return "fr" if lang.split("-")[0].lower() == "fr" else "en"


@functools.cache
def _symbols(style: str) -> tuple[str, str]:
    """Return the (thousands, decimal) symbols of a number style, from Babel's CLDR data."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    return get_group_symbol(style), get_decimal_symbol(style)


def _grouped(value: Any, digits: int, style: str) -> str:
    """Format a finite number with thousands separators and ``digits`` decimals (hyphen-minus)."""
    from babel.numbers import format_decimal

    if isinstance(value, numbers.Integral):
        exact = decimal.Decimal(int(value))
    elif isinstance(value, decimal.Decimal):
        exact = value
    else:
        exact = decimal.Decimal(float(value))  # the exact binary value: Python's own rounding
    pattern = "#,##0." + "0" * digits if digits > 0 else "#,##0"
    with decimal.localcontext() as context:
        context.prec = max(context.prec, exact.adjusted() + digits + 10)  # every digit of 1e308 too
        return format_decimal(exact, format=pattern, locale=style, decimal_quantization=True)


def _is_finite(value: Any) -> bool:
    try:
        return math.isfinite(value)
    except (TypeError, ValueError, OverflowError):
        return True


def fmt_number(x: float | None, lang: str = "fr", digits: int = 1) -> str:
    """Format a number for prose: French decimal comma and thin grouping, or English.

    Parameters
    ----------
    x : number or None
        The number; None and NaN give "–".
    lang : str
        ``"fr"`` for the French style; any other tag, ``fr-CA`` included, gets the
        English style, as the prose catalogues do (:data:`FINDINGS` and
        :data:`METHOD` are French for ``"fr"`` only), so numbers match their sentence.
    digits : int
        Decimals.

    Returns
    -------
    str
        The number (hyphen-minus for negative numbers).

    Examples
    --------
    >>> fmt_number(1234.56, "fr")
    '1\\u202f234,6'
    >>> fmt_number(1234.56, "en")
    '1,234.6'
    >>> fmt_number(float("nan")), fmt_number(2.675, "en", 2), fmt_number(0.5, "fr-CA")
    ('–', '2.67', '0.5')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    style = "fr" if lang == "fr" else "en"
    if not _is_finite(x):  # inf: Python's spelling, as always
        return localize_number(f"{x:,.{digits}f}", style, minus=False)
    return _grouped(x, digits, style)


def fmt_pvalue(p: float | None, lang: str = "fr") -> str:
    """Format a p-value (``p < 0,001`` below one in a thousand).

    Examples
    --------
    >>> fmt_pvalue(0.00002, "en"), fmt_pvalue(0.0312, "fr")
    ('p < 0.001', 'p = 0,031')
    """
    if p is None or math.isnan(p):
        return "–"
    if p < 0.001:
        return f"p < {fmt_number(0.001, lang, 3)}"
    return f"p = {fmt_number(p, lang, 3)}"


def localize_number(text: str, lang: str, *, minus: bool = True) -> str:
    """Write a number formatted by Python in the style of ``lang``, with a true minus sign.

    For French, ``,`` becomes the narrow no-break space and ``.`` the decimal comma.

    Parameters
    ----------
    text : str
        Output of a format spec (``format(x, ".2f")``, ``"{:.1%}".format(x)``...).
    lang : str
        Language of the number style.
    minus : bool
        Also write ``-`` as the minus sign U+2212.

    Returns
    -------
    str
        The number.

    Examples
    --------
    >>> localize_number("-1,234.5", "fr")
    '−1\\u202f234,5'
    """
    if number_style(lang) == "fr":
        group, point = _symbols("fr")
        text = text.replace(",", group).replace(".", point)
    return text.replace("-", MINUS) if minus else text


def default_number(value: Any, lang: str) -> str:
    """Format a table cell: thousands separated, two decimals (two significant digits below 0.01).

    Examples
    --------
    >>> default_number(-1234, "fr"), default_number(0.004, "en"), default_number(float("inf"), "en")
    ('−1\\u202f234', '0.004', '∞')
    """
    style = number_style(lang)
    if isinstance(value, numbers.Integral):
        text = _grouped(value, 0, style)
    else:
        number = float(value)
        if math.isinf(number):
            return "∞" if number > 0 else "−∞"
        if math.isnan(number):
            return localize_number(f"{number:,.2f}", style)
        if number != 0 and abs(number) < 0.01:
            return localize_number(f"{number:.2g}", style)
        text = _grouped(number, 2, style)
    return text.replace("-", MINUS)


def fmt_fixed(value: float, lang: str, digits: int = 2) -> str:
    """Format a figure's value label: ``digits`` decimals, no grouping, decimal comma in French.

    Examples
    --------
    >>> fmt_fixed(-1234.567, "fr")
    '−1234,57'
    """
    text = f"{value:.{digits}f}"
    if lang == "fr":
        text = text.replace(".", _symbols("fr")[1])
    return text.replace("-", MINUS)


def fmt_percent_tick(x: float, lang: str) -> str:
    """Format a share (0.25) as a figure's percent tick: ``25 %`` (narrow no-break space) or ``25%``.

    Babel's French percent has a no-break space (U+00A0); the figures keep U+202F.

    Examples
    --------
    >>> fmt_percent_tick(0.25, "fr"), fmt_percent_tick(0.25, "en")
    ('25\\u202f%', '25%')
    """
    return f"{x * 100:.0f}{NNBSP if lang == 'fr' else ''}%"


def fmt_date(iso: str, lang: str = "fr", length: str = "long") -> str:
    """Write an ISO date (``YYYY-MM-DD``) in words, with Babel's long (or ``length``) date format.

    Anything else is returned as given (an empty or partial date stays readable).

    Examples
    --------
    >>> fmt_date("2024-09-26", "fr"), fmt_date("2024-09-26", "en"), fmt_date("2024", "en")
    ('26 septembre 2024', 'September 26, 2024', '2024')
    """
    import datetime as dt

    from babel.dates import format_date

    try:
        day = dt.date.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    return format_date(day, format=length, locale="fr" if lang == "fr" else "en")


def fmt_window(code: str, lang: str = "fr") -> str:
    """A frame's window in words: "24M" → "24 mois", "2Y" → "2 years", "30D" → "30 jours".

    Examples
    --------
    >>> fmt_window("24M"), fmt_window("1Y", "en"), fmt_window("30D", "fr"), fmt_window("x")
    ('24\xa0mois', '1\xa0year', '30\xa0jours', 'x')
    """
    import re

    match = re.fullmatch(r"(\d+)\s*([DMY])", str(code).strip().upper())
    if not match:
        return str(code)
    n, unit = int(match.group(1)), match.group(2)
    names = {"fr": {"D": ("jour", "jours"), "M": ("mois", "mois"), "Y": ("an", "ans")},
             "en": {"D": ("day", "days"), "M": ("month", "months"), "Y": ("year", "years")}}  # fmt: skip
    one, many = names["fr" if lang == "fr" else "en"][unit]
    return f"{n}{NBSP}{one if n == 1 else many}"


def fmt_short_date(iso: str, lang: str = "fr") -> str:
    """Write an ISO date short, for a figure's labels (Babel's medium format).

    Examples
    --------
    >>> fmt_short_date("2024-09-26", "fr"), fmt_short_date("2024-09-26", "en"), fmt_short_date("", "en")
    ('26 sept. 2024', 'Sep 26, 2024', '')
    """
    return fmt_date(iso, lang, length="medium")


def language_name(code: str, lang: str = "fr") -> str:
    """The name of a language code in French or English (Babel's CLDR names).

    Examples
    --------
    >>> language_name("fr", "fr"), language_name("en", "fr"), language_name("fr", "en")
    ('français', 'anglais', 'French')
    """
    from babel import Locale

    names = Locale.parse("fr" if lang == "fr" else "en").languages
    return str(names.get(str(code), code))


def human_size(n: int) -> str:
    """Return ``n`` bytes as a short size (``2.0 MB``, ``12 kB``), the same in every language.

    Examples
    --------
    >>> human_size(2 * 1024 * 1024), human_size(1536), human_size(12)
    ('2.0 MB', '2 kB', '12 B')
    """
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} kB"
    return f"{n} B"
