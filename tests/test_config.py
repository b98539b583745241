import copy
from pathlib import Path

import pytest
import yaml

from netlab.toy.settings import settings, used_datasets
from netlab.workflow.config import ConfigError, check_config, layered_config, validate_schema
from netlab.workflow.configlayers import Layer, coerce_text, merge_layers, origin_of

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def test_default_config_passes_and_enumerates_the_notebooks_settings(config):
    check_config(config, ROOT)
    s = list(settings(config))
    assert len(s) == 5 * 2 + 1
    assert ("two_hidden_layers", "noisy", 8) in s
    assert used_datasets(config) == ["data1", "data2", "data3", "data4", "data5", "noisy"]
    trials = sum(config["experiments"][e]["trials"] for e, _, _ in s)
    assert trials == 100


def test_undefined_dataset_is_named(config):
    config["experiments"]["one_hidden_layer"]["datasets"].append("data9")
    with pytest.raises(ConfigError, match=r"experiments\.one_hidden_layer\.datasets names 'data9'"):
        check_config(config, ROOT)


def test_missing_user_file_is_named(config, tmp_path):
    config["datasets"]["mine"] = {"path": "nowhere/mine.txt"}
    with pytest.raises(ConfigError, match=r"datasets\.mine\.path: no such file"):
        check_config(config, tmp_path)


def test_synthetic_sides_must_be_ordered(config):
    bad = copy.deepcopy(config)
    bad["images"]["synthetic"]["min_side"] = 600
    with pytest.raises(ConfigError, match="min_side"):
        check_config(bad, ROOT)


def _schema_error(config):
    with pytest.raises(ConfigError) as err:
        validate_schema(config, ROOT / "schemas" / "config.schema.yaml")
    return str(err.value)


@pytest.mark.parametrize(
    "edit, names",
    [
        (
            lambda c: c["experiments"]["one_hidden_layer"].__setitem__("hidden_sizes", [4, 0]),
            [
                "config key experiments.one_hidden_layer.hidden_sizes[1]: 0 is less than the minimum of 1"
            ],
        ),
        (
            lambda c: c["experiments"]["two_hidden_layers"].__setitem__("trials", 0),
            ["config key experiments.two_hidden_layers.trials: 0 is less than the minimum of 1"],
        ),
        (
            lambda c: c["experiments"]["two_hidden_layers"].__setitem__("lr", "fast"),
            ["two_hidden_layers.lr", "not of type"],
        ),
        (
            lambda c: c["experiments"]["two_hidden_layers"].__setitem__("tols", 1e-3),
            ["two_hidden_layers", "'tols'"],
        ),
        (lambda c: c.__setitem__("sed", 1), ["'sed' was unexpected"]),
        (
            lambda c: c["features"].__setitem__("weights", "IMAGENET1K_V3"),
            ["config key features.weights: 'IMAGENET1K_V3' is not valid"],
        ),
        (
            lambda c: c["datasets"].__setitem__("data1", {"generator": "spiral", "n": 10}),
            ["datasets.data1"],
        ),
    ],
)
def test_schema_names_the_bad_key(config, edit, names):
    edit(config)
    message = _schema_error(config)
    for name in names:
        assert name in message


def test_schema_fills_defaults(config):
    del config["experiments"]["two_hidden_layers"]["lr"]
    del config["experiments"]["two_hidden_layers"]["max_iter"]
    validate_schema(config, ROOT / "schemas" / "config.schema.yaml")
    assert config["experiments"]["two_hidden_layers"]["lr"] == 0.25
    assert config["experiments"]["two_hidden_layers"]["max_iter"] is None


SCHEMA = ROOT / "schemas" / "config.schema.yaml"


def _layers(tmp_path, user_yaml, command_line=None):
    user = tmp_path / "my.yaml"
    user.write_text(user_yaml)
    return layered_config([ROOT / "config.yaml"], [user], command_line or {}, SCHEMA)


def test_a_users_dataset_entry_replaces_the_default(tmp_path):
    config, origins = _layers(tmp_path, "datasets:\n  data1: {path: /data/data1.txt}\n")
    assert config["datasets"]["data1"] == {"path": "/data/data1.txt"}
    assert config["datasets"]["data2"]["generator"] == "blobs"  # the others stay
    assert origin_of(("datasets", "data1", "path"), origins) == str(tmp_path / "my.yaml")
    assert origin_of(("datasets", "data2", "n"), origins) == str(ROOT / "config.yaml")
    validate_schema(config, SCHEMA, origins)


