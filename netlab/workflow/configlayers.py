"""Config layers: ``config.yaml``, then each ``--configfile``, then ``--config``, merged as the README says.

Snakemake merges every mapping recursively and hands nested ``--config`` values over as text; these pure
functions merge with the schema in view (a value that is one of several shapes is replaced whole), give
text the schema's types (command-line values; ``1e-4``, which PyYAML reads as text), and remember which
layer set each key, for error messages.
"""

from __future__ import annotations

import copy
import functools
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import jsonschema
import yaml
from referencing import Registry, Resource


class Layer(NamedTuple):
    """One source of settings, in the order Snakemake applies them; later layers win."""

    source: str  # shown in error messages: a file name or "--config"
    values: Mapping[str, Any]


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow ``$ref`` as jsonschema does (with ``referencing``, the library it resolves with)."""
    resolver = Registry().with_resource("", Resource.from_contents(root)).resolver()
    while "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        schema, resolver = resolved.contents, resolved.resolver
    return schema


def _child(schema: Mapping[str, Any], key: Any, root: Mapping[str, Any]) -> Mapping[str, Any]:
    """The schema of ``instance[key]`` given the schema of ``instance`` ({} when it says nothing)."""
    schema = _resolve(schema, root)
    if isinstance(key, int):
        items = schema.get("items", {})
        return items if isinstance(items, Mapping) else {}
    if key in schema.get("properties", {}):
        return schema["properties"][key]
    extra = schema.get("additionalProperties", {})
    return extra if isinstance(extra, Mapping) else {}


def _is_alternative(schema: Mapping[str, Any], root: Mapping[str, Any]) -> bool:
    """A value that is one of several shapes (``oneOf``/``anyOf``) is given whole, never merged."""
    schema = _resolve(schema, root)
    return "oneOf" in schema or "anyOf" in schema


def merge_layers(
    layers: Sequence[Layer], schema: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[tuple, str]]:
    """Merge ``layers`` in order, and say which layer set each key.

    Mappings merge key by key (``--config 'experiments={e: {trials: 3}}'`` changes one number), but a
    value the schema defines as one of several shapes replaces the earlier one whole: a user's
    ``datasets.data1: {path: ...}`` is a different data set, not the default generator plus a path.
    """
    merged: dict[str, Any] = {}
    origins: dict[tuple, str] = {}

    def merge(target: dict, values: Mapping, sub: Mapping, path: tuple, source: str) -> None:
        for key, value in values.items():
            child, where = _child(sub, key, schema), (*path, key)
            if (
                isinstance(value, Mapping)
                and isinstance(target.get(key), dict)
                and not _is_alternative(child, schema)
            ):
                if origins.get(where, source) != source:  # a mapping filled by both layers
                    origins[where] = f"{origins[where]} and {source}"
                merge(target[key], value, child, where, source)
            else:
                target[key] = copy.deepcopy(value) if isinstance(value, Mapping | list) else value
                for old in [p for p in origins if p[: len(where)] == where]:
                    del origins[old]
                mark(value, where, source)

    def mark(value: Any, where: tuple, source: str) -> None:
        origins[where] = source
        if isinstance(value, Mapping):
            for key, item in value.items():
                mark(item, (*where, key), source)

    for layer in layers:
        merge(merged, copy.deepcopy(dict(layer.values)), schema, (), layer.source)
    return merged, origins


def origin_of(path: tuple, origins: Mapping[tuple, str]) -> str | None:
    """The layer that set ``path`` (or the nearest enclosing key it set)."""
    for end in range(len(path), -1, -1):
        if path[:end] in origins:
            return origins[path[:end]]
    return None


def _integer(_checker: object, value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(checker: object, value: Any) -> bool:
    return _integer(checker, value) or (isinstance(value, float) and math.isfinite(value))


def validator_class(schema: Mapping[str, Any]) -> type:
    """jsonschema's validator for ``schema``'s draft, with JSON's numbers: an integer is an ``int`` (JSON
    Schema counts ``2.0`` as one, which would pass and then fail in ``range(trials)`` without naming its key)
    and a number is finite (YAML's ``.nan`` and ``.inf`` are no JSON numbers, and ``nan`` passes every bound)."""
    return _with_json_numbers(jsonschema.validators.validator_for(schema))


@functools.cache  # one class per draft, not one per value typed at every parse
def _with_json_numbers(base: type) -> type:
    checker = base.TYPE_CHECKER.redefine_many({"integer": _integer, "number": _number})
    return jsonschema.validators.extend(base, type_checker=checker)


def coerce_text(value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> Any:
    """Turn text into the type the schema asks for: the text Snakemake makes of nested ``--config`` values
    (``'3'`` to ``3``), and numbers PyYAML (YAML 1.1) reads as text but JSON and YAML 1.2 as numbers
    (``1e-4``). A value that fits no type the schema allows is left for validation to name."""
    schema = _resolve(schema, root)
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if alternatives:
        validator = validator_class(root)(root)
        for alternative in alternatives:
            candidate = coerce_text(value, alternative, root)
            if validator.evolve(schema=alternative).is_valid(candidate):
                return candidate
        return value
    if isinstance(value, Mapping):
        return {k: coerce_text(v, _child(schema, k, root), root) for k, v in value.items()}
    if isinstance(value, list):
        return [coerce_text(v, _child(schema, i, root), root) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    if not types or "string" in types:  # text, or an enum/const of text (the schema has no other)
        return value
    try:
        parsed = yaml.safe_load(value)
        parsed = json.loads(value) if isinstance(parsed, str) else parsed
    except (yaml.YAMLError, ValueError):  # ValueError: json's
        return value
    checker = validator_class(root).TYPE_CHECKER
    return parsed if any(checker.is_type(parsed, t) for t in types) else value
