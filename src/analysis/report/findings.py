"""Plain-language findings computed from a comparison (the report's executive summary).

Every sentence is built from the numbers of a :class:`analysis.compare.Comparison`;
nothing here is written for one particular statement. The sentences are templates
of :data:`analysis.i18n.FINDINGS`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from analysis.i18n import FINDINGS, fmt_number, fmt_pvalue

if TYPE_CHECKING:  # pragma: no cover
    from analysis.compare import Comparison

logger = logging.getLogger(__name__)

ALPHA = 0.05


def _label(row, lang: str) -> str:
    return str(row[f"label_{lang}"]) if f"label_{lang}" in row else str(row["theme"])


def _list(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    last = FINDINGS["fr" if lang == "fr" else "en"]["and"]
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def findings(comp: Comparison, lang: str = "fr", max_items: int = 6) -> list[str]:
    """Return 3 to 6 plain-language findings about the focus statement.

    Parameters
    ----------
    comp : Comparison
        The comparison the report shows.
    lang : {"fr", "en"}
        Language of the sentences (any other language gets the English ones).
    max_items : int
        Largest number of findings.

    Returns
    -------
    list of str
        The findings, most important first; the last one lists the caveats.

    Examples
    --------
    >>> from analysis.compare import compare
    >>> out = findings(compare(), "en")
    >>> 3 <= len(out) <= 6
    True
    """
    f = FINDINGS["fr" if lang == "fr" else "en"]
    themes = comp.themes[comp.themes["is_root"]].copy()
    n_ref = int(themes["n_reference_docs"].iloc[0]) if len(themes) else 0
    out: list[str] = []

    # 1. what dominates the focus
    min_count = int(comp.parameters.get("min_count", 3))
    top = themes[themes["focus_count"] > 0].sort_values("focus_count", ascending=False).head(3)
    total_hits = int(themes["focus_count"].sum())
    if total_hits < min_count:
        out.append(f["few_hits"].format(n=total_hits))
    else:
        parts = [
            f["rate_item"].format(label=_label(r, lang), rate=fmt_number(r.focus_per_1000, lang))
            for _, r in top.iterrows()
        ]
        share = top["focus_count"].sum() / total_hits * 100
        out.append(
            f["dominant"].format(items=_list(parts, lang), share=fmt_number(share, lang, 0), n=total_hits)
        )

    # 2. over-represented themes against the pooled reference
    sig = themes[(themes["testable"]) & (themes["p_holm"] < ALPHA)]
    over = sig[sig["log_ratio"] > 0].sort_values("log_ratio", ascending=False).head(3)

    def ratio_item(r) -> str:
        return f["ratio_item"].format(
            label=_label(r, lang), ratio=fmt_number(2**r.log_ratio, lang), p=fmt_pvalue(r.p_holm, lang)
        )

    if len(over):
        parts = [ratio_item(r) for _, r in over.iterrows()]
        out.append(f["over"].format(n=n_ref, items=_list(parts, lang)))
    else:
        testable = themes[themes["testable"]].sort_values("log_ratio", ascending=False).head(1)
        if len(testable):
            out.append(f["no_over"].format(item=ratio_item(testable.iloc[0])))

    # 3. under-represented or absent themes that are common in the reference
    under = sig[sig["log_ratio"] < 0].sort_values("log_ratio").head(3)
    absent = themes[(themes["focus_count"] == 0) & (themes["reference_median"] > 0)]
    if len(under):
        parts = [
            f["under_item"].format(
                label=_label(r, lang),
                focus=fmt_number(r.focus_per_1000, lang),
                reference=fmt_number(r.reference_per_1000, lang),
            )
            for _, r in under.iterrows()
        ]
        out.append(f["under"].format(items=_list(parts, lang)))
    elif len(absent):
        names = [_label(r, lang) for _, r in absent.head(4).iterrows()]
        out.append(f["absent"].format(items=_list(names, lang)))

    # 4. document-level position (documents as units)
    # only themes frequent enough to be tested (a single occurrence in a short text can
    # outrank every reference document by chance)
    high = themes[themes["testable"] & (themes["percentile"] >= 90)].sort_values(
        "percentile", ascending=False
    )
    if len(high):
        names = [
            f["percentile_item"].format(label=_label(r, lang), percentile=fmt_number(r.percentile, lang, 0))
            for _, r in high.head(4).iterrows()
        ]
        out.append(f["high"].format(items=_list(names, lang)))

    # 5. most similar statements
    sim = comp.similarity[comp.similarity["cosine"] > 0].head(3)
    if len(sim) and total_hits >= min_count:
        short = [t if len(t) <= 90 else t[:89].rstrip() + "…" for t in sim["title"]]
        parts = [
            f["similar_item"].format(title=t, date=r.date, cosine=fmt_number(r.cosine, lang, 2))
            for t, r in zip(short, sim.itertuples(), strict=True)
        ]
        out.append(f["similar"].format(items=_list(parts, lang)))

    # 6. caveats the reader must keep in mind
    caveats = []
    if bool(comp.themes["cross_language"].any()):
        caveats.append(f["cross_language"])
    n_tokens = int(comp.focus.get("n_tokens", 0))
    if n_tokens < 1000:
        caveats.append(f["short"].format(n=n_tokens))
    if comp.focus.get("genre") == "press_article":
        caveats.append(f["press_article"])
    if caveats:
        out.append(f["caveats"].format(caveats="; ".join(caveats)))
    return out[:max_items]
