"""Plain-language findings computed from a comparison (the report's executive summary).

Every sentence is built from the numbers of a :class:`analysis.compare.Comparison`;
nothing here is written for one particular statement.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from analysis.compare import Comparison

logger = logging.getLogger(__name__)

ALPHA = 0.05


def fmt_number(x: float, lang: str = "fr", digits: int = 1) -> str:
    """Format a number for prose: French decimal comma and thin grouping, or English.

    Examples
    --------
    >>> fmt_number(1234.56, "fr")
    '1\\u202f234,6'
    >>> fmt_number(1234.56, "en")
    '1,234.6'
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    text = f"{x:,.{digits}f}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def fmt_pvalue(p: float, lang: str = "fr") -> str:
    """Format a p-value (``p < 0,001`` below one in a thousand).

    Examples
    --------
    >>> fmt_pvalue(0.00002, "en"), fmt_pvalue(0.0312, "fr")
    ('p < 0.001', 'p = 0,031')
    """
    if p is None or math.isnan(p):
        return "–"
    if p < 0.001:
        return "p < 0,001" if lang == "fr" else "p < 0.001"
    return f"p = {fmt_number(p, lang, 3)}"


def _label(row, lang: str) -> str:
    return str(row[f"label_{lang}"]) if f"label_{lang}" in row else str(row["theme"])


