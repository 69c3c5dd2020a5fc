"""Notebook parameters: read from the command line, checked against the notebooks.

:func:`parse_cli_params` turns ``-p NAME=VALUE`` pairs and a ``-f params.yaml`` file into
a dict; :func:`declared_parameters` reads what a notebook's ``parameters`` cell declares
(with :mod:`ast`, running nothing); :func:`validate_parameters` checks names, types and
values before any kernel starts or any run folder exists.

Examples
--------
>>> parse_cli_params(["n=3", "lang=fr", "ids=[a, b]"], None)
{'n': 3, 'lang': 'fr', 'ids': ['a', 'b']}
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import logging
import re
from pathlib import Path
from typing import Any

from analysis import config
from analysis.corpus import safe_path
from analysis.runs.errors import ParameterError

logger = logging.getLogger(__name__)

__all__ = ["declared_parameters", "parse_cli_params", "validate_parameters"]

RESERVED_PARAMETERS = frozenset({"output_dir"})
"""Set by :func:`analysis.runs.run` itself (the run folder), never by the caller."""
_CHOICES: dict[str, tuple[Any, ...]] = {
    "lang": config.LANGUAGES,
    "reference_language": ("", "all", *config.LANGUAGES),
    "title_mode": ("", "count", "drop"),
}
"""Parameters with a closed set of values (checked before any kernel starts)."""
_NON_NEGATIVE = frozenset({"kwic_window", "min_count"})
_DATES = frozenset({"since", "until"})
_NO_DEFAULT = object()
"""Default of a parameter whose value is not a Python literal: any value is accepted."""


def parse_cli_params(pairs: list[str] | None, yaml_file: Path | None = None) -> dict[str, Any]:
    """Turn ``-p NAME=VALUE`` pairs and a ``-f params.yaml`` file into a parameter dict.

    Values are parsed with ``yaml.safe_load`` (``3`` is an int, ``fr`` a str, ``[a, b]``
    a list, ``'3'`` a str); an empty value is the empty string; YAML dates become ISO
    strings. Pairs override the file.

    Parameters
    ----------
    pairs : list of str or None
        ``NAME=VALUE`` strings, as given after ``-p``.
    yaml_file : Path or None
        A YAML file holding a mapping of parameter names to values.

    Returns
    -------
    dict
        The parameters (not yet checked against the notebooks: see :func:`validate_parameters`).

    Raises
    ------
    ParameterError
        A pair without ``=``, a name that is not an identifier, unparsable YAML, or a file
        that is not a mapping.

    Examples
    --------
    >>> parse_cli_params(["focus_id=fr-ca", "top=10", "ratio=0.5", "flag=true"], None)
    {'focus_id': 'fr-ca', 'top': 10, 'ratio': 0.5, 'flag': True}
    >>> parse_cli_params(["year='2024'"], None)
    {'year': '2024'}
    """
    import yaml

    from analysis.dictionary import yaml_anchor

    params: dict[str, Any] = {}
    if yaml_file is not None:
        yaml_file = Path(yaml_file)
        try:
            text = yaml_file.read_text(encoding="utf-8")
            refused = yaml_anchor(text)  # before loading: an alias bomb would never finish
            if refused:
                raise ParameterError(f"parameter file {yaml_file}: {refused}")
            duplicate = _duplicate_key(yaml.compose(text))
            if duplicate:
                raise ParameterError(f"parameter file {yaml_file}: {duplicate}")
            loaded = yaml.safe_load(text)
        except UnicodeDecodeError as exc:
            raise ParameterError(
                f"parameter file {safe_path(yaml_file)} is not UTF-8 (byte {exc.start}: {exc.reason})"
            ) from exc
        except OSError as exc:
            raise ParameterError(f"cannot read parameter file {yaml_file}: {exc}") from exc
        except yaml.YAMLError as exc:
            raise ParameterError(f"parameter file {yaml_file} is not valid YAML: {exc}") from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ParameterError(
                f"parameter file {yaml_file} must hold a mapping of NAME: VALUE, "
                f"not a {type(loaded).__name__}"
            )
        for name, value in loaded.items():
            _check_name(name, f"in {yaml_file}")
            params[name] = _plain(value)
    for pair in pairs or []:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep:
            raise ParameterError(f"parameter {pair!r} must look like NAME=VALUE")
        _check_name(name, f"in -p {pair!r}")
        if text.strip() == "":
            params[name] = ""
            continue
        params[name] = _typed_value(name, text)
    return params


def _duplicate_key(node: Any) -> str | None:
    """The first key given twice in a YAML mapping (``yaml.safe_load`` keeps the last silently)."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            if key.value in seen:
                return (
                    f"duplicate key {key.value!r} on line {key.start_mark.line + 1} "
                    f"(first on line {seen[key.value]})"
                )
            seen[key.value] = key.start_mark.line + 1
            found = _duplicate_key(value)
            if found:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found = _duplicate_key(item)
            if found:
                return found
    return None


