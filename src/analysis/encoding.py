"""Reading one statement's text file: strict encodings, plausible text.

The encoding rule of the project, shared by every input path (text files here,
JSON Lines and Parquet in :mod:`analysis.scale`): a BOM (UTF-8, UTF-16), else
strict UTF-8, else strict cp1252 when it gives plausible text; mixed encodings,
mojibake (a text encoded twice) and random high bytes are refused with the
byte offset of the problem. :mod:`analysis.corpus` re-exports every public
name of this module.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from pathlib import Path

from analysis import config
from analysis.paths import safe_path

logger = logging.getLogger(__name__)

__all__ = ["TextError", "decode_text", "implausible_text", "read_text"]


class TextError(ValueError):
    """A text file that cannot be read as a statement (encoding, binary, size...)."""

    def __init__(self, path: Path | str, message: str):
        super().__init__(f"{safe_path(path)}: {message}")
        self.path = str(path)
        self.message = message


_CONTROL = re.compile(rb"[\x01-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")

# cp1252 readings of the bytes 0x80-0xBF (UTF-8 continuation bytes; the 5 undefined ones left out)
_CONTINUATION = "".join(
    bytes([b]).decode("cp1252") for b in range(0x80, 0xC0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
)
# UTF-8 of U+0080-U+017F (leads C2-C5) and U+2000-U+203F, U+2080-U+20BF (E2 80, E2 82) read as cp1252
_MOJIBAKE = re.compile(f"[ÂÃÄÅ][{re.escape(_CONTINUATION)}]|â[€‚][{re.escape(_CONTINUATION)}]")
_MOJIBAKE_LEADS = ("Ã", "Â", "Ä", "Å", "â€", "â‚")
# non-letters a French or English text written in cp1252 has
_TYPOGRAPHY = frozenset("’‘‚“”„«»‹›–—…€•·°§©®™‰£¥¢²³¡¿\xa0")
_HIGH_RUN = re.compile("[^\\x00-\\x7f\\s" + "".join(sorted(_TYPOGRAPHY)) + "]{3,}")


def _mojibake(text: str) -> re.Match[str] | None:
    """The first mojibake pattern of ``text`` (UTF-8 bytes read as cp1252: ``Ã©``, ``â€™``), or None."""
    if not any(lead in text for lead in _MOJIBAKE_LEADS):  # fast: most texts have none
        return None
    return _MOJIBAKE.search(text)


def implausible_text(text: str, encoding: str = "utf-8") -> str | None:
    """Say why a decoded text is not plausible text, or return None.

    The encoding rule of the project, for every input path (text files,
    JSON Lines, Parquet): a text containing mojibake (``Ã©``, ``Â``, ``Å“``,
    ``â€™``: UTF-8 bytes read as cp1252, a text encoded twice) is refused. For a
    text decoded as cp1252 (``encoding="cp1252"``), also refused: a run of 3 or
    more high characters that are not typography (``«\\xa0`` is, ``¤¦¨`` is
    not), or more than 10 % of the high characters (and at least 3) that are
    neither letters nor typography (random high bytes).

    Parameters
    ----------
    text : str
        The decoded text (before NFC normalisation).
    encoding : str
        How it was decoded: positions are given as byte offsets in it.

    Returns
    -------
    str or None
        The problem, with its byte offset; None for a plausible text.

    Examples
    --------
    >>> implausible_text("Lorem sécurité ipsum") is None
    True
    >>> implausible_text("Lorem sÃ©curitÃ© ipsum")
    "text encoded twice: 'Ã©' at byte 7 is the UTF-8 of 'é' read as cp1252 (mojibake)"
    >>> implausible_text("Lorem ¤¦¨ ipsum", "cp1252")
    'a run of 3 high bytes that are neither letters nor punctuation at byte 6'
    """

    def offset(index: int) -> int:
        return index if encoding == "cp1252" else len(text[:index].encode(encoding, "surrogatepass"))

    found = _mojibake(text)
    if found is not None:
        try:
            original = found.group().encode("cp1252").decode("utf-8")
        except UnicodeError:  # pragma: no cover - every pattern is a UTF-8 sequence
            original = "?"
        return (
            f"text encoded twice: {found.group()!r} at byte {offset(found.start())} "
            f"is the UTF-8 of {original!r} read as cp1252 (mojibake)"
        )
    if encoding != "cp1252":
        return None
    run = _HIGH_RUN.search(text)
    if run is not None:
        return (
            f"a run of {len(run.group())} high bytes that are neither letters nor punctuation "
            f"at byte {run.start()}"
        )
    high = [(i, c) for i, c in enumerate(text) if c >= "\x80"]
    odd = [i for i, c in high if not c.isalpha() and c not in _TYPOGRAPHY]
    if len(odd) >= 3 and len(odd) > len(high) / 10:
        return (
            f"{len(odd)} of its {len(high)} high bytes are neither letters nor punctuation "
            f"(random bytes?), the first at byte {odd[0]}"
        )
    return None


def decode_text(raw: bytes) -> tuple[str, str]:
    """Decode the bytes of a text file without a BOM: strict UTF-8, else plausible cp1252.

    UTF-8 is tried first. When it fails, the bytes are read as cp1252 only if
    that gives plausible text (:func:`implausible_text`); in particular bytes
    that hold valid UTF-8 sequences for accented letters or typography *and*
    invalid UTF-8 bytes are a UTF-8 text with stray bytes (mixed encodings), and
    are refused: ``sécurité`` never becomes ``sÃ©curitÃ©``.

    Parameters
    ----------
    raw : bytes

    Returns
    -------
    (text, encoding)
        ``encoding`` is ``"utf-8"`` or ``"cp1252"``.

    Raises
    ------
    ValueError
        The problem, with the byte offset of the first invalid UTF-8 byte.

    Examples
    --------
    >>> decode_text("sécurité".encode("cp1252"))
    ('sécurité', 'cp1252')
    >>> decode_text("sécurité l".encode() + b"\\x92an")
    Traceback (most recent call last):
    ...
    ValueError: mixed encodings: invalid UTF-8 byte 0x92 at byte 12, yet the UTF-8 of 'é' at byte 1 \