def _list(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    last = " et " if lang == "fr" else " and "
    return ", ".join(items[:-1]) + last + items[-1]


def findings(comp: Comparison, lang: str = "fr", max_items: int = 6) -> list[str]:
    """Return 3 to 6 plain-language findings about the focus statement.

    Parameters
    ----------
    comp : Comparison
    lang : {"fr", "en"}
    max_items : int

    Examples
    --------
    >>> from analysis.compare import compare
    >>> out = findings(compare(), "en")
    >>> 3 <= len(out) <= 6
    True
    """
    fr = lang == "fr"
    themes = comp.themes[comp.themes["is_root"]].copy()
    n_ref = int(themes["n_reference_docs"].iloc[0]) if len(themes) else 0
    out: list[str] = []

    # 1. what dominates the focus
    min_count = int(comp.parameters.get("min_count", 3))
    top = themes[themes["focus_count"] > 0].sort_values("focus_count", ascending=False).head(3)
    total_hits = int(themes["focus_count"].sum())
    if total_hits < min_count:
        out.append(
            f"Le texte ne contient que {total_hits} occurrence(s) des termes du dictionnaire : trop peu pour "
            "dégager des thèmes dominants."
            if fr
            else f"The text has only {total_hits} dictionary match(es): too few to name dominant themes."
        )
    else:
        parts = [
            f"{_label(r, lang)} ({fmt_number(r.focus_per_1000, lang)} "
            + ("pour 1 000 mots" if fr else "per 1,000 words")
            + ")"
            for _, r in top.iterrows()
        ]
        share = top["focus_count"].sum() / total_hits * 100
        out.append(
            (
                f"Les thèmes dominants du texte sont {_list(parts, lang)} : ils réunissent "
                f"{fmt_number(share, lang, 0)} % des {total_hits} occurrences du dictionnaire."
            )
            if fr
            else (
                f"The text is dominated by {_list(parts, lang)}: together "
                f"{fmt_number(share, lang, 0)}% of the {total_hits} dictionary matches."
            )
        )

    # 2. over-represented themes against the pooled reference
    sig = themes[(themes["testable"]) & (themes["p_holm"] < ALPHA)]
    over = sig[sig["log_ratio"] > 0].sort_values("log_ratio", ascending=False).head(3)
    if len(over):
        parts = [
            f"{_label(r, lang)} (× {fmt_number(2**r.log_ratio, lang)}, {fmt_pvalue(r.p_holm, lang)})"
            for _, r in over.iterrows()
        ]
        out.append(
            (
                f"Par rapport aux {n_ref} déclarations de référence, le texte surreprésente nettement "
                f"{_list(parts, lang)} (rapport des fréquences, test exact corrigé par Holm)."
            )
            if fr
            else (
                f"Compared with the {n_ref} reference statements, the text clearly over-represents "
                f"{_list(parts, lang)} (rate ratio; exact test, Holm-corrected)."
            )
        )
    else:
        testable = themes[themes["testable"]].sort_values("log_ratio", ascending=False).head(1)
        if len(testable):
            r = testable.iloc[0]
            out.append(
                (
                    f"Aucun thème n'est significativement surreprésenté après correction de Holm ; "
                    f"l'écart le plus grand concerne {_label(r, lang)} (× {fmt_number(2**r.log_ratio, lang)}, "
                    f"{fmt_pvalue(r.p_holm, lang)})."
                )
                if fr
                else (
                    f"No theme is significantly over-represented after Holm correction; the largest "
                    f"difference is for {_label(r, lang)} (× {fmt_number(2**r.log_ratio, lang)}, "
                    f"{fmt_pvalue(r.p_holm, lang)})."
                )
            )

    # 3. under-represented or absent themes that are common in the reference
    under = sig[sig["log_ratio"] < 0].sort_values("log_ratio").head(3)
    absent = themes[(themes["focus_count"] == 0) & (themes["reference_median"] > 0)]
    if len(under):
        parts = [
            f"{_label(r, lang)} ({fmt_number(r.focus_per_1000, lang)} "
            + ("contre" if fr else "vs")
            + f" {fmt_number(r.reference_per_1000, lang)})"
            for _, r in under.iterrows()
        ]
        out.append(
            (
                f"Le texte parle nettement moins que les références de {_list(parts, lang)} (taux pour 1 000 mots)."
            )
            if fr
            else (
                f"The text says markedly less than the references about {_list(parts, lang)} (rates per 1,000 words)."
            )
        )
    elif len(absent):
        names = [_label(r, lang) for _, r in absent.head(4).iterrows()]
        out.append(
            (f"Thèmes courants dans les références mais absents du texte : {_list(names, lang)}.")
            if fr
            else (f"Themes common in the references but absent from the text: {_list(names, lang)}.")
        )

    # 4. document-level position (documents as units)
    # only themes frequent enough to be tested (a single occurrence in a short text can
    # outrank every reference document by chance)
    high = themes[themes["testable"] & (themes["percentile"] >= 90)].sort_values(
        "percentile", ascending=False
    )
    if len(high):
        names = [f"{_label(r, lang)} ({fmt_number(r.percentile, lang, 0)}e centile)" if fr else
                 f"{_label(r, lang)} (percentile {fmt_number(r.percentile, lang, 0)})"
                 for _, r in high.head(4).iterrows()]  # fmt: skip
        out.append(
            (
                f"Document par document, le texte se situe au-dessus de 90 % des déclarations de "
                f"référence pour {_list(names, lang)}."
            )
            if fr
            else (
                f"Document by document, the text ranks above 90% of the reference statements for {_list(names, lang)}."
            )
        )

    # 5. most similar statements
    sim = comp.similarity[comp.similarity["cosine"] > 0].head(3)
    if len(sim) and total_hits >= min_count:
        short = [t if len(t) <= 90 else t[:89].rstrip() + "…" for t in sim["title"]]
        parts = [f"« {t} » ({r.date}, {fmt_number(r.cosine, lang, 2)})" if fr else
                 f"“{t}” ({r.date}, {fmt_number(r.cosine, lang, 2)})"
                 for t, r in zip(short, sim.itertuples(), strict=True)]  # fmt: skip
        out.append(
            (
                f"Par son profil thématique, le texte ressemble surtout à {_list(parts, lang)} (similarité cosinus)."
            )
            if fr
            else (f"By its theme profile, the text is closest to {_list(parts, lang)} (cosine similarity).")
        )

    # 6. caveats the reader must keep in mind
    caveats = []
    if bool(comp.themes["cross_language"].any()):
        caveats.append(
            "la comparaison thématique mêle des textes français et anglais (dictionnaire bilingue)"
            if fr
            else "the theme comparison mixes French and English texts (bilingual dictionary)"
        )
    n_tokens = int(comp.focus.get("n_tokens", 0))
    if n_tokens < 1000:
        caveats.append(
            f"le texte est court ({n_tokens} mots) : peu d'occurrences, donc des tests peu puissants"
            if fr
            else f"the text is short ({n_tokens} words): few occurrences, hence low-powered tests"
        )
    genre = comp.focus.get("genre")
    if genre == "press_article":
        caveats.append(
            "le texte analysé est un article de presse qui rapporte le communiqué, non le communiqué lui-même"
            if fr
            else "the text analysed is a press article reporting the communiqué, not the communiqué itself"
        )
    if caveats:
        out.append(("À garder en tête : " if fr else "Keep in mind: ") + "; ".join(caveats) + ".")
    return out[:max_items]
