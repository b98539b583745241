import copy
from pathlib import Path

import pytest
import yaml

from netlab.config import ConfigError, check_config, settings, used_datasets, validate_schema

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
