"""Strict YAML loading: duplicate keys and non-string scalars recorded, anchors and aliases refused.

The strict loader reads theme dictionaries (:func:`analysis.dictionary.dictionary`);
:func:`yaml_anchor` also guards parameter files. :mod:`analysis.dictionary`
re-exports :class:`YamlAnchorError` and :func:`yaml_anchor`.
"""

from __future__ import annotations

import logging
from typing import Any

import yaml

logger = logging.getLogger(__name__)

__all__ = ["YamlAnchorError", "yaml_anchor"]


class _Strict:
    """For a SafeLoader: record duplicate keys and non-string scalars with their key path."""

    def __init__(self, stream: Any):
        super().__init__(stream)
        self.problems: list[str] = []
        self.typed: dict[str, tuple[str, str]] = {}  # key path -> (yaml type, raw text)
        self._paths: dict[int, str] = {}

    def construct_document(self, node: yaml.Node) -> Any:
        self._walk(node, "")
        return super().construct_document(node)

    def _walk(self, node: yaml.Node, path: str) -> None:
        self._paths[id(node)] = path
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = str(key_node.value)
                child = f"{path}.{key}" if path else key
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:str":
                    self.typed[child + " (key)"] = (key_node.tag.rsplit(":", 1)[-1], key)
                self._walk(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, f"{path}[{i}]")
        elif isinstance(node, yaml.ScalarNode) and node.tag != "tag:yaml.org,2002:str":
            self.typed[path] = (node.tag.rsplit(":", 1)[-1], str(node.value))

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        path = self._paths.get(id(node), "")
        seen: dict[Any, int] = {}
        for key_node, _value in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                where = f"{path}.{key}" if path else str(key)
                self.problems.append(
                    f"{where}: duplicate key (lines {seen[key]} and {line}); "
                    "YAML would silently keep the last one"
                )
            else:
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


class _StrictLoader(_Strict, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The strict loader, on libyaml's parser when PyYAML has it (about 8 times faster).

    The same constructors and resolver as ``yaml.SafeLoader``, so the same data,
    problems and line numbers: ``tests/test_dictionary.py`` loads every
    dictionary and the problem cases with both parsers.
    """


class YamlAnchorError(yaml.YAMLError):
    """A YAML anchor (``&name``) or alias (``*name``): refused, see :func:`yaml_anchor`."""


def yaml_anchor(text: str, loader_class: type | None = None) -> str | None:
    """Name the first YAML anchor or alias of ``text`` and its line, or return None.

    Aliases repeat a node without copying it: nine lines of ``&a [*b, *b, ...]`` stand for a
    billion strings ("billion laughs"), and ``&a [*a]`` for a list that contains itself.
    Every walk over the loaded data (validation, hashing, parameter conversion) then runs
    for hours or never ends. Dictionaries and parameter files need neither, so both refuse
    them. Only the parser's events are read: linear in the text, nothing is expanded.

    Parameters
    ----------
    text : str
        The YAML text.
    loader_class : type, optional
        The loader whose parser reads the events (default: libyaml's safe loader when
        PyYAML has it, else ``yaml.SafeLoader``).

    Returns
    -------
    str or None
        ``"line N: YAML anchor '&name' ..."`` (or alias ``'*name'``), None when there is none.

    Raises
    ------
    yaml.YAMLError
        When the text is not valid YAML.

    Examples
    --------
    >>> yaml_anchor("a: &x [1]\\nb: *x\\n")
    "line 1: YAML anchor '&x' refused (anchors and aliases can expand a few lines into billions of nodes)"
    >>> yaml_anchor("a: [1]\\nb: R&D *x\\n") is None
    True
    """
    loader = (loader_class or getattr(yaml, "CSafeLoader", yaml.SafeLoader))(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                what = "alias '*" if isinstance(event, yaml.AliasEvent) else "anchor '&"
                return (
                    f"line {event.start_mark.line + 1}: YAML {what}{anchor}' refused "
                    "(anchors and aliases can expand a few lines into billions of nodes)"
                )
    finally:
        loader.dispose()
    return None


def _load_yaml(
    text: str, loader_class: type = _StrictLoader
) -> tuple[Any, list[str], dict[str, tuple[str, str]]]:
    """Load one YAML document with the strict loader, anchors and aliases refused first.

    Returns ``(data, problems, typed)``: the data, the duplicate-key problems
    (``"<key path>: ..."``) and, per key path, the YAML type and raw text of every
    scalar that is not a string.
    """
    refused = yaml_anchor(text, loader_class)
    if refused:
        raise YamlAnchorError(refused)
    loader = loader_class(text)
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    return data, loader.problems, loader.typed