(a UTF-8 text with stray bytes?)
    """
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        bad = exc.start
    else:
        problem = implausible_text(text, "utf-8")
        if problem:
            raise ValueError(problem)
        return text, "utf-8"
    not_utf8 = f"invalid UTF-8 byte 0x{raw[bad]:02X} at byte {bad}"
    if re.search(rb"\xed[\xa0-\xbf][\x80-\xbf]", raw):
        # UTF-8-encoded surrogates: strict UTF-8 refuses them, and cp1252 would
        # turn them into plausible-looking garbage
        raise ValueError(f"lone surrogate code points (invalid UTF-8: {not_utf8})")
    try:
        text = raw.decode("cp1252", errors="strict")
    except UnicodeDecodeError as exc:
        raise ValueError(f"neither UTF-8 nor cp1252 ({exc.reason} at byte {exc.start})") from None
    found = _mojibake(text)
    if found is not None:
        raise ValueError(
            f"mixed encodings: {not_utf8}, yet the UTF-8 of "
            f"{raw[found.start() : found.end()].decode('utf-8')!r} at byte {found.start()} "
            "(a UTF-8 text with stray bytes?)"
        )
    problem = implausible_text(text, "cp1252")
    if problem:
        raise ValueError(f"not UTF-8 ({not_utf8}) and not plausible cp1252: {problem}")
    return text, "cp1252"


def read_text(path: Path | str, *, max_bytes: int = config.MAX_DOCUMENT_BYTES) -> tuple[str, str]:
    """Read a statement's text file, detecting its encoding strictly.

    Order: a BOM (UTF-8, UTF-16 LE/BE), then strict UTF-8, then strict cp1252
    when it gives plausible text (:func:`decode_text`, :func:`implausible_text`:
    no mixed encodings, no mojibake, no random high bytes); anything else is
    refused (never latin-1, which never fails). The text is
    normalised to NFC. The file is never modified.

    Parameters
    ----------
    path : path-like
    max_bytes : int
        Files larger than this are refused.

    Returns
    -------
    (text, encoding)

    Raises
    ------
    TextError
        Empty or oversized file, NUL bytes, binary content, lone surrogates,
        undecodable bytes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_bytes("Sécurité".encode("cp1252"))
    >>> read_text(p)
    ('Sécurité', 'cp1252')
    """
    path = Path(path)
    if not path.is_file():
        raise TextError(path, "file not found")
    size = path.stat().st_size
    if size == 0:
        raise TextError(path, "empty file")
    if size > max_bytes:
        raise TextError(path, f"file is {size} bytes, above the limit of {max_bytes} bytes")
    raw = path.read_bytes()
    if raw.startswith(codecs.BOM_UTF8):
        encoding, body = "utf-8-sig", raw[len(codecs.BOM_UTF8) :]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, body = "utf-16", None
    else:
        encoding, body = "", raw
    if body is not None:
        if b"\x00" in body:
            raise TextError(path, "NUL bytes: binary content or UTF-16 without a BOM")
        if len(_CONTROL.findall(body)) > max(2, len(body) // 200):
            raise TextError(path, "binary content (control bytes)")
    if not encoding:
        try:
            text, encoding = decode_text(raw)
        except ValueError as exc:
            raise TextError(path, str(exc)) from None
    else:
        try:
            text = raw.decode(encoding, errors="strict")
        except UnicodeDecodeError as exc:
            raise TextError(path, f"invalid {encoding}: {exc.reason} (lone surrogate?)") from None
        problem = implausible_text(text, "utf-8")
        if problem:
            raise TextError(path, problem)
    if _SURROGATE.search(text):
        raise TextError(path, "lone surrogate code points")
    if "\x00" in text:
        raise TextError(path, "NUL characters")
    if not text.strip():
        raise TextError(path, "no text (only white space)")
    return unicodedata.normalize("NFC", text), encoding


_MONTHS = (
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|"
    "decembre|January|February|March|April|May|June|July|August|September|October|November|December"
)
#: An official title's date at its end, in its last clause: "…, le 7 octobre 2020.", "…, à Riga le 29
#: septembre 2020.", "…, March 3, 2021."
_DATED_END = re.compile(
    rf",[^,.]{{0,60}}?\b(?:\d{{1,2}}(?:er)?\s+(?:{_MONTHS})|(?:{_MONTHS})\s+\d{{1,2}},)\s+"
    r"(?:1[0-9]{3}|20[0-9]{2})\.$",
    re.IGNORECASE,
)


def title_line(text: str) -> str | None:
    """The title line of a text without metadata: its first line when it is a title; else None.

    The one title rule of the project (``README``, "Titles"): a first line is a title
    when it is one line of at most 500 characters, followed by a blank line and more
    text, and does not end as a sentence (``.``, ``!``, ``?``, ``»``, ``"``), except an
    official title ending with its date after a comma (``…, le 7 octobre 2020.``,
    ``…, March 3, 2021.``). With a manifest,
    the first line is the title line when it repeats the manifest's title
    (:func:`analysis.clean.clean_text`); on the 30 shared statements and the seed both
    tests pick the same line. What is done with the title line (dropped or counted)
    is :func:`analysis.clean.title_mode`.

    Examples
    --------
    >>> title_line("Déclaration conjointe\\n\\nLa France et le Canada."), title_line("Une ligne.")
    ('Déclaration conjointe', None)
    >>> title_line("Communiqué conjoint, le 7 octobre 2020.\\n\\nLes ministres se sont réunis.")
    'Communiqué conjoint, le 7 octobre 2020.'
    >>> title_line("Les ministres se sont réunis.\\n\\nIls ont parlé.") is None
    True
    >>> title_line("Les ministres se sont réunis en 2023.\\n\\nIls ont parlé.") is None
    True
    """
    head, sep, rest = text.lstrip("\ufeff").replace("\r\n", "\n").strip().partition("\n\n")
    head = head.strip()
    if (
        sep
        and rest.strip()
        and "\n" not in head
        and len(head) <= 500
        and (not head.endswith((".", "!", "?", "»", '"')) or _DATED_END.search(head))
    ):
        return head
    return None