def _typed_value(name: str, text: str) -> Any:
    """A ``-p`` value: YAML numbers, booleans and lists; any other text exactly as typed.

    YAML would drop ``# comments`` and read ``a: b`` as a mapping or ``2024-02-30`` as an error:
    whatever YAML does not read as a plain scalar or list stays the string the user typed
    (quotes, ``'3'``, still make a string of a number).
    """
    import yaml

    if "#" in text:
        return text
    from analysis.dictionary import yaml_anchor

    try:
        refused = yaml_anchor(text)  # an alias bomb is never expanded: the text stays a string
        value = yaml.safe_load(text) if refused is None else text
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a timestamp that is no date (2024-02-30)
        if text.lstrip()[:1] in ("[", "{"):  # meant as a list: say so rather than pass a string
            raise ParameterError(f"value of parameter {name!r} is not valid YAML: {exc}") from exc
        return text
    if refused is not None and text.lstrip()[:1] in ("[", "{"):
        raise ParameterError(f"value of parameter {name!r}: {refused}")
    if isinstance(value, dict):
        return text
    if isinstance(value, str) and text.strip()[:1] not in ("'", '"'):
        return text
    return _plain(value)


def _check_name(name: object, where: str) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise ParameterError(f"parameter name {name!r} {where} is not a Python identifier")


