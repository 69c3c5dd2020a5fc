"""What the shipped reference set may say about a document: short titles and URLs.

The reference set (``data/reference``) ships derived data only: counts, and
metadata cut so that no field carries a sentence of the text (the project's
tests look for 9- and 12-word runs of every source text in it). A title is
condensed (:func:`condense_title`: offices, places and dates out), then cut to
:data:`MAX_TITLE_WORDS` words; a source URL whose slug is a long title stops at
the day's path (:func:`short_url`); :func:`shipped_title` applies the title rules.

Examples
--------
>>> short_title(condense_title("Déclaration de M. X, ministre des armées, sur l'Arctique, le 2 mars 2021."))
"Déclaration de X sur l'Arctique"
"""

from __future__ import annotations

import re

MAX_TITLE_WORDS = 11
"""Words of a shipped title (runs of word characters): fewer than the 12-word runs the project checks."""

MAX_VERBATIM_TITLE_WORDS = 8
"""Words of a shipped title the source wrote as it is (titles often open their texts)."""

MAX_SLUG_WORDS = 8
"""Words of a source URL's last segment above which the shipped URL stops at the day's path."""

#: Long institution names of French official titles, and the short names a label uses.
_INSTITUTIONS: tuple[tuple[str, str], ...] = (
    ("ministère de l'Europe et des affaires étrangères", "MEAE"),
    ("de la Présidence de la République", "de l'Élysée"),
    ("la Présidence de la République", "l'Élysée"),
    ("Présidence de la République", "Élysée"),
)
_MONTHS_FR = r"(?:janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)"
_DAY_FR = rf"(?:le |du )?\d{{1,2}}(?:er)? {_MONTHS_FR} \d{{4}}"
_CONDENSE: tuple[tuple[re.Pattern[str], str], ...] = (
    # ", en date du 13 septembre 2020," / ", le 3 mars 2021"
    (re.compile(rf",? en date {_DAY_FR}"), ""),
    # "…, à Paris le 15 septembre 2020" (a place, then the day): the date is shown apart
    (re.compile(rf",? (?:à|au|aux|en|devant|lors d[eu]) [^,]*? {_DAY_FR}"), ""),
    (re.compile(rf",? {_DAY_FR}"), ""),
    # the speaker's office between commas: ", ministre de …," / ", secrétaire d'État …,"
    (re.compile(r", (?:(?:premier|première) ministre|ministre|secrétaire|président|présidente|porte-parole|"
                r"ambassadeur|ambassadrice|haut[e-]|chef|directeur|directrice|commissaire)\b[^,]*"), ""),
    (re.compile(r"\b(?:M\.|Mme|Mmes|MM\.) "), ""),
    (re.compile(r",\s*(?=(?:sur|avec|à|au|aux|en|lors|devant|pour)\b)"), " "),
    (re.compile(r"\b([Dd])e (?=[AEIOUYÉÈÊÂÎÔ][a-zéèêëàâîïôûù])"), r"\1'"),  # de Emmanuel → d'Emmanuel
)


def condense_title(title: str) -> str:
    """A French official title without what a label does not need: offices, places, dates.

    Titles from vie-publique.fr name the speaker's office and the place and day
    before the subject ("Déclaration de M. X, ministre de …, sur …, à Paris le …"):
    cut to their first words, they all read the same. The day is in the ``date``
    column. Titles without these clauses are returned unchanged (but for spaces).

    Examples
    --------
    Synthetic titles, written here in the sources' pattern:

    >>> condense_title("Déclaration de M. Alain Exemple, ministre des essais et des maquettes, "
    ...                "sur la situation en Syldavie, à Exempleville le 8 octobre 2020.")
    "Déclaration d'Alain Exemple sur la situation en Syldavie"
    >>> condense_title("Communiqué du ministère de l'Europe et des affaires étrangères, en date du "
    ...                "3 mars 2021, sur les widgets.")
    'Communiqué du MEAE sur les widgets'
    >>> condense_title("Déclaration de M. Émile Essai, président du Comité des essais, sur l'Europe")
    "Déclaration d'Émile Essai sur l'Europe"
    >>> condense_title("Joint Statement from Alphaland and Betaland on Widgets")
    'Joint Statement from Alphaland and Betaland on Widgets'
    """
    text = " ".join(str(title).split())
    for long, short in _INSTITUTIONS:
        text = re.sub(re.escape(long), short, text, flags=re.IGNORECASE)
    for pattern, repl in _CONDENSE:
        text = pattern.sub(repl, text)
    return " ".join(text.split()).rstrip(" .,;")


def short_title(title: str, max_words: int = MAX_TITLE_WORDS) -> str:
    """Cut a title to its first words (shipped titles never carry a sentence of the text).

    Several source titles open the text itself; the reference set keeps enough
    words to recognise the document (at most ``max_words`` runs of word
    characters, so ``M. Jean-Yves`` counts three), and its source URL to find it.

    Examples
    --------
    >>> short_title("Déclaration conjointe des ministres des essais de Syldavie et de Bordurie", 8)
    'Déclaration conjointe des ministres des essais de Syldavie…'
    >>> short_title("United States-France Joint Statement")
    'United States-France Joint Statement'
    """
    kept: list[str] = []
    count = 0
    for word in str(title).split():
        n = len(re.findall(r"\w+", word))
        if count + n > max_words:
            return " ".join(kept).rstrip(",;:") + "…"
        kept.append(word)
        count += n
    return " ".join(kept)


def shipped_title(title: str) -> str:
    """The title the reference set ships: condensed and cut to 11 words, or verbatim and cut to 8.

    A condensed title (:func:`condense_title` changed it) is our own wording and
    keeps :data:`MAX_TITLE_WORDS`; a title left as the source wrote it keeps
    :data:`MAX_VERBATIM_TITLE_WORDS`, since many source titles open their text (and
    the texts of others: an 11-word White House title was the first line of two statements).

    Examples
    --------
    >>> shipped_title("Déclaration de M. Alain Exemple, ministre des essais, sur la situation "
    ...               "des widgets en Syldavie et en Bordurie, le 8 octobre 2020.")
    "Déclaration d'Alain Exemple sur la situation des widgets en Syldavie…"
    >>> shipped_title("Joint Statement between Alphaland and Betaland on the Widget Standards of Gammaland")
    'Joint Statement between Alphaland and Betaland on the…'
    """
    plain = " ".join(str(title).split()).rstrip(" .,;")
    condensed = condense_title(title)
    if condensed != plain:
        return short_title(condensed, MAX_TITLE_WORDS)
    return short_title(plain, MAX_VERBATIM_TITLE_WORDS)


def short_url(url: str, max_words: int = MAX_SLUG_WORDS) -> str:
    """A source URL whose last segment is a long title slug, cut to its parent path.

    The slug of an archived page repeats the statement's title, and a long title
    may open the text itself: the shipped URL then stops at the page of that day
    (the statement's own URL is in the source's metadata: the manifest of
    ``../shared/corpus`` or the JSON Lines record's ``repo_path``). A short slug stays.

    Examples
    --------
    >>> short_url("https://example.org/briefing-room/2024/09/25/joint-statement-on-widgets/")
    'https://example.org/briefing-room/2024/09/25/joint-statement-on-widgets/'
    >>> short_url("https://example.org/2024/09/25/a-b-c-d-e-f-g-h-i-j/")
    'https://example.org/2024/09/25/'
    """
    url = str(url or "")
    head, _, slug = url.rstrip("/").rpartition("/")
    if "://" not in head or len(re.findall(r"[A-Za-z0-9]+", slug)) <= max_words:
        return url
    return head + "/"


