"""The brief's section on a press text and its source: quotations, and what the text kept.

Issue 21, item 4. For a focus that is a press article, :func:`press_block` says how many
passages it quotes and what share of its theme mentions is quotation rather than the
journalist's own words (:func:`analysis.quotes.quote_share`). Given the statement the text
reports on (the report's ``source`` parameter: an id, a text file or an http(s) URL read
once), it aligns the two sentence by sentence (:func:`analysis.diff.compare_statements`),
traces the quotations in the source (:func:`analysis.quotes.trace_quotes`), names the themes
the source mentions and the text drops, and draws the alignment
(:func:`analysis.textplot_diff.textplot_alignment`).

Functions taking ``brief`` take an :class:`analysis.report.brief.Brief` (not imported here:
the brief imports this module). Every figure of a sentence is computed once here and only
formatted by the strings of :mod:`analysis.i18n` (``press_*``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analysis import i18n
from analysis.report.annex import annex_heading
from analysis.report.blocks import Block, concat, note, paragraphs
from analysis.report.tables import table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)

__all__ = ["MAX_FIGURE_ROWS", "PressFacts", "press_block", "press_facts"]

MAX_FIGURE_ROWS = 70
"""Longest alignment drawn in the PDF (a longer one is saved in ``figures/`` only)."""


@dataclass
class PressFacts:
    """What the press section states, computed once (the tests check each against the texts).

    ``quote_share`` is the table of :func:`analysis.quotes.quote_share`; with a source,
    ``diff`` is the :class:`analysis.diff.StatementDiff` (source A, focus B), ``trace`` the
    table of :func:`analysis.quotes.trace_quotes` and ``dropped_themes`` the root themes the
    source mentions at least :data:`analysis.diff.MIN_MENTIONS` times and the focus never.
    """

    is_press: bool
    quotes: list[Any]
    quote_share: pd.DataFrame
    source_title: str = ""
    diff: Any = None
    trace: pd.DataFrame | None = None
    dropped_themes: list[str] | None = None
    a_hits: dict[int, set[str]] | None = None
    b_hits: dict[int, set[str]] | None = None
    source_error: str = ""
    """Why the source could not be read ("" when it was, or none was given)."""
    across: bool = False
    """The source is in another language than the focus (quotations not traced)."""

    @property
    def words_in_quotes(self) -> int:
        """Words (non-punctuation tokens) inside quotations."""
        return int(self.quote_share["tokens_in_quotes"].iloc[0]) if len(self.quote_share) else 0

    @property
    def words(self) -> int:
        """Words of the focus."""
        qs = self.quote_share
        return int(qs["tokens_in_quotes"].iloc[0] + qs["tokens_outside"].iloc[0]) if len(qs) else 0

    def hits(self, where: str = "total") -> int:
        """Root-theme mentions: ``total``, ``in_quotes`` or ``outside``."""
        return int(self.quote_share.loc[self.quote_share["is_root"], where].sum())


def _focus_frame(comp: Any) -> pd.DataFrame:
    docs = comp.tokens.docs
    return docs[docs["doc_id"] == comp.focus_id].reset_index(drop=True)


def press_facts(comp: Any, source: str = "", corpus_manifest: str = "") -> PressFacts:
    """The quotations of the focus and, given a ``source``, its alignment with it.

    Parameters
    ----------
    comp : Comparison
        From :func:`analysis.compare.compare`.
    source : str
        Id (in ``corpus_manifest``, default ``data/raw/manifest.csv``), text file or http(s)
        URL of the statement the focus reports on; empty: none.
    corpus_manifest : str
        Manifest for a source id.

    Examples
    --------
    >>> from analysis import config
    >>> from analysis.report.brief import comparison_from_parameters
    >>> f = press_facts(comparison_from_parameters(focus_id=config.DEFAULT_FOCUS_ID))
    >>> f.is_press, len(f.quotes) > 0, f.diff is None
    (True, True, True)
    """
    from analysis.quotes import find_quotes, quote_share
    from analysis.tokens import tokens

    focus = _focus_frame(comp)
    row = focus.iloc[0]
    quotes = find_quotes(str(row["text"]))
    focus_toks = tokens(focus)
    facts = PressFacts(is_press=str(row.get("genre", "")).startswith("press"), quotes=quotes,
                       quote_share=quote_share(focus_toks, comp.dictionary, quotes))  # fmt: skip
    if not source:
        return facts
    from analysis.clean import corpus_clean
    from analysis.cli_text import load_documents
    from analysis.diff import MIN_MENTIONS, compare_statements
    from analysis.quotes import sentence_theme_hits, trace_quotes

    try:
        src = corpus_clean(load_documents([source], corpus_manifest or None, None)).docs
    except (OSError, ValueError) as exc:  # CorpusError, FetchError, TextError are ValueErrors
        facts.source_error = " ".join(str(exc).split())
        logger.warning("source %s not read: %s", source, facts.source_error)
        return facts
    src = src.iloc[[0]].reset_index(drop=True)
    facts.source_title = str(src["title"].iloc[0] or src["doc_id"].iloc[0])
    facts.across = str(src["language"].iloc[0]) != str(row["language"])
    facts.diff = compare_statements(src, focus, dictionary=comp.dictionary, clean=False)
    if not facts.across:  # a quotation cannot be found word for word in a translation
        facts.trace = trace_quotes(str(row["text"]), str(src["text"].iloc[0]), language=str(row["language"]),
                                   quotes=quotes)  # fmt: skip
    th = facts.diff.themes
    roots = {t.id for t in comp.dictionary.themes if not t.parent}
    facts.dropped_themes = [t for t, a, b in zip(th["theme"], th["a_count"], th["b_count"], strict=True)
                            if t in roots and a >= MIN_MENTIONS and b == 0]  # fmt: skip
    facts.a_hits = sentence_theme_hits(tokens(src), comp.dictionary)
    facts.b_hits = sentence_theme_hits(focus_toks, comp.dictionary)
    return facts


def _pct(part: int, whole: int, lang: str) -> str:
    if not whole:
        return "–"
    return i18n.fmt_number(100.0 * part / whole, lang, 0) + ("\u202f%" if lang == "fr" else "%")


def _quotes_part(brief: Any, facts: PressFacts) -> list[Block]:
    import pandas as pd

    from analysis.store import write_csv

    lang, t, n = brief.lang, brief.t, lambda x: i18n.fmt_number(x, brief.lang, 0)
    hits, inside = facts.hits(), facts.hits("in_quotes")
    if not facts.quotes:
        return [paragraphs([t["press_no_quotes"].format(hits=n(hits))])]
    text = t["press_quotes"].format(n=n(len(facts.quotes)), words=n(facts.words_in_quotes),
                                    pct=_pct(facts.words_in_quotes, facts.words, lang), hits=n(hits),
                                    inside=n(inside), share=_pct(inside, hits, lang))  # fmt: skip
    qs = facts.quote_share[facts.quote_share["is_root"] & (facts.quote_share["total"] > 0)]
    qs = qs.sort_values(["total", "theme"], ascending=[False, True])
    values = (qs["theme"].map(lambda x: brief.labels.get(x, x)), qs["in_quotes"], qs["outside"],
              qs["quote_share"])  # fmt: skip
    view = pd.DataFrame(dict(zip(i18n.COLUMNS[lang]["press_quotes"], values, strict=True)))
    write_csv(facts.quote_share, brief.folder / "tables" / "press_quote_share.csv")
    rows = [{"quote": q.text, "start": q.start, "end": q.end, "mark": q.mark} for q in facts.quotes]
    quotes = pd.DataFrame(rows, columns=["quote", "start", "end", "mark"])
    write_csv(quotes, brief.folder / "tables" / "press_quotes.csv")  # with a source: traced (below)
    cols = view.columns
    fmt = {cols[1]: ".0f", cols[2]: ".0f", cols[3]: lambda x: _pct(round(1000 * x), 1000, lang)}
    return [paragraphs([text]), table(view, caption=t["press_quotes_cap"], number_format=fmt, lang=lang)]


def _source_part(brief: Any, facts: PressFacts) -> list[Block]:
    import pandas as pd

    from analysis.diff import MIN_MENTIONS
    from analysis.store import write_csv
    from analysis.textplot_diff import textplot_alignment

    lang, t, n = brief.lang, brief.t, lambda x: i18n.fmt_number(x, brief.lang, 0)
    d, s = facts.diff, facts.diff.summary
    folder = brief.folder / "tables"
    write_csv(d.alignment, folder / "diff_alignment.csv")
    write_csv(d.themes, folder / "diff_themes.csv")
    if facts.trace is not None:
        write_csv(facts.trace, folder / "press_quotes.csv")
    translated = t["press_translated"].format(n=n(s["translated"])) if s["translated"] else ""
    texts = [t["press_source"].format(title=facts.source_title, a=n(s["a_sentences"]),
                                      b=n(s["b_sentences"]), kept=n(s["kept"]), reworded=n(s["reworded"]),
                                      translated=translated, added=n(s["added"]),
                                      dropped=n(s["dropped"]))]  # fmt: skip
    if facts.across:
        texts.append(t["press_across"])
    elif not (s["kept"] + s["reworded"]):
        texts.append(t["press_unrelated"])
    if facts.quotes and facts.trace is not None:
        match = facts.trace["match"].value_counts()
        texts.append(t["press_traced"].format(n=n(len(facts.trace)), exact=n(match.get("exact", 0)),
                                              near=n(match.get("near", 0)),
                                              none=n(match.get("none", 0))))  # fmt: skip
    if facts.dropped_themes:
        names = ", ".join(brief.labels.get(x, x) for x in facts.dropped_themes)
        texts.append(t["press_dropped_themes"].format(min=MIN_MENTIONS, themes=names))
    th = d.themes[d.themes["theme"].isin({x.id for x in brief.comp.dictionary.themes if not x.parent})]
    th = th[(th["a_count"] + th["b_count"]) >= MIN_MENTIONS].sort_values("a_count", ascending=False)
    cols = i18n.COLUMNS[lang]["press_themes"]
    values = (th["theme"].map(lambda x: brief.labels.get(x, x)), th["a_count"], th["b_count"],
              th["a_per_1000"], th["b_per_1000"], th["log_ratio"], th["log_ratio_ci_low"],
              th["log_ratio_ci_high"])  # fmt: skip
    view = pd.DataFrame(dict(zip(cols, values, strict=True)))
    one_side = ((th["a_count"] == 0) | (th["b_count"] == 0)).to_numpy()
    view.loc[one_side, cols[5]] = float("nan")  # a ratio against nothing reads as a measure: none
    fmt = {cols[1]: ".0f", cols[2]: ".0f", cols[3]: ".1f", cols[4]: ".1f"}
    caption = t["press_themes_cap"].format(min=MIN_MENTIONS)
    blocks = [paragraphs(texts), table(view, caption=caption, number_format=fmt, lang=lang)]
    sides = (t["press_side_source"], t["press_side_focus"])  # the titles are in the paragraph above
    fig = textplot_alignment(d.alignment, a_themes=facts.a_hits, b_themes=facts.b_hits,
                             labels=brief.labels, names=sides, lang=lang, sides=sides)  # fmt: skip
    if len(d.alignment) <= MAX_FIGURE_ROWS:
        blocks.append(brief._figure(fig, "diff_alignment", t["press_figure_cap"]))
    else:
        from analysis.style import save_figure

        save_figure(fig, brief.folder / "figures", "diff_alignment")
        blocks.append(note(t["press_long"].format(n=n(len(d.alignment)))))
    import matplotlib.pyplot as plt

    plt.close(fig)
    return blocks


def press_block(brief: Any, source: str = "", corpus_manifest: str = "") -> Block:
    """Annex section: the focus's quotations and, given ``source``, what it kept from it.

    Examples
    --------
    >>> import tempfile
    >>> from analysis import config
    >>> from analysis.report.brief import Brief
    >>> b = Brief.from_parameters(focus_id=config.DEFAULT_FOCUS_ID, output_dir=tempfile.mkdtemp(), lang="en")
    >>> "press article" in press_block(b).html
    True
    """
    t = brief.t
    facts = press_facts(brief.comp, source, corpus_manifest)
    blocks: list[Block] = [annex_heading("press", brief.lang)]
    if not facts.is_press and not source:
        return concat(*blocks, paragraphs([t["press_not_press"]]))
    if facts.is_press:
        blocks += _quotes_part(brief, facts)
    if facts.source_error:
        blocks.append(note(t["press_source_error"].format(source=source, error=facts.source_error)))
    elif source:
        blocks += _source_part(brief, facts)
    else:
        blocks.append(note(t["press_no_source"]))
    logger.info("press section: %d quotations%s", len(facts.quotes), f", source {source}" if source else "")
    return concat(*blocks)
