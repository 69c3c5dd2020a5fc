"""The stakeholder brief, section by section (what ``notebooks/04_report.ipynb`` shows).

:class:`Brief` computes the comparison once; each method returns a display
block (:mod:`analysis.report.blocks`, :mod:`analysis.report.tables`) and, as a
side effect, writes the figures and tables it shows into the run folder
(``figures/`` and ``tables/``), so every number of the PDF can be checked against
a CSV file of the run. Its words come from :mod:`analysis.i18n` (``BRIEF``,
``COLUMNS``, ``GENRES``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import config, i18n
from analysis.report.annex import annex_heading
from analysis.report.blocks import Block, bullet_list, concat, figure, note, paragraphs
from analysis.report.findings import findings
from analysis.report.methodology import methodology_block
from analysis.report.tables import kwic_block, table

if TYPE_CHECKING:  # pragma: no cover

    from analysis.compare import Comparison

logger = logging.getLogger(__name__)

#: Rows of the heat map: the focus and its most similar references.
HEATMAP_ROWS = 25
#: Characters of a document's label in the figures (cut in the middle: start and end both kept).
DOC_LABEL_CHARS = 56


def output_folder(output_dir: str | Path = "") -> Path:
    """Resolve a notebook's ``output_dir`` parameter and create ``figures/`` and ``tables/``.

    An empty value means ``reports/scratch`` (exploration outside a run).

    Examples
    --------
    >>> import tempfile
    >>> sorted(p.name for p in output_folder(tempfile.mkdtemp()).iterdir())
    ['figures', 'tables']
    """
    folder = Path(output_dir) if output_dir else config.REPORTS_DIR / "scratch"
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    return folder


def or_default(value: Any, default: Any) -> Any:
    """Return ``default`` for an empty notebook parameter ("" or []).

    Examples
    --------
    >>> or_default("", "x"), or_default("y", "x"), or_default([], None)
    ('x', 'y', None)
    """
    return default if value in ("", [], None) else value


def compare_arguments(
    *,
    focus_id: str,
    corpus_manifest: str = "",
    dictionary_path: str = "",
    reference_language: str = "",
    reference_parties: list[str] | None = None,
    since: str = "",
    until: str = "",
    window: str = "",
    min_count: int = 3,
    title_mode: str = "",
) -> dict[str, Any]:
    """The arguments of :func:`analysis.compare.compare` from notebook parameters (empty = default).

    Examples
    --------
    >>> compare_arguments(focus_id="x", since="2020-01-01")["since"]
    '2020-01-01'
    >>> compare_arguments(focus_id="x")["reference_language"]  # empty: the focus's language
    'focus'
    """
    return {
        "focus_id": focus_id,
        "corpus_manifest": or_default(corpus_manifest, config.RAW_MANIFEST),
        "dictionary_path": or_default(dictionary_path, config.DEFAULT_DICTIONARY),
        "reference_language": or_default(reference_language, "focus"),
        "parties": or_default(reference_parties, None),
        "since": or_default(since, None),
        "until": or_default(until, None),
        "window": or_default(window, None),
        "min_count": min_count,
        "title": or_default(title_mode, None),
    }


def comparison_from_parameters(**params: Any) -> Comparison:
    """Run :func:`analysis.compare.compare` from notebook parameters (see :func:`compare_arguments`).

    Examples
    --------
    >>> comparison_from_parameters(focus_id=config.DEFAULT_FOCUS_ID).focus_id
    'fr-ca-2024-09-26-press-fr'
    """
    from analysis.compare import compare

    return compare(**compare_arguments(**params))


@dataclass
class Brief:
    """The sections of the stakeholder brief for one comparison.

    Examples
    --------
    >>> import tempfile
    >>> b = Brief.from_parameters(focus_id=config.DEFAULT_FOCUS_ID, output_dir=tempfile.mkdtemp())
    >>> "Constats détaillés" in b.executive_summary().html
    True
    """

    comp: Comparison
    lang: str = "fr"
    folder: Path = field(default_factory=output_folder)
    run_id: str = ""
    top_themes: int = 4
    kwic_window: int = 10

    @classmethod
    def from_parameters(cls, *, lang: str = "fr", output_dir: str = "", **params: Any) -> Brief:
        """Compute the comparison from notebook parameters and prepare the run folder."""
        folder = output_folder(output_dir)
        comp = comparison_from_parameters(**params)
        brief = cls(comp=comp, lang=lang, folder=folder, run_id=folder.name)
        brief.save_tables()
        return brief

    # ------------------------------------------------------------------ helpers
    @property
    def t(self) -> dict[str, str]:
        """UI strings in the brief's language."""
        return i18n.BRIEF[self.lang]

    @property
    def labels(self) -> dict[str, str]:
        """Theme labels in the brief's language."""
        return self.comp.dictionary.labels(self.lang)

    def _figure(self, fig: Any, name: str, caption: str, title: str | None = None) -> Block:
        from analysis.style import save_figure

        save_figure(fig, self.folder / "figures", name)
        return figure(fig, caption, title=title)

    def doc_labels(self, width: int = DOC_LABEL_CHARS, *, dated: bool = True) -> dict[str, str]:
        """Each document's label in the figures: its title, cut in the middle, and its date.

        ``dated=False`` leaves the date out, for a figure that prints it itself (the heat map).
        """
        from analysis.style import document_labels

        docs = self.comp.documents
        dates = docs["date"] if dated else None
        return document_labels(docs["doc_id"], docs["title"], dates, width=width, lang=self.lang)

    def _top(self) -> list[str]:
        themes = self.comp.themes[self.comp.themes["is_root"] & (self.comp.themes["focus_count"] > 0)]
        return themes.sort_values("focus_count", ascending=False)["theme"].head(self.top_themes).tolist()

    def theme_table(self):
        """The theme comparison table as written to ``tables/themes.csv``."""
        cols = ["theme", "label_fr", "label_en", "parent", "focus_count", "focus_tokens", "focus_per_1000",
                "reference_count", "reference_tokens", "reference_per_1000", "g2", "p_value", "p_holm",
                "log_ratio", "log_ratio_ci_low", "log_ratio_ci_high", "lrc", "testable", "direction",
                "percentile", "reference_median", "reference_q1", "reference_q3", "n_reference_docs",
                "cross_language"]  # fmt: skip
        return self.comp.themes[cols]

    def save_tables(self) -> dict[str, Path]:
        """Write the run's CSV tables (themes, words, similarity, counts, patterns, documents, audit)."""
        from analysis.store import write_csv

        tables = self.folder / "tables"
        look = self.comp.lookup
        out = {
            "themes": write_csv(self.theme_table(), tables / "themes.csv"),
            "similarity": write_csv(self.comp.similarity, tables / "similarity.csv"),
            "counts": write_csv(self.comp.counts, tables / "counts.csv"),
            "patterns": write_csv(look.pattern_counts, tables / "pattern_counts.csv"),
            "unmatched": write_csv(look.unmatched, tables / "unmatched_patterns.csv"),
            "documents": write_csv(self.comp.documents, tables / "documents.csv"),
            "audit": write_csv(self.comp.corpus.audit, tables / "cleaning_audit.csv"),
        }
        if self.comp.unavailable is not None and len(self.comp.unavailable):
            out["unavailable"] = write_csv(self.comp.unavailable, tables / "unavailable_themes.csv")
        if self.comp.words is not None:
            out["words"] = write_csv(self.comp.words, tables / "words.csv")
        if self.comp.sensitivity is not None:
            frames = self.comp.sensitivity.frames.copy()
            for col in ("languages", "genres"):
                frames[col] = frames[col].map(lambda d: "; ".join(f"{k}: {v}" for k, v in d.items()))
            out["frames"] = write_csv(frames, tables / "frames.csv")
            out["sensitivity"] = write_csv(self.comp.sensitivity.results, tables / "sensitivity.csv")
            out["stability"] = write_csv(self.comp.sensitivity.stability, tables / "stability.csv")
        return out

    # ----------------------------------------------------------------- sections
    def front(self, title: str = "", author: str = "") -> Block:
        """Page one: title, what was analysed, key messages, what to keep in mind (:mod:`.front`)."""
        from analysis.report.front import front_page

        return front_page(self, title, author)

    def key_figures(self) -> Block:
        """The first pages' figures, with titles that state their conclusion (:mod:`.front`)."""
        from analysis.report.front import front_figures

        return front_figures(self)

    def annex_contents(self) -> Block:
        """The annex's title and table of contents, on a new page (:mod:`.annex`)."""
        from analysis.report.annex import annex_contents

        return annex_contents(self.lang)

    def frame_line(self) -> str:
        """The frame in one line: number of references, languages, dates, words, rules.

        Examples
        --------
        >>> from analysis.compare import compare
        >>> Brief(comp=compare(), lang="en", folder=output_folder()).frame_line()  # doctest: +ELLIPSIS
        '... reference statements in French, ... to ... (... words)'
        """
        from analysis.report.findings import frame_rules

        frame = self.comp.frame
        languages = [i18n.language_name(k, self.lang) for k in frame.get("languages", {})]
        return self.t["corpus_line"].format(
            n=i18n.fmt_number(frame.get("n_documents", 0), self.lang, 0),
            languages=", ".join(languages),
            first=i18n.fmt_date(frame.get("date_min", ""), self.lang),
            last=i18n.fmt_date(frame.get("date_max", ""), self.lang),
            words=i18n.fmt_number(frame.get("n_tokens", 0), self.lang, 0),
            rules=frame_rules(frame, self.lang),
        )

    def executive_summary(self) -> Block:
        """The frame, the findings that hold in every frame, those that depend on it, and the caveats."""

        return concat(annex_heading("findings", self.lang), bullet_list(findings(self.comp, self.lang)))

    def sensitivity(self) -> Block:
        """Table: each main theme's difference under every frame of the panel, and its status."""
        import pandas as pd

        from analysis.frames import MIN_FRAME_DOCUMENTS, PANEL
        from analysis.report.findings import finding_table

        sens, t = self.comp.sensitivity, self.t
        if sens is None:
            return concat()
        themes = finding_table(self.comp)
        results = sens.results.set_index(["frame", "theme"])
        formed = dict(zip(sens.frames["frame"], sens.frames["formed"], strict=True))
        elsewhere = sens.stability.set_index("theme")["elsewhere"]
        shown = [x for x in themes.itertuples() if x.finding != "none" or elsewhere.get(x.theme)]

        def cell(frame: str, theme: str) -> str:
            if not formed.get(frame):
                return "n/a" if self.lang != "fr" else "n/d"
            if frame == "leave_one_out":
                row = sens.stability.set_index("theme").loc[theme]
                return (
                    f"{int(row['loo_kept'])}/{int(row['loo_total'])}" if row["direction"] != "none" else "–"
                )
            r = results.loc[(frame, theme)]
            if r["direction"] not in ("over", "under"):
                return "–" if r["direction"] != "n/a" else ("n/a" if self.lang != "fr" else "n/d")
            arrow = "↑" if r["direction"] == "over" else "↓"
            return f"{arrow} {i18n.fmt_number(2 ** abs(float(r['lrc'])), self.lang, 1)}"

        rows = [
            [self._marked(x.theme, self.labels.get(x.theme, x.theme)), *[cell(fr, x.theme) for fr in PANEL],
             t[f"status_{x.status}"]]
            for x in shown
        ]  # fmt: skip
        view = pd.DataFrame(rows, columns=i18n.COLUMNS[self.lang]["sensitivity"])
        frames = sens.frames.copy()
        names = dict(zip(PANEL, i18n.COLUMNS[self.lang]["frame_names"], strict=True))
        fview = pd.DataFrame({
            "frame": frames["frame"].map(names), "n": frames["n_documents"],
            "words": frames["n_tokens"].map(lambda n: i18n.fmt_number(int(n), self.lang, 0)),
            "from": frames["date_min"].map(lambda d: i18n.fmt_date(d, self.lang) if d else "–"),
            "to": frames["date_max"].map(lambda d: i18n.fmt_date(d, self.lang) if d else "–"),
        })  # fmt: skip
        fview.columns = i18n.COLUMNS[self.lang]["frames"]
        return concat(
            annex_heading("sensitivity", self.lang),
            paragraphs([t["sensitivity_intro"].format(min=MIN_FRAME_DOCUMENTS)]),
            table(view, caption=t["sensitivity_cap"] + self._flag_note(), lang=self.lang, max_rows=40),
            table(fview, caption=t["frames_cap"], lang=self.lang,
                  number_format={fview.columns[1]: "d"}),
        )  # fmt: skip

    def theme_profile(self) -> Block:
        """Figure: focus rate per theme beside the reference median and IQR."""
        from analysis.textplot import textplot_theme_profile

        themes = self.comp.themes[self.comp.themes["is_root"]]
        fig = textplot_theme_profile(themes, labels=self.labels, lang=self.lang)
        return concat(annex_heading("profile", self.lang),
                      self._figure(fig, "theme_profile", self.t["profile_cap"]))

    def keyness_themes(self) -> Block:
        """Figure and table: theme keyness with Log Ratio, CI, G2 and Holm-corrected p."""
        from analysis.textplot import textplot_keyness

        themes = self.comp.themes[self.comp.themes["is_root"]]
        fig = textplot_keyness(themes, item="theme", labels=self.labels, lang=self.lang)
        label = f"label_{self.lang}"
        view = themes[["theme", label, "focus_count", "focus_per_1000", "reference_per_1000", "g2", "p_holm",
                       "log_ratio", "lrc", "percentile"]].copy()  # fmt: skip
        view[label] = [self._marked(t, lab) for t, lab in zip(view.pop("theme"), view[label], strict=True)]
        headers = i18n.COLUMNS[self.lang]["themes"]
        view.columns = headers
        fmt = {headers[1]: "d", headers[2]: ".2f", headers[3]: ".2f", headers[4]: ".2f", headers[5]: ".3f",
               headers[6]: ".2f", headers[7]: ".2f", headers[8]: ".0f"}  # fmt: skip
        cap = self.t["theme_table_cap"] + self._flag_note()
        return concat(
            annex_heading("keyness", self.lang),
            self._figure(fig, "keyness_themes", self.t["keyness_cap"]),
            table(view, caption=cap, number_format=fmt, lang=self.lang, max_rows=40),
        )

    def _marked(self, theme: str, label: str) -> str:
        """A theme's label, with the validation's mark when its precision or recall is low."""
        from analysis.report.validation_block import FLAG_MARK, flagged_themes

        return f"{label} {FLAG_MARK}" if theme in flagged_themes(self.comp.dictionary) else label

    def _flag_note(self) -> str:
        from analysis.report.validation_block import FLAG_MARK, flagged_themes

        if not flagged_themes(self.comp.dictionary):
            return ""
        return " " + self.t["flag_note"].format(mark=FLAG_MARK)

    def validation(self) -> Block:
        """Annex: precision, recall and F1 of the instrument per theme (:mod:`analysis.validation`)."""
        from analysis.report.validation_block import validation_block

        return validation_block(self.comp.dictionary, self.lang, anchor="annex-validation")

    def heatmap(self, top: int = HEATMAP_ROWS) -> Block:
        """Figure: documents x themes rates, focus highlighted, ordered by similarity.

        The focus and its ``top`` most similar references (all of them in a smaller
        frame); the caption says how many of the frame's references are shown.
        """
        from analysis.textplot import textplot_heatmap

        order = [self.comp.focus_id, *self.comp.similarity["doc_id"]]
        fig = textplot_heatmap(self.comp.doc_rates(), self.comp.focus_id, order=order, labels=self.labels,
                               lang=self.lang, max_rows=top + 1, titles=self.doc_labels(44, dated=False),
                               label_chars=44)  # fmt: skip
        cap = self.t["heatmap_cap"]
        n_refs = len(self.comp.similarity)
        if n_refs > top:
            cap += " " + self.t["heatmap_top"].format(n=top, total=i18n.fmt_number(n_refs, self.lang, 0))
        return concat(annex_heading("heatmap", self.lang), self._figure(fig, "heatmap", cap))

    def dispersion(self) -> Block:
        """Figure: where each main theme's hits fall along the focus text.

        One row per root theme found in the focus: its ticks are the theme's own
        rows of ``Lookup.hits`` (they already hold its subthemes' matches, which the
        hits list again under each subtheme), its label the ``focus_count`` of the
        theme table.
        """
        from analysis.textplot import textplot_dispersion

        focus = self.comp.focus_id
        roots = self.comp.themes[self.comp.themes["is_root"] & (self.comp.themes["focus_count"] > 0)]
        hits = self.comp.lookup.hits
        hits = hits[(hits["doc_id"] == focus) & hits["theme"].isin(set(roots["theme"]))]
        lengths = (self.comp.tokens.data.groupby("doc_id")["position"].max() + 1).loc[[focus]]
        fig = textplot_dispersion(
            hits, lengths, themes=roots["theme"].tolist(), labels=self.labels, lang=self.lang,
            counts=dict(zip(roots["theme"], roots["focus_count"].astype(int), strict=True)),
        )  # fmt: skip
        return concat(
            annex_heading("dispersion", self.lang),
            self._figure(fig, "dispersion", self.t["dispersion_cap"]),
        )

    def kwic_excerpts(self, per_theme: int = 3) -> Block:
        """A few keyword-in-context excerpts from the focus text for the main themes.

        ``tables/kwic.csv`` has the columns of :func:`analysis.kwic.kwic` (``doc_id``
        the focus's id, ``theme`` the theme id) and ``theme_label``, the label the
        table prints under "Thème"/"Theme".
        """
        import pandas as pd

        from analysis.kwic import kwic
        from analysis.store import write_csv

        focus, top = self.comp.focus_id, self._top()
        lines = kwic(self.comp.tokens, top, dictionary=self.comp.dictionary, window=self.kwic_window,
                     docs=[focus]) if top else None  # fmt: skip
        rows = [lines[lines["theme"] == theme].head(per_theme) for theme in top]
        columns = ["doc_id", "theme", "pattern", "position", "pre", "keyword", "post"]
        excerpts = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
        excerpts.insert(2, "theme_label", excerpts["theme"].map(lambda t: self.labels.get(t, t)))
        write_csv(excerpts, self.folder / "tables" / "kwic.csv")
        from analysis.explorer import EXPLORER_FILE, write_explorer

        write_explorer(self.comp, self.folder / EXPLORER_FILE, self.lang, window=self.kwic_window)
        cap = self.t["kwic_cap"].format(n=self.kwic_window)
        headers = i18n.COLUMNS[self.lang]["kwic"]
        return concat(
            annex_heading("kwic", self.lang),
            kwic_block(excerpts, caption=cap, lang=self.lang, label="theme_label", headers=headers),
            note(self.t["explorer_note"].format(file=EXPLORER_FILE)),
        )

    def press(self, source: str = "", corpus_manifest: str = "") -> Block:
        """Annex: the focus's quotations and, given the ``source`` statement, what it kept of it.

        See :func:`analysis.report.press.press_block` (``source``: id, text file or URL).
        """
        from analysis.report.press import press_block

        return press_block(self, source, corpus_manifest)

    def similarity(self, top: int = 12) -> Block:
        """Figure and table: the reference statements most similar to the focus."""
        from analysis.textplot import textplot_similarity

        sim = self.comp.similarity
        from analysis.report.front import SIMILARITY_LABEL_CHARS

        titles = self.doc_labels(SIMILARITY_LABEL_CHARS)
        fig = textplot_similarity(sim, titles=titles, lang=self.lang, top=top)
        view = sim.head(top)[["rank", "title", "date", "language", "cosine"]].copy()
        view.columns = i18n.COLUMNS[self.lang]["similarity"]
        return concat(
            annex_heading("similarity", self.lang),
            self._figure(fig, "similarity", self.t["similarity_cap"]),
            table(view, number_format={view.columns[0]: "d", view.columns[4]: ".3f"}, lang=self.lang),
        )

    def keyness_words(self, top: int = 20) -> Block:
        """Figure: word-level keyness against references in the focus language (or why not)."""
        from analysis.textplot import textplot_keyness

        if self.comp.words is None:
            return concat(annex_heading("words", self.lang), note(self.t["no_words"]))
        # only words of the text: the ones absent from it would fill the "too rare to test" block;
        # each is named by its ``form`` (the word as the text writes it), not its folded key
        words = self.comp.words[self.comp.words["focus_count"] > 0]
        fig = textplot_keyness(words, item="term", lang=self.lang, top=top, max_untestable=8)
        n_docs = len(self.comp.words.attrs.get("reference_documents", []))
        cap = self.t["words_cap"] + " (" + self.t["n_references"].format(n=n_docs) + ")"
        return concat(annex_heading("words", self.lang), self._figure(fig, "keyness_words", cap))

    def timeline(self) -> Block:
        """Figure: the main themes' rates over time across the references, the focus marked."""
        from analysis.textplot import textplot_theme_timeline

        rates = self.comp.doc_rates()
        docs = self.comp.documents[["doc_id", "date", "title", "language"]]
        fig = textplot_theme_timeline(
            rates, docs, self.comp.focus_id, self._top(), labels=self.labels, lang=self.lang
        )
        return concat(annex_heading("timeline", self.lang),
                      self._figure(fig, "timeline", self.t["timeline_cap"]))

    def methodology(self) -> Block:
        """Method: cleaning, tokens, dictionary, matching rules, statistics, limits."""
        return methodology_block(self.comp, self.lang, anchor="annex-method")

    def reference_table(self) -> Block:
        """Annex: the reference statements (a list, or counts by genre and year for a large frame)."""
        from analysis.report.annex import reference_table

        return reference_table(self)

    def dictionary_appendix(self) -> Block:
        """Annex: the full dictionary, patterns by theme and language."""
        from analysis.report.annex import dictionary_appendix

        return dictionary_appendix(self)

    def reproducibility(self, parameters: dict[str, Any] | None = None) -> Block:
        """Annex: run id, parameters, input hashes, package versions."""
        from analysis.report.annex import reproducibility

        return reproducibility(self, parameters)