def test_experiment_entries_merge_key_by_key(tmp_path):
    config, _ = _layers(tmp_path, "experiments:\n  one_hidden_layer: {trials: 2}\n")
    one = config["experiments"]["one_hidden_layer"]
    assert one["trials"] == 2 and one["hidden_sizes"] == [4, 8]
    assert "two_hidden_layers" in config["experiments"]


def test_command_line_text_gets_the_schemas_types(tmp_path):
    # what Snakemake hands over for --config 'experiments={...}' 'datasets={...}' 'features={...}'
    text = {
        "experiments": {
            "one_hidden_layer": {
                "trials": "3",
                "lr": "0.5",
                "hidden_sizes": ["4", "6"],
                "tol": "1e-4",
            }
        },
        "datasets": {
            "extra": {
                "generator": "circle",
                "n": "50",
                "radius": "2",
                "margin": "0.1",
                "test_n": "9",
            }
        },
        "features": {"weights": "IMAGENET1K_V1", "batch_size": "8"},
    }
    config, origins = _layers(tmp_path, "{}\n", text)
    one = config["experiments"]["one_hidden_layer"]
    assert (one["trials"], one["lr"], one["hidden_sizes"], one["tol"]) == (3, 0.5, [4, 6], 1e-4)
    assert config["datasets"]["extra"] == {
        "generator": "circle",
        "n": 50,
        "radius": 2,
        "margin": 0.1,
        "test_n": 9,  # its schema is a $ref
    }
    assert config["features"]["weights"] == "IMAGENET1K_V1"
    assert config["features"]["batch_size"] == 8
    validate_schema(config, SCHEMA, origins)


def test_coercion_leaves_text_the_schema_wants_as_text():
    schema = yaml.safe_load(SCHEMA.read_text())
    assert coerce_text({"datasets": {"d": {"path": "123"}}}, schema, schema) == {
        "datasets": {"d": {"path": "123"}}
    }
    assert coerce_text({"images": {"source": "true"}}, schema, schema) == {
        "images": {"source": "true"}
    }

    # an enum's text from the command line is left as text: the schema's enums and consts are all text
    # (one of numbers would need a ``type`` for ``--config`` to give them their type)
    def choices(node):
        if isinstance(node, dict):
            if ("enum" in node or "const" in node) and "type" not in node:
                yield from node.get("enum", [node.get("const")])
            for value in node.values():
                yield from choices(value)
        elif isinstance(node, list):
            for value in node:
                yield from choices(value)

    found = list(choices(schema))
    assert "bfloat16" in found and "noisy" in found and all(isinstance(v, str) for v in found)
    assert coerce_text({"features": {"precision": "bfloat16"}}, schema, schema) == {
        "features": {"precision": "bfloat16"}
    }


@pytest.mark.parametrize(
    "user_yaml, command_line, message",
    [
        (
            "{}\n",
            {"experiments": {"one_hidden_layer": {"trials": "many"}}},
            "config key experiments.one_hidden_layer.trials (set in --config): 'many' is not of type 'integer'",
        ),
        (
            "experiments:\n  two_hidden_layers: {lr: fast}\n",
            {},
            "config key experiments.two_hidden_layers.lr (set in {my}): 'fast' is not of type 'number'",
        ),
        (
            "datasets:\n  data1: {path: /data/data1.txt, n: 5}\n",
            {},
            "config key datasets.data1 (set in {my}):",
        ),
    ],
)
def test_a_bad_value_is_named_with_where_it_came_from(tmp_path, user_yaml, command_line, message):
    config, origins = _layers(tmp_path, user_yaml, command_line)
    with pytest.raises(ConfigError) as err:
        validate_schema(config, SCHEMA, origins)
    assert message.format(my=tmp_path / "my.yaml") in str(err.value)


def test_a_config_file_that_is_not_a_mapping_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"my\.yaml: a config file must hold a mapping"):
        _layers(tmp_path, "- seed\n- 3\n")


def test_merge_is_layered_in_order_and_leaves_its_inputs_alone():
    schema = yaml.safe_load(SCHEMA.read_text())
    first = {"seed": 1, "datasets": {"a": {"generator": "noisy", "n": 10}}}
    second = {"datasets": {"a": {"generator": "xor", "n": 4, "margin": 1}}, "seed": 2}
    merged, origins = merge_layers([Layer("one", first), Layer("two", second)], schema)
    assert merged == {"seed": 2, "datasets": {"a": {"generator": "xor", "n": 4, "margin": 1}}}
    assert first == {"seed": 1, "datasets": {"a": {"generator": "noisy", "n": 10}}}
    assert origin_of(("datasets", "a", "n"), origins) == "two"
