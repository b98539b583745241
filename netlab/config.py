"""Checks of the workflow config that a JSON schema cannot express, and what the config implies.

The schema (``schemas/config.schema.yaml``) checks keys, types and ranges;
these functions check references between sections and enumerate the jobs.
Each error names the key at fault.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import jsonschema
import yaml


class ConfigError(ValueError):
    """A config that cannot describe a run; the message names the key."""


class Setting(NamedTuple):
    """One experiment x dataset x hidden size: the unit that 'best of trials' aggregates."""

    experiment: str
    dataset: str
    hidden: int


def _with_defaults(validator_class: type) -> type:
    """A validator that also fills in the schema's ``default`` values, as Snakemake's ``validate`` does."""
    check_properties = validator_class.VALIDATORS["properties"]

    def properties(validator, props, instance, schema):
        if isinstance(instance, MutableMapping):
            for name, sub in props.items():
                if "default" in sub and name not in instance:
                    instance[name] = sub["default"]
        yield from check_properties(validator, props, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": properties})


def _key(path: Any) -> str:
    """``deque(['experiments', 'e', 'hidden_sizes', 1])`` -> ``experiments.e.hidden_sizes[1]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def validate_schema(
    config: MutableMapping[str, Any],
    schema_path: str | Path,
    origins: Mapping[tuple, str] | None = None,
) -> None:
    """Check ``config`` against the schema, filling defaults; the first error names its key, briefly,
    and (given ``origins`` from ``merge_layers``) where the offending value came from."""
    schema = load_schema(schema_path)
    validator = _with_defaults(jsonschema.validators.validator_for(schema))(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        error = jsonschema.exceptions.best_match(errors)
        where = origin_of(tuple(error.absolute_path), origins or {})
        source = f" (set in {where})" if where else ""
        raise ConfigError(f"config key {_key(error.absolute_path)}{source}: {error.message}")


def load_schema(schema_path: str | Path) -> dict[str, Any]:
    return yaml.safe_load(Path(schema_path).read_text())


# --- layers: config.yaml, then --configfile files, then --config ------------------------------


class Layer(NamedTuple):
    """One source of settings, in the order Snakemake applies them; later layers win."""

    source: str  # shown in error messages: a file name or "--config"
    values: Mapping[str, Any]


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a local ``$ref`` (``#/$defs/x``)."""
    while "$ref" in schema:
        node: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
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


_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, Mapping),
}


def coerce_text(value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> Any:
    """Turn the text Snakemake makes of nested ``--config`` values (``'3'``) into the type the schema
    asks for (``3``); a value that fits no type the schema allows is left for validation to name."""
    schema = _resolve(schema, root)
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if alternatives:
        for alternative in alternatives:
            candidate = coerce_text(value, alternative, root)
            checker = {"$defs": root.get("$defs", {}), **alternative}
            validator = jsonschema.validators.validator_for(root)(checker)
            if validator.is_valid(candidate):
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
    if "const" in schema or "enum" in schema:
        types = types or sorted(
            {
                t
                for v in schema.get("enum", [schema.get("const")])
                for t, fits in _JSON_TYPES.items()
                if fits(v)
            }
        )
    if not types or "string" in types:
        return value
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    if types == ["number"] and isinstance(parsed, str):
        return value
    return parsed if any(_JSON_TYPES[t](parsed) for t in types if t in _JSON_TYPES) else value


def layered_config(
    defaults: Sequence[str | Path],
    files: Sequence[str | Path],
    command_line: Mapping[str, Any],
    schema_path: str | Path,
) -> tuple[dict[str, Any], dict[tuple, str]]:
    """The config as the README describes it: ``defaults`` (config.yaml), then each ``--configfile``,
    then ``--config`` (its text coerced to the schema's types); see ``merge_layers``."""
    schema = load_schema(schema_path)
    layers = [
        Layer(str(path), yaml.safe_load(Path(path).read_text()) or {})
        for path in [*defaults, *files]
    ]
    for layer in layers:
        if not isinstance(layer.values, Mapping):
            raise ConfigError(f"{layer.source}: a config file must hold a mapping of keys")
    layers.append(Layer("--config", coerce_text(dict(command_line), schema, schema)))
    return merge_layers(layers, schema)


def check_config(config: Mapping[str, Any], base: Path) -> None:
    """Raise ``ConfigError`` for references the schema cannot see (``base`` resolves relative paths)."""
    datasets = config["datasets"]
    for name, experiment in config["experiments"].items():
        for dataset in experiment["datasets"]:
            if dataset not in datasets:
                raise ConfigError(
                    f"experiments.{name}.datasets names '{dataset}', which is not defined under 'datasets' "
                    f"(defined: {', '.join(sorted(datasets))})"
                )
    for name, spec in datasets.items():
        if "path" in spec and not (base / spec["path"]).is_file():
            raise ConfigError(f"datasets.{name}.path: no such file: {base / spec['path']}")
    synthetic = config["images"].get("synthetic", {})
    if synthetic.get("min_side", 0) > synthetic.get("max_side", float("inf")):
        raise ConfigError("images.synthetic.min_side is larger than images.synthetic.max_side")


def settings(config: Mapping[str, Any]) -> Iterator[Setting]:
    """Every experiment x dataset x hidden size, in config order."""
    for name, experiment in config["experiments"].items():
        for dataset in experiment["datasets"]:
            for hidden in experiment["hidden_sizes"]:
                yield Setting(name, dataset, int(hidden))


def used_datasets(config: Mapping[str, Any]) -> list[str]:
    """Data sets some experiment trains on, in config order."""
    used = {d for e in config["experiments"].values() for d in e["datasets"]}
    return [name for name in config["datasets"] if name in used]
