"""Theme dictionaries: a versioned YAML instrument, validated and compiled.

A dictionary file describes one instrument (see
``resources/dictionaries/README.md`` for the full format)::

    name: defence_security
    version: "1.0.0"
    description: What the instrument measures.
    accent_sensitive: false          # optional, default false
    themes:
      ukraine:
        label: {fr: Ukraine, en: Ukraine}
        description: One sentence on what the theme measures.
        fr: [ukrain*, kiev, "agression russe"]
        en: [ukrain*, kyiv, "Russian aggression"]
        exclude: {fr: [...], en: [...]}   # optional (or one list for every language)
        subthemes:                        # optional, one level, same keys
          donbass: {label: ..., description: ..., fr: [...], en: [...]}

A pattern is a word (``arctique``), a glob where ``*`` stands for zero or more
characters inside one token (``ukrain*``, ``cyber*``), or a phrase of several
tokens (``manipulation de l'information``). Phrases are split with the same
tokeniser as the texts (:func:`analysis.tokens.tokenize`), so ``l'information``
becomes the two tokens ``l'`` and ``information``; every part is folded with
:func:`analysis.tokens.match_key` (case, apostrophes, accents unless the
instrument is ``accent_sensitive``).

:func:`dictionary` collects *every* problem of a file and raises them together
in one :class:`DictionaryError`, each naming the file and the key path
(``defence_security.yaml: themes.cyber.fr[3]: ...``).

Patterns are compiled by :mod:`analysis.patterns` and the YAML is read by
:mod:`analysis.yamlsafe`; their public names (:func:`fold`, :class:`Glob`,
:class:`Pattern`, :func:`compile_pattern`, :func:`yaml_anchor`,
:class:`YamlAnchorError`) are re-exported here.

Examples
--------
>>> d = dictionary({
...     "name": "demo", "version": "0.1", "description": "A demo.",
...     "themes": {"peace": {"label": {"fr": "Paix", "en": "Peace"},
...                          "description": "Peace words.",
...                          "fr": ["paix", "cessez-le-feu"], "en": ["peace", "ceasefire"]}},
... })
>>> d.labels("en")
{'peace': 'Peace'}
>>> [p.kind for p in d.themes[0].patterns["fr"]]
['word', 'word']
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from analysis import config
from analysis.patterns import Glob, Pattern, compile_pattern, fold
from analysis.yamlsafe import YamlAnchorError, _load_yaml, yaml_anchor

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)

__all__ = [
    "Dictionary",
    "DictionaryError",
    "Glob",
    "Pattern",
    "Theme",
    "YamlAnchorError",
    "compile_pattern",
    "dictionary",
    "fold",
    "yaml_anchor",
]

_TOP_KEYS = {"name", "version", "description", "accent_sensitive", "themes"}
_REQUIRED_TOP = ("name", "version", "description", "themes")
_THEME_KEYS = {"label", "description", "exclude", "subthemes", *config.LANGUAGES}
_THEME_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class DictionaryError(ValueError):
    """A dictionary file (or mapping) failed validation.

    Attributes
    ----------
    problems : list of str
        Every problem found, each as ``"<file>: <key path>: <message>"``.

    Examples
    --------
    >>> err = DictionaryError(["x.yaml: name: missing"])
    >>> err.problems
    ['x.yaml: name: missing']
    """

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in dictionary"
        super().__init__(head + ":\n  " + "\n  ".join(self.problems))


@dataclass(frozen=True)
class Theme:
    """One theme of a dictionary (a root theme or a subtheme).

    Attributes
    ----------
    id : str
        Theme id (``[a-z][a-z0-9_]*``), unique in the dictionary.
    parent : str or None
        Parent theme id for a subtheme; None for a root theme.
    labels : dict
        Label per language (``{"fr": ..., "en": ...}``).
    description : str
        One sentence on what the theme measures.
    patterns : dict
        Language -> tuple of :class:`Pattern` (the theme's own patterns).
    exclude : dict
        Language -> tuple of :class:`Pattern` (vetoes; see the matching rules).
    children : tuple of str
        Ids of its subthemes.
    """

    id: str
    parent: str | None
    labels: dict[str, str]
    description: str
    patterns: dict[str, tuple[Pattern, ...]]
    exclude: dict[str, tuple[Pattern, ...]]
    children: tuple[str, ...] = ()

    @property
    def is_root(self) -> bool:
        """True for a root theme."""
        return self.parent is None


@dataclass
class Dictionary:
    """A validated, compiled theme dictionary.

    Attributes
    ----------
    name, version, description : str
        From the file.
    accent_sensitive : bool
        Match on accented lower case instead of the accent-free key.
    path : pathlib.Path or None
        Source file (None when built from a mapping).
    hash : str
        sha256 of the file bytes (of a canonical JSON dump for a mapping).
    themes : tuple of Theme
        In file order, each root theme followed by its subthemes.
    warnings : list of str
        Non-fatal findings (a pattern shared by two themes, a repeated pattern).
    """

    name: str
    version: str
    description: str
    accent_sensitive: bool
    path: Path | None
    hash: str
    themes: tuple[Theme, ...]
    warnings: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return (
            f"Dictionary({self.name!r}, version={self.version!r}, "
            f"{len(self.root_themes())} root themes, {len(self.themes)} themes)"
        )

    def __len__(self) -> int:
        return len(self.themes)

    def theme(self, theme_id: str) -> Theme:
        """Return a theme by id (KeyError if unknown)."""
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)

    def theme_ids(self) -> list[str]:
        """Theme ids in order, subthemes included."""
        return [t.id for t in self.themes]

    def root_themes(self) -> list[Theme]:
        """Return the root themes, in order.

        Examples
        --------
        >>> from analysis import config
        >>> [t.id for t in dictionary(config.DEFAULT_DICTIONARY).root_themes()][:3]
        ['ukraine', 'russia', 'indo_pacific']
        """
        return [t for t in self.themes if t.parent is None]

    def languages(self) -> list[str]:
        """Languages with at least one pattern somewhere in the dictionary."""
        langs = {lang for t in self.themes for lang, pats in t.patterns.items() if pats}
        return [lang for lang in config.LANGUAGES if lang in langs] + sorted(langs - set(config.LANGUAGES))

    def labels(self, lang: str) -> dict[str, str]:
        """Return theme id -> label in ``lang`` (subthemes included).

        Examples
        --------
        >>> from analysis import config
        >>> dictionary(config.DEFAULT_DICTIONARY).labels("en")["arctic"]
        'Arctic'
        """
        return {t.id: t.labels.get(lang, t.id) for t in self.themes}

    def descendants(self, theme_id: str) -> list[str]:
        """Ids of the subthemes of a theme (empty for a leaf)."""
        return list(self.theme(theme_id).children)

    def to_frame(self) -> pd.DataFrame:
        """Return every pattern as a table (for a report's appendix).

        Returns
        -------
        pandas.DataFrame
            ``theme, parent, language, pattern, kind, role`` where ``role`` is
            ``include`` or ``exclude``; ``parent`` is None for a root theme.

        Examples
        --------
        >>> from analysis import config
        >>> df = dictionary(config.DEFAULT_DICTIONARY).to_frame()
        >>> sorted(df["kind"].unique())
        ['glob', 'phrase', 'word']
        """
        import pandas as pd

        rows = []
        for t in self.themes:
            for role, table in (("include", t.patterns), ("exclude", t.exclude)):
                for lang, pats in table.items():
                    for p in pats:
                        rows.append((t.id, t.parent, lang, p.text, p.kind, role))
        return pd.DataFrame(rows, columns=["theme", "parent", "language", "pattern", "kind", "role"])

    def info(self) -> dict[str, Any]:
        """Identity of the instrument, to travel into every output that uses it."""
        return {
            "dictionary": self.name,
            "dictionary_version": self.version,
            "dictionary_sha256": self.hash,
            "accent_sensitive": self.accent_sensitive,
        }


# --------------------------------------------------------------------------- validation


class _Validator:
    def __init__(self, source: str, typed: dict[str, tuple[str, str]], accent_sensitive: bool):
        self.source = source
        self.typed = typed
        self.accent_sensitive = accent_sensitive
        self.problems: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{self.source}: {path}: {message}")

    def string(self, value: Any, path: str, *, required: bool = True) -> str | None:
        if isinstance(value, str):
            if required and not value.strip():
                self.add(path, "empty string")
                return None
            return value
        if path in self.typed:
            kind, raw = self.typed[path]
            self.add(path, f"YAML reads {raw!r} as {kind}, not text: quote it ('{raw}')")
        elif value is None:
            self.add(path, "missing value (null)")
        else:
            self.add(path, f"expected text, got {type(value).__name__}")
        return None

    def pattern_list(self, value: Any, path: str, language: str) -> tuple[Pattern, ...]:
        if not isinstance(value, list):
            if path in self.typed:
                self.string(value, path)
            else:
                self.add(path, f"expected a list of patterns, got {type(value).__name__}")
            return ()
        out = []
        for i, item in enumerate(value):
            ipath = f"{path}[{i}]"
            text = self.string(item, ipath, required=False)
            if text is None:
                continue
            try:
                out.append(compile_pattern(text, language, self.accent_sensitive))
            except ValueError as exc:
                self.add(ipath, str(exc))
        return tuple(out)

    def theme(self, theme_id: Any, body: Any, path: str, parent: str | None, themes: list[Theme]) -> None:
        if not isinstance(theme_id, str) or not _THEME_ID.match(theme_id):
            key_path = f"{path} (key)"
            if key_path in self.typed:
                kind, raw = self.typed[key_path]
                self.add(path, f"theme id: YAML reads {raw!r} as {kind}: quote it")
            else:
                self.add(path, "theme id must match [a-z][a-z0-9_]* (lower case, digits, _)")
            theme_id = str(theme_id)
        if not isinstance(body, Mapping):
            self.add(path, f"a theme is a mapping, got {type(body).__name__}")
            return
        for key in body:
            if key not in _THEME_KEYS:
                self.add(
                    f"{path}.{key}",
                    f"unknown key (expected one of {', '.join(sorted(_THEME_KEYS))})",
                )
        labels: dict[str, str] = {}
        label = body.get("label")
        if label is None:
            self.add(f"{path}.label", "missing (a mapping fr/en -> label)")
        elif not isinstance(label, Mapping):
            self.add(f"{path}.label", "expected a mapping language -> label")
        else:
            for lang, text in label.items():
                if lang not in config.LANGUAGES:
                    self.add(f"{path}.label.{lang}", "unknown language")
                    continue
                value = self.string(text, f"{path}.label.{lang}")
                if value is not None:
                    labels[lang] = value
            for lang in config.LANGUAGES:
                if lang not in label:
                    self.add(f"{path}.label", f"no label for language {lang!r}")
        description = ""
        if "description" not in body:
            self.add(f"{path}.description", "missing (one sentence on what the theme measures)")
        else:
            description = self.string(body["description"], f"{path}.description") or ""
        patterns = {
            lang: self.pattern_list(body[lang], f"{path}.{lang}", lang)
            for lang in config.LANGUAGES
            if lang in body
        }
        exclude: dict[str, tuple[Pattern, ...]] = {}
        if "exclude" in body:
            ex = body["exclude"]
            if isinstance(ex, list):
                exclude = {lang: self.pattern_list(ex, f"{path}.exclude", lang) for lang in config.LANGUAGES}
            elif isinstance(ex, Mapping):
                for lang, items in ex.items():
                    if lang not in config.LANGUAGES:
                        self.add(f"{path}.exclude.{lang}", "unknown language")
                        continue
                    exclude[lang] = self.pattern_list(items, f"{path}.exclude.{lang}", lang)
            elif f"{path}.exclude" in self.typed:
                self.string(ex, f"{path}.exclude")
            else:
                self.add(f"{path}.exclude", "expected a list, or a mapping language -> list")
        index = len(themes)
        children: list[str] = []
        themes.append(Theme(theme_id, parent, labels, description, patterns, exclude, tuple(children)))
        if "subthemes" in body:
            subs = body["subthemes"]
            if parent is not None:
                self.add(f"{path}.subthemes", "subthemes nest one level only")
            elif not isinstance(subs, Mapping) or not subs:
                self.add(f"{path}.subthemes", "expected a non-empty mapping of themes")
            else:
                for sub_id, sub_body in subs.items():
                    children.append(str(sub_id))
                    self.theme(sub_id, sub_body, f"{path}.subthemes.{sub_id}", theme_id, themes)
        t = themes[index]
        themes[index] = Theme(t.id, t.parent, t.labels, t.description, t.patterns, t.exclude, tuple(children))


def _theme_path(t: Theme) -> str:
    return f"themes.{t.parent}.subthemes.{t.id}" if t.parent else f"themes.{t.id}"


def dictionary(
    x: str | Path | Mapping[str, Any],
    *,
    languages: Iterable[str] | None = None,
) -> Dictionary:
    """Read, validate and compile a theme dictionary.

    Parameters
    ----------
    x : str, pathlib.Path or mapping
        A YAML file (read with a SafeLoader) or an already parsed mapping.
    languages : iterable of str, optional
        Languages the corpus uses: every theme and every subtheme must have
        patterns in each. Default: every language used anywhere in the
        dictionary (so a bilingual instrument must be bilingual throughout).

    Returns
    -------
    Dictionary

    Raises
    ------
    DictionaryError
        With every problem found (``.problems``): unknown keys, missing or empty
        themes, themes without patterns in a requested language, malformed
        patterns, duplicate YAML keys, values YAML turns into booleans, numbers or
        null, theme ids used twice; a YAML anchor or alias alone (line named).

    Examples
    --------
    >>> from analysis import config
    >>> d = dictionary(config.DEFAULT_DICTIONARY, languages=("fr", "en"))
    >>> d.name, d.version
    ('defence_security', '1.1.0')
    >>> len(d.hash)
    64
    """
    path: Path | None = None
    typed: dict[str, tuple[str, str]] = {}
    yaml_problems: list[str] = []
    if isinstance(x, Mapping):
        source = "<mapping>"
        data: Any = dict(x)
        raw = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    else:
        path = Path(x)
        source = path.name
        raw = path.read_bytes()
        try:
            data, yaml_problems, typed = _load_yaml(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise DictionaryError([f"{source}: not UTF-8 ({exc})"]) from exc
        except YamlAnchorError as exc:
            raise DictionaryError([f"{source}: {exc}"]) from exc
        except yaml.YAMLError as exc:
            raise DictionaryError([f"{source}: YAML error: {exc}"]) from exc
    digest = hashlib.sha256(raw).hexdigest()
    problems = [f"{source}: {p}" for p in yaml_problems]
    if not isinstance(data, Mapping):
        raise DictionaryError([*problems, f"{source}: the file must be a mapping (name, themes...)"])

    accent = data.get("accent_sensitive", False)
    v = _Validator(source, typed, accent_sensitive=bool(accent) if isinstance(accent, bool) else False)
    v.problems.extend(problems)
    for key in data:
        if key not in _TOP_KEYS:
            v.add(str(key), f"unknown key (expected one of {', '.join(sorted(_TOP_KEYS))})")
    for key in _REQUIRED_TOP:
        if key not in data:
            v.add(key, "missing")
    name = v.string(data.get("name"), "name") if "name" in data else None
    version = v.string(data.get("version"), "version") if "version" in data else None
    description = v.string(data.get("description"), "description") if "description" in data else None
    if not isinstance(accent, bool):
        v.add("accent_sensitive", "expected true or false")

    themes: list[Theme] = []
    raw_themes = data.get("themes")
    if "themes" in data:
        if not isinstance(raw_themes, Mapping) or not raw_themes:
            v.add("themes", "expected a non-empty mapping theme id -> theme")
        else:
            for theme_id, body in raw_themes.items():
                v.theme(theme_id, body, f"themes.{theme_id}", None, themes)

    # theme ids unique across levels
    seen_ids: dict[str, str] = {}
    for t in themes:
        if t.id in seen_ids:
            v.add(_theme_path(t), f"theme id {t.id!r} already used at {seen_ids[t.id]}")
        else:
            seen_ids[t.id] = _theme_path(t)

    # empty themes and languages
    def family(t: Theme) -> list[Theme]:
        return [t] + [s for s in themes if s.parent == t.id]

    for t in themes:
        members = family(t) if t.parent is None else [t]
        if not any(pats for m in members for pats in m.patterns.values()):
            v.add(_theme_path(t), "empty theme: no patterns in any language")
    wanted = (
        list(languages)
        if languages is not None
        else sorted({lang for t in themes for lang, pats in t.patterns.items() if pats})
    )
    for lang in wanted:
        if lang not in config.LANGUAGES:
            v.add("languages", f"unknown language {lang!r} requested")
            continue
        for t in themes:
            members = family(t) if t.parent is None else [t]
            has_any = any(m.patterns.get(lang) for m in members)
            has_own_other = any(pats for m in members for pats in m.patterns.values())
            if not has_any and has_own_other:
                v.add(_theme_path(t), f"no patterns for language {lang!r}")

    if v.problems:
        raise DictionaryError(v.problems)

    # warnings: a pattern shared by two themes, or repeated in one
    warnings: list[str] = []
    owners: dict[tuple[str, tuple[str, ...]], list[tuple[str, str]]] = {}
    for t in themes:
        for lang, pats in t.patterns.items():
            for p in pats:
                owners.setdefault((lang, p.parts), []).append((t.id, p.text))
    for (lang, _parts), where in owners.items():
        ids = [w[0] for w in where]
        if len(set(ids)) > 1:
            warnings.append(
                f"{source}: pattern {where[0][1]!r} ({lang}) is in several themes: "
                + ", ".join(dict.fromkeys(ids))
            )
        elif len(ids) > 1:
            warnings.append(f"{source}: pattern {where[0][1]!r} ({lang}) repeated in {ids[0]}")
    for w in warnings:
        logger.warning(w)

    d = Dictionary(
        name=str(name),
        version=str(version),
        description=str(description),
        accent_sensitive=bool(accent),
        path=path,
        hash=digest,
        themes=tuple(themes),
        warnings=warnings,
    )
    logger.info("dictionary %s %s: %d themes (sha256 %s)", d.name, d.version, len(themes), digest[:12])
    return d
