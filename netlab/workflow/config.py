"""Checks of the workflow config that a JSON schema cannot express, and what the config implies.

The schema (``schemas/config.schema.yaml``) checks keys, types and ranges;
these functions read the layers as the docs describe them and check references between sections.
Each error names the key at fault.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from netlab.workflow.configlayers import (
    Layer,
    coerce_text,
    merge_layers,
    origin_of,
    validator_class,
)


class ConfigError(ValueError):
    """A config that cannot describe a run; the message names the key."""


def _with_defaults(validator_class: type) -> type:
    """A validator that also fills in the schema's ``default`` values, as ``snakemake.utils.validate(...,
    set_default=True)`` does, but only into mappings: Snakemake's fills whatever value a ``properties``
    keyword meets, so a wrong value under a ``oneOf`` (``features.weights: IMAGENET1K_V3``) fails with an
    ``AttributeError`` instead of naming its key, and its error keeps jsonschema's only as text."""
    check_properties = validator_class.VALIDATORS["properties"]

    def properties(validator, props, instance, schema):
        if isinstance(instance, MutableMapping):
            for name, sub in props.items():
                if "default" in sub and name not in instance:
                    instance[name] = sub["default"]
        yield from check_properties(validator, props, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": properties})


def validate_schema(
    config: MutableMapping[str, Any],
    schema_path: str | Path,
    origins: Mapping[tuple, str] | None = None,
) -> None:
    """Check ``config`` against the schema, filling defaults; the first error names its key, briefly,
    and (given ``origins`` from ``merge_layers``) where the offending value came from."""
    schema = load_schema(schema_path)
    validator = _with_defaults(validator_class(schema))(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        error = jsonschema.exceptions.best_match(errors)
        where = origin_of(tuple(error.absolute_path), origins or {})
        source = f" (set in {where})" if where else ""
        key = error.json_path.removeprefix("$.") if error.absolute_path else "(top level)"
        raise ConfigError(f"config key {key}{source}: {error.message}")


def load_schema(schema_path: str | Path) -> dict[str, Any]:
    """The schema file as a mapping."""
    return yaml.safe_load(Path(schema_path).read_text())


def layered_config(
    defaults: Sequence[str | Path],
    files: Sequence[str | Path],
    command_line: Mapping[str, Any],
    schema_path: str | Path,
) -> tuple[dict[str, Any], dict[tuple, str]]:
    """The config as the README describes it: ``defaults`` (config.yaml), then each ``--configfile``,
    then ``--config``, each with its text coerced to the schema's types; see ``merge_layers``."""
    schema = load_schema(schema_path)
    layers = [
        Layer(str(path), yaml.safe_load(Path(path).read_text()) or {})
        for path in [*defaults, *files]
    ]
    for layer in layers:
        if not isinstance(layer.values, Mapping):
            raise ConfigError(f"{layer.source}: a config file must hold a mapping of keys")
    layers.append(Layer("--config", dict(command_line)))
    typed = [
        Layer(layer.source, coerce_text(dict(layer.values), schema, schema)) for layer in layers
    ]
    return merge_layers(typed, schema)


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
        for key in ("path", "test_path"):
            if key in spec and not (base / spec[key]).is_file():
                raise ConfigError(f"datasets.{name}.{key}: no such file: {base / spec[key]}")
    synthetic = config["images"].get("synthetic", {})
    if synthetic.get("min_side", 0) > synthetic.get("max_side", float("inf")):
        raise ConfigError("images.synthetic.min_side is larger than images.synthetic.max_side")