def _plain(value: Any) -> Any:
    """Dates (YAML timestamps) become ISO strings, recursively."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def declared_parameters(notebook: Path) -> dict[str, Any]:
    """Return the parameters a notebook declares in its cell tagged ``parameters``.

    Top-level assignments ``name = literal`` (also annotated ones) are read with
    :mod:`ast`, without running anything; a default that is not a Python literal is
    reported as ``...`` (Ellipsis) and accepts any value.

    Parameters
    ----------
    notebook : Path
        An ``.ipynb`` file.

    Returns
    -------
    dict
        Parameter name to default value, in declaration order (empty without a
        ``parameters`` cell).

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell('focus_id = "x"\\nn: int = 2')
    >>> cell.metadata["tags"] = ["parameters"]
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "nb.ipynb"
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    >>> declared_parameters(path)
    {'focus_id': 'x', 'n': 2}
    """
    raw = _declared(Path(notebook))
    return {name: (... if value is _NO_DEFAULT else value) for name, value in raw.items()}


def _declared(notebook: Path) -> dict[str, Any]:
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ParameterError(f"cannot read notebook {notebook}: {exc}") from exc
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            break
    else:
        return {}
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"the parameters cell of {notebook.name} is not valid Python: {exc}") from exc
    found: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            value_node: ast.expr | None = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id]
            value_node = node.value
        else:
            continue
        try:
            value = ast.literal_eval(value_node) if value_node is not None else None
        except ValueError:
            value = _NO_DEFAULT
        for name in targets:
            found[name] = value
    return found


def _type_name(value: Any) -> str:
    return type(value).__name__


def _accepts(default: Any, value: Any) -> bool:
    """Whether ``value`` may replace ``default`` (int is accepted where the default is float)."""
    if default is None or default is _NO_DEFAULT:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    if isinstance(default, int):
        return isinstance(value, int)
    if isinstance(default, list | tuple):
        return isinstance(value, list | tuple)
    return isinstance(value, type(default))


def validate_parameters(
    params: dict[str, Any] | None, notebooks: list[Path]
) -> tuple[dict[str, Any], dict[Path, dict[str, Any]]]:
    """Check parameters against what the notebooks declare, without starting a kernel.

    Parameters
    ----------
    params : dict or None
        Caller parameters.
    notebooks : list of Path
        The notebooks that will run.

    Returns
    -------
    resolved : dict
        Every declared parameter with its value (the caller's, else the default of the
        first notebook declaring it), ``output_dir`` excluded.
    per_notebook : dict
        For each notebook, the parameters it will receive (``output_dir`` excluded).

    Raises
    ------
    ParameterError
        An unknown name, ``output_dir`` (set by the run), or a value whose type does not
        match the default's; the message names the parameter and its notebooks.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("n = 1\\nratio = 0.5")
    >>> cell.metadata["tags"] = ["parameters"]
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.ipynb"
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    >>> validate_parameters({"ratio": 1}, [path])[0]
    {'n': 1, 'ratio': 1}
    >>> validate_parameters({"n": "3"}, [path])
    Traceback (most recent call last):
    ...
    analysis.runs.errors.ParameterError: parameter 'n' expects int (default 1 in a.ipynb), got str '3'...
    """
    params = dict(params or {})
    declared = {nb: _declared(nb) for nb in notebooks}
    owners: dict[str, list[Path]] = {}
    for nb, names in declared.items():
        for name in names:
            owners.setdefault(name, []).append(nb)

    for name in params:
        if name in RESERVED_PARAMETERS:
            raise ParameterError(
                f"parameter {name!r} is set by the run itself (the run folder); do not pass it"
            )
        if name not in owners:
            known = ", ".join(sorted(n for n in owners if n not in RESERVED_PARAMETERS))
            checked = ", ".join(nb.name for nb in notebooks)
            raise ParameterError(
                f"unknown parameter {name!r}: no notebook declares it "
                f"(checked {checked}; known parameters: {known or 'none'})"
            )
    for name, value in params.items():
        for nb in owners[name]:
            default = declared[nb][name]
            if not _accepts(default, value):
                hint = ""
                if isinstance(default, str) and not isinstance(value, str):
                    hint = f" (quote it to pass a string: -p {name}='{value}')"
                declaring = ", ".join(n.name for n in owners[name])
                raise ParameterError(
                    f"parameter {name!r} expects {_type_name(default)} "
                    f"(default {default!r} in {nb.name}), got {_type_name(value)} {value!r}"
                    f"{hint}; declared in {declaring}"
                )

    resolved: dict[str, Any] = {}
    for name, nbs in owners.items():
        if name in RESERVED_PARAMETERS:
            continue
        if name in params:
            resolved[name] = params[name]
        else:
            default = declared[nbs[0]][name]
            resolved[name] = None if default is _NO_DEFAULT else default
    _check_values(params)
    per_notebook = {
        nb: {name: params[name] for name in names if name in params} for nb, names in declared.items()
    }
    return resolved, per_notebook


def _check_values(params: dict[str, Any]) -> None:
    """Refuse values the notebooks would only fail on later: raw-data outputs, bad choices, dates."""
    from analysis.store import OutputRefused, check_output

    for name, value in params.items():
        if name.endswith("_dir") and isinstance(value, str) and value:
            try:
                check_output(value)
                check_output(config.PROJECT_ROOT / value)
            except OutputRefused as exc:
                raise ParameterError(f"parameter {name!r}: {exc}") from exc
        if name in _CHOICES and value not in _CHOICES[name]:
            raise ParameterError(
                f"parameter {name!r}: {value!r} is not one of {', '.join(map(str, _CHOICES[name]))}"
            )
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if (name in _NON_NEGATIVE or name.endswith(("_window", "_count"))) and numeric and value < 0:
            raise ParameterError(f"parameter {name!r}: {value!r} must be zero or more")
        if name in _DATES and value not in ("", None):
            try:
                if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    raise ValueError
                dt.date.fromisoformat(value)
            except ValueError:
                raise ParameterError(f"parameter {name!r}: {value!r} is not a date YYYY-MM-DD") from None
