"""The report's method section, written from the objects that produced the results.

Numbers (words removed by each cleaning step, thresholds, dictionary version and
hash, reference set composition) come from the comparison; the rules are those
the code applies (see the module docstrings of ``clean``, ``tokens``, ``lookup``
and ``textstat``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from analysis.compare import Comparison
    from analysis.report import Block

logger = logging.getLogger(__name__)

STEP_NAMES = {
    "fr": {
        "title": "ligne de titre", "html": "balises HTML et entités", "markdown": "balisage Markdown",
        "boilerplate": "mentions parasites (« À lire également », « Source … », fin de communiqué)",
        "unwrap": "retours à la ligne dans les paragraphes", "typography": "typographie",
    },
    "en": {
        "title": "title line", "html": "HTML tags and entities", "markdown": "Markdown markup",
        "boilerplate": "boilerplate (\"Read also\", \"Source …\", end-of-release marks)",
        "unwrap": "line breaks inside paragraphs", "typography": "typography",
    },
}  # fmt: skip


def methodology_paragraphs(comp: Comparison, lang: str = "fr") -> dict[str, list[str]]:
    """Return the method section's paragraphs, by subsection title.

    Examples
    --------
    >>> from analysis.compare import compare
    >>> sorted(methodology_paragraphs(compare(), "en"))[:2]
    ['Cleaning', 'Dictionary and matching']
    """
    from analysis.clean import audit_summary
    from analysis.summary import fmt_number

    fr = lang == "fr"
    audit = getattr(comp.corpus, "audit", None)
    focus_audit = audit[audit["doc_id"] == comp.focus_id] if audit is not None else None
    steps = []
    if focus_audit is not None:
        summary = audit_summary(focus_audit)
        for row in summary.itertuples():
            if row.documents_changed:
                name = STEP_NAMES[lang].get(row.step, row.step)
                steps.append(
                    f"{name} ({fmt_number(row.words_removed, lang, 0)} "
                    + ("mots retirés)" if fr else "words removed)")
                )
        total = focus_audit[focus_audit["step"] == "total"].iloc[0]
        before, after = int(total["words_before"]), int(total["words_after"])
    else:  # pragma: no cover
        before = after = int(comp.focus["n_tokens"])
    dic = comp.dictionary
    n_themes = len(dic.themes)
    n_patterns = len(dic.to_frame())
    params = comp.parameters
    refs = comp.documents[comp.documents["role"] == "reference"]
    langs = ", ".join(f"{k} {v}" for k, v in sorted(refs.groupby("language").size().items()))
    from analysis.brief import GENRE_LABELS

    genre_names = GENRE_LABELS.get(lang, GENRE_LABELS["en"])
    genres = ", ".join(
        f"{genre_names.get(k, k)} {v}" for k, v in sorted(refs.groupby("genre").size().items())
    )
    dates = f"{refs['date'].min()} – {refs['date'].max()}" if len(refs) else "–"
    probable = int((refs["complete"] == "probable").sum())
    min_count = params.get("min_count", 3)
    conf = params.get("conf_level", 0.95)
    overlap = params.get("overlap", "longest")

    if fr:
        return {
            "Nettoyage": [
                "Le texte est lu octet par octet (BOM, puis UTF-8 strict, puis cp1252 strict ; tout autre encodage "
                "est refusé) et normalisé en NFC. Les étapes de nettoyage, dans l'ordre : titre, HTML, Markdown, "
                "mentions parasites, paragraphes, typographie ; chaque modification est consignée.",
                "Sur le texte analysé : "
                + ("; ".join(steps) if steps else "aucune modification")
                + f". Tokens : {before} avant, {after} après nettoyage.",
            ],
            "Tokenisation": [
                "Tokeniseur à expressions régulières (règles de nltk RegexpTokenizer) : les formes élidées (l', d', "
                "qu', jusqu'…) sont des tokens à part, avec l'une ou l'autre apostrophe ; aujourd'hui et presqu'île "
                "restent entiers ; les mots composés (Indo-Pacifique) et les nombres (1 500 000, 2,5 %) forment un "
                "seul token ; les phrases viennent de l'algorithme Punkt de nltk, non entraîné, avec notre liste "
                "d'abréviations (M., Mme, art., n°…). Les taux sont exprimés pour 1 000 mots, ponctuation exclue.",
            ],
            "Dictionnaire et appariement": [
                f"Dictionnaire {dic.name}, version {dic.version} (sha256 {dic.hash[:16]}…) : {n_themes} thèmes et "
                f"sous-thèmes, {n_patterns} motifs en français et en anglais (annexe).",
                "Un motif est un mot, un joker (« ukrain* ») ou une expression ; l'appariement se fait sur des tokens "
                + (
                    "entiers, sans tenir compte de la casse (accents compris) ; une expression ne franchit jamais une "
                    if dic.accent_sensitive
                    else "entiers, sans tenir compte de la casse ni des accents ; une expression ne franchit jamais une "
                )
                + "ponctuation. Un token compte au plus une fois par thème. "
                + (
                    "Quand des occurrences de thèmes différents se chevauchent, la plus longue l'emporte "
                    "(« Conseil de sécurité » ne compte pas aussi comme « sécurité »). "
                    if overlap == "longest"
                    else "Les chevauchements entre thèmes sont tous comptés. "
                )
                + "Les exclusions d'un thème annulent ses occurrences qui les recouvrent ; les sous-thèmes "
                "s'additionnent dans leur thème parent.",
            ],
            "Statistiques": [
                "Pour chaque thème, le texte est comparé à l'ensemble des références (tableau 2×2) : log-vraisemblance "
                "G2 de Dunning (forme à quatre termes), Log Ratio de Hardie (log2 du rapport des taux, 0,5 pour un "
                f"compte nul ; un thème absent du texte n'est jamais donné pour surreprésenté : son Log Ratio est plafonné à 0) avec son intervalle de confiance à {fmt_number(conf * 100, lang, 0)} % "
                "(approximation normale) et sa borne prudente LRC (la borne la plus proche de zéro, 0 si "
                "l'intervalle contient zéro), p exact de Fisher bilatéral, corrigé par la méthode de Holm sur les "
                f"thèmes testés d'un même tableau. Un thème présent moins de {min_count} fois dans le texte est "
                "« trop rare pour être testé ».",
                "Au niveau des documents (Lijffijt et al. 2016), le taux du texte est situé parmi les taux des "
                "documents de référence : centile (rang moyen), médiane et écart interquartile. La similarité est le "
                "cosinus entre profils de taux par thème. Les mots caractéristiques ne sont calculés que contre des "
                "références de la même langue.",
            ],
            "Limites": [
                f"Références : {len(refs)} documents ({langs}) ; genres : {genres} ; dates : {dates}"
                + (f" ; {probable} texte(s) peut-être incomplet(s) à la source." if probable else "."),
                "Un dictionnaire ne voit que les mots qu'il contient : paraphrases et allusions lui échappent. Un "
                "texte court donne peu d'occurrences, donc des tests peu puissants et des intervalles larges.",
                *comp.notes_in("fr"),
            ],
        }
    return {
        "Cleaning": [
            "The text is read byte by byte (BOM, then strict UTF-8, then strict cp1252; anything else is refused) "
            "and normalised to NFC. Cleaning steps, in order: title, HTML, Markdown, boilerplate, paragraphs, "
            "typography; every change is recorded.",
            "On the text analysed: "
            + ("; ".join(steps) if steps else "no change")
            + f". Tokens: {before} before, {after} after cleaning.",
        ],
        "Tokenisation": [
            "A regular-expression tokeniser (nltk RegexpTokenizer rules): elided forms (l', d', qu', jusqu'…) are "
            "tokens of their own, with either apostrophe; aujourd'hui and presqu'île stay whole; hyphenated "
            "compounds (Indo-Pacific) and numbers (1 500 000, 2,5 %) are one token; English possessives and "
            "contractions are split; sentences come from nltk's Punkt algorithm, untrained, with our abbreviation "
            "list (M., Mme, Mr., U.S.…). Rates are per 1,000 words, punctuation excluded.",
        ],
        "Dictionary and matching": [
            f"Dictionary {dic.name}, version {dic.version} (sha256 {dic.hash[:16]}…): {n_themes} themes and "
            f"subthemes, {n_patterns} patterns in French and English (appendix).",
            'A pattern is a word, a glob ("ukrain*") or a phrase; matching is on whole tokens, '
            + (
                "case-insensitive but accent-sensitive"
                if dic.accent_sensitive
                else "case- and accent-insensitive"
            )
            + "; a phrase never crosses punctuation. A token counts at most once per theme. "
            + (
                'Where matches of different themes overlap, the longest wins ("Security Council" does not also '
                'count as "security"). '
                if overlap == "longest"
                else "Overlaps between themes all count. "
            )
            + "A theme's exclusions veto its matches that overlap them; subthemes roll up into their parent.",
        ],
        "Statistics": [
            "For each theme the text is compared with the pooled references (2×2 table): Dunning's log-likelihood "
            "G2 (4-term form), Hardie's Log Ratio (log2 of the rate ratio, 0.5 for a zero count; a theme absent from the text is never shown as over-represented: its Log Ratio is capped at 0) with its "
            f"{fmt_number(conf * 100, lang, 0)}% confidence interval (normal approximation) and its conservative "
            "end LRC (the bound closest to zero, 0 when the interval contains zero), two-sided Fisher exact p, "
            "Holm-corrected across the themes tested in one table. A theme occurring fewer than "
            f'{min_count} times in the text is "too rare to test".',
            "At document level (Lijffijt et al. 2016) the text's rate is placed among the reference documents' "
            "rates: percentile (mid-rank), median and interquartile range. Similarity is the cosine between "
            "theme-rate profiles. Characteristic words are computed only against references in the same language.",
        ],
        "Limits": [
            f"References: {len(refs)} documents ({langs}); genres: {genres}; dates: {dates}"
            + (f"; {probable} text(s) possibly incomplete at the source." if probable else "."),
            "A dictionary only sees the words it lists: paraphrases and allusions escape it. A short text gives few "
            "occurrences, hence low-powered tests and wide intervals.",
            *comp.notes_in("en"),
        ],
    }


def methodology_block(comp: Comparison, lang: str = "fr") -> Block:
    """The method section as a report block.

    Examples
    --------
    >>> from analysis.compare import compare
    >>> "Holm" in methodology_block(compare(), "fr").html
    True
    """
    from analysis.report import concat, paragraphs, section

    parts = [section("Méthode" if lang == "fr" else "Method")]
    for title, texts in methodology_paragraphs(comp, lang).items():
        parts.append(section(title, level=3))
        parts.append(paragraphs(texts))
    return concat(*parts)
