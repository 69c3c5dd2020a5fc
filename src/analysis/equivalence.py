"""Cross-language equivalence of a dictionary: French patterns without an English counterpart, and back.

A comparison across languages (``reference_language="all"``) assumes that a theme's
French and English lists catch the same things. :func:`pattern_equivalence` pairs
each pattern with the patterns of the other language that share a *stem* (the
first four letters of one of its words, accents folded: ``coopér*`` and
``cooperat*``, ``armée*`` and ``army``) or that a known translation links
(:data:`TRANSLATIONS`: ``paix``/``peace``, ``menace*``/``threat``…). A pattern left
without a counterpart is a candidate gap of the other list (``approvisionnement*``
has no English counterpart; ``resupply`` has no French one): a list to check by
hand, not a proof that the lists differ. The measured equivalence on parallel
versions of one statement is issue 21's.

Examples
--------
>>> from analysis.dictionary import dictionary
>>> d = dictionary({"name": "d", "version": "1", "description": "D.", "themes": {"a": {
...     "label": {"fr": "A", "en": "A"}, "description": "A.",
...     "fr": ["coopér*", "approvisionnement*"], "en": ["cooperat*", "resupply"]}}})
>>> unpaired(d)[["language", "pattern"]].values.tolist()
[['en', 'resupply'], ['fr', 'approvisionnement*']]
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.dictionary import Dictionary

logger = logging.getLogger(__name__)

#: Known French/English translations whose words share no stem (folded, lower case).
TRANSLATIONS: tuple[tuple[str, str], ...] = (
    ("paix", "peace"), ("menace", "threat"), ("guerre", "war"), ("arme", "weapon"), ("armes", "arms"),
    ("dissuasion", "deterrence"), ("dissuasion", "deter"), ("soldat", "soldier"), ("troupe", "troop"),
    ("entrainement", "training"), ("formation", "training"), ("droit", "law"), ("etat", "state"),
    ("nations unies", "united nations"), ("onu", "un"), ("otan", "nato"), ("allie", "ally"),
    ("allie", "allies"), ("chine", "china"), ("pekin", "beijing"), ("coree", "korea"),
    ("rpdc", "dprk"), ("anase", "asean"), ("moscou", "moscow"), ("poutine", "putin"), ("kiev", "kyiv"),
    ("golfe", "gulf"), ("mer", "sea"), ("detroit", "strait"), ("grand nord", "high north"),
    ("moyen-orient", "middle east"), ("proche-orient", "near east"), ("caraibe", "caribbean"),
    ("haiti", "haiti"), ("espace", "space"), ("spatial", "space"), ("ingerence", "interference"),
    ("fausses nouvelles", "misinformation"), ("desinformation", "disinformation"),
    ("marine", "navy"), ("garde-cotes", "coast guard"), ("sous-marin", "submarine"),
    ("crise", "crisis"), ("cessez-le-feu", "ceasefire"), ("commerce", "trade"), ("croissance", "growth"),
    ("emploi", "jobs"), ("entreprise", "business"), ("marche", "market"), ("douane", "customs"),
    ("chaine", "supply chain"), ("climat", "climate"), ("energie", "energy"), ("gaz", "gas"),
    ("travailler", "work"), ("oeuvrer", "work"), ("partenaire", "partner"), ("conjoint", "joint"),
    ("souverainete", "sovereignty"), ("souverain", "sovereign"), ("charte", "charter"),
    ("cour penale", "criminal court"), ("etats-unis", "united states"), ("royaume-uni", "united kingdom"),
    ("maroc", "morocco"), ("marocain", "moroccan"), ("soudan", "sudan"), ("tchad", "chad"),
    ("tchadien", "chadian"), ("cote d'ivoire", "ivory coast"), ("ivoirien", "ivorian"), ("bresil", "brazil"),
    ("bresilien", "brazilian"), ("perou", "peru"), ("asie", "asia"), ("papouasie", "papua"), ("gnl", "lng"),
    ("bas-carbone", "low-carbon"), ("renouvelable", "renewable"), ("numerique", "digital"),
    ("spatiaux", "space"), ("desescalade", "de-escalat"), ("ocde", "oecd"), ("omc", "wto"),
    ("irak", "iraq"), ("irakien", "iraqi"), ("liban", "lebanon"), ("libanais", "lebanese"),
    ("koweit", "kuwait"), ("cisjordanie", "west bank"), ("tnp", "npt"), ("oiac", "opcw"),
    ("balistique", "ballistic"), ("daech", "daesh"), ("daech", "isis"), ("daech", "isil"),
    ("djihad", "jihad"), ("oeuvrons", "work"), ("armee", "army"), ("armee", "armies"),
    ("munition", "ammunition"), ("desarmement", "disarmament"), ("cessez-le-feu", "cease-fire"),
    ("marine", "naval"), ("marine", "navies"), ("patrouille", "patrol"),
)  # fmt: skip


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c)).replace("œ", "oe")


def _stems(pattern: str) -> set[str]:
    """First four letters of each word of at least four letters (the whole word when shorter)."""
    words = [re.sub(r"[^a-z0-9-]", "", w) for w in _fold(pattern).replace("*", "").replace("'", " ").split()]
    return {w[:4] for w in words if w}


def _linked(fr: str, en: str) -> bool:
    """A shared stem, or a known translation whose stems both patterns hold."""
    s_fr, s_en = _stems(fr), _stems(en)
    if s_fr & s_en:
        return True
    return any(_stems(t_fr) <= s_fr and _stems(t_en) <= s_en for t_fr, t_en in TRANSLATIONS)


def pattern_equivalence(dictionary: Dictionary) -> pd.DataFrame:
    """Each pattern of each theme, with its counterparts in the other language.

    Returns
    -------
    pandas.DataFrame
        ``theme, language, pattern, counterparts`` (``; ``-separated, empty when none),
        in dictionary order; exclusions are not listed.

    Examples
    --------
    >>> from analysis import config
    >>> from analysis.dictionary import dictionary
    >>> t = pattern_equivalence(dictionary(config.DEFAULT_DICTIONARY))
    >>> t.query("pattern == 'paix'")["counterparts"].tolist()
    ['peace']
    """
    import pandas as pd

    rows = []
    for theme in dictionary.themes:
        lists = {lang: [p.text for p in theme.patterns.get(lang, ())] for lang in ("fr", "en")}
        for lang, other in (("fr", "en"), ("en", "fr")):
            for p in lists[lang]:
                pairs = [q for q in lists[other] if (_linked(p, q) if lang == "fr" else _linked(q, p))]
                rows.append({"theme": theme.id, "language": lang, "pattern": p,
                             "counterparts": "; ".join(pairs)})  # fmt: skip
    return pd.DataFrame(rows, columns=["theme", "language", "pattern", "counterparts"])


def unpaired(dictionary: Dictionary) -> pd.DataFrame:
    """The patterns without a counterpart in the other language (:func:`pattern_equivalence`).

    Returns
    -------
    pandas.DataFrame
        ``theme, language, pattern``, sorted by theme, language and pattern.
    """
    t = pattern_equivalence(dictionary)
    out = t[t["counterparts"] == ""][["theme", "language", "pattern"]]
    return out.sort_values(["theme", "language", "pattern"], kind="stable").reset_index(drop=True)
