"""Interactive exploration in JupyterLab: choose the focus, the references and a theme; read its passages.

:func:`explore_widget` returns an :class:`Explorer` whose ``box`` (ipywidgets) shows a
focus menu (the documents of a manifest), a reference menu (same language, all
languages, same parties), the themes with their counts, and the passages of the theme
chosen. Changing the focus or the references computes the comparison again
(:func:`analysis.compare.compare`); choosing a theme only reads its keyword-in-context
lines (:func:`analysis.kwic.kwic`). The callbacks live here, not in the notebook.

Examples
--------
>>> ex = explore_widget(lang="en")
>>> ex.themes.value = "ukraine"
>>> "Ukraine" in ex.passages.value
True
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from analysis import config, i18n

logger = logging.getLogger(__name__)

__all__ = ["Explorer", "explore_widget"]


@dataclass
class Explorer:
    """The widgets of :func:`explore_widget` and the comparison they show."""

    box: Any
    focus: Any
    frame: Any
    themes: Any
    passages: Any
    summary: Any
    lang: str = "fr"
    window: int = 10
    corpus_manifest: Path | str | None = None
    state: dict[str, Any] = field(default_factory=dict)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:  # the notebook shows the widgets
        return self.box._repr_mimebundle_(**kwargs)

    @property
    def comparison(self) -> Any:
        """The comparison currently shown."""
        return self.state["comp"]

    def recompute(self, *_: Any) -> None:
        """Compare the chosen focus with the chosen references; list the themes with their counts."""
        from analysis.compare import compare

        docs = self.state["docs"]
        parties = docs.loc[docs["doc_id"] == self.focus.value, "parties"].iloc[0]
        options: dict[str, Any] = {"reference_language": "focus"}
        if self.frame.value == "all":
            options["reference_language"] = "all"
        elif self.frame.value == "parties":
            named = [p.strip() for p in parties.split(";") if p.strip()]
            options = {"reference_language": "all", "parties": named}
        manifest = self.corpus_manifest or config.RAW_MANIFEST
        comp = compare(self.focus.value, corpus_manifest=manifest, **options)
        self.state["comp"] = comp
        t = i18n.messages(i18n.EXPLORE, self.lang)
        labels = comp.dictionary.labels(self.lang)
        rows = comp.themes.sort_values("focus_count", ascending=False)
        self.themes.options = [
            (f"{'' if root else '  '}{labels.get(th, th)} ({n})", th)
            for th, n, root in zip(rows["theme"], rows["focus_count"], rows["is_root"], strict=True)
        ]
        words = i18n.fmt_number(int(comp.focus.get("n_tokens", 0)), self.lang, 0)
        refs = i18n.fmt_number(int(comp.frame.get("n_documents", 0)), self.lang, 0)
        title = comp.focus.get("title", "")
        self.summary.value = escape(f"{title} · {words} {t['words']} · {refs} {t['w_frame'].lower()}")
        self.show()

    def show(self, *_: Any) -> None:
        """The passages of the chosen theme in the focus, as an HTML list (escaped)."""
        from analysis.kwic import kwic

        t = i18n.messages(i18n.EXPLORE, self.lang)
        comp, theme = self.state.get("comp"), self.themes.value
        if comp is None or theme is None:
            self.passages.value = f"<p>{escape(t['choose'])}</p>"
            return
        focus = [comp.focus_id]
        lines = kwic(comp.tokens, theme, dictionary=comp.dictionary, window=self.window, docs=focus)
        label = comp.dictionary.labels(self.lang).get(theme, theme)
        if lines.empty:
            self.passages.value = f"<h4>{escape(label)}</h4><p>{escape(t['no_contexts'])}</p>"
            return
        items = "".join(
            f"<li>{escape(r.pre)} <b>{escape(r.keyword)}</b> {escape(r.post)}</li>"
            for r in lines.itertuples()
        )
        self.passages.value = f"<h4>{escape(t['contexts'] + t['colon'] + label)}</h4><ol>{items}</ol>"


def explore_widget(
    focus_id: str | None = None,
    *,
    corpus_manifest: Path | str | None = None,
    lang: str = "fr",
    window: int = 10,
) -> Explorer:
    """Widgets to explore a statement's themes: focus, references, theme, passages.

    Parameters
    ----------
    focus_id : str or None
        The document shown first (default: the manifest's first, or the seed article).
    corpus_manifest : path-like or None
        The documents to choose from (default ``data/raw/manifest.csv``).
    lang : str
        Language of the labels.
    window : int
        Words of context on each side of a keyword.

    Returns
    -------
    Explorer
        ``box`` to display (the notebook displays the Explorer itself).

    Examples
    --------
    >>> ex = explore_widget(lang="fr")
    >>> ex.frame.value = "all"
    >>> ex.comparison.frame["n_documents"] > 72
    True
    """
    import ipywidgets as w

    from analysis.corpus import corpus

    t = i18n.messages(i18n.EXPLORE, lang)
    docs = corpus(corpus_manifest or config.RAW_MANIFEST).docs
    if docs.empty:
        raise ValueError("no document to explore: the manifest is empty (analysis add --text FILE)")
    ids = list(docs["doc_id"])
    if focus_id and focus_id not in ids:
        raise ValueError(f"no document with id {focus_id!r} to explore (ids: {', '.join(ids[:10])})")
    default = config.DEFAULT_FOCUS_ID if config.DEFAULT_FOCUS_ID in ids else ids[0]
    first = focus_id or default
    focus = w.Dropdown(options=[(str(r.title)[:80], r.doc_id) for r in docs.itertuples()], value=first,
                       description=t["w_focus"], layout=w.Layout(width="60%"))  # fmt: skip
    frame = w.ToggleButtons(
        options=[(t["frame_language"], "focus"), (t["frame_all"], "all"), (t["frame_parties"], "parties")],
        value="focus", description=t["w_frame"],
    )  # fmt: skip
    themes = w.Select(options=[], rows=14, description=t["w_theme"], layout=w.Layout(width="40%"))
    passages = w.HTML(layout=w.Layout(width="58%"))
    summary = w.HTML()
    box = w.VBox([focus, frame, summary, w.HBox([themes, passages])])
    ex = Explorer(box=box, focus=focus, frame=frame, themes=themes, passages=passages, summary=summary,
                  lang=lang, window=window, corpus_manifest=corpus_manifest)  # fmt: skip
    ex.state["docs"] = docs
    focus.observe(ex.recompute, "value")
    frame.observe(ex.recompute, "value")
    themes.observe(ex.show, "value")
    ex.recompute()
    return ex
