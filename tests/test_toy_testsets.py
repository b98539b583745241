"""Held-out toy test sets: seeded, from the same generator, never touching the training set; the floors."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from conftest import ROOT

from netlab.seeds import derive_seed
from netlab.toy import datasets
from netlab.workflow.config import ConfigError, check_config, validate_schema

DEFAULTS = yaml.safe_load((ROOT / "config.yaml").read_text())["datasets"]
GENERATED = [name for name, spec in DEFAULTS.items() if "generator" in spec]


def held_out(name: str, spec: dict | None = None, base_seed: int = 2025) -> datasets.Points:
    return datasets.generate_test(spec or DEFAULTS[name], derive_seed(base_seed, "testset", name))


@pytest.mark.parametrize("name", GENERATED)
def test_test_set_is_deterministic_and_seeded(name):
    x1, l1 = held_out(name)
    x2, l2 = held_out(name)
    assert np.array_equal(x1, x2) and np.array_equal(l1, l2)
    x3, _ = held_out(name, base_seed=2026)
    assert not np.array_equal(x1, x3)
    text = datasets.format_points(x1, l1)
    assert datasets.format_points(*held_out(name)) == text  # same bytes on disk


@pytest.mark.parametrize("name", GENERATED)
def test_test_set_differs_from_the_training_set_but_has_its_size(name):
    spec = DEFAULTS[name]
    x_train, _ = datasets.generate(spec, derive_seed(2025, "dataset", name))
    x_test, labels = held_out(name)
    assert x_test.shape == x_train.shape and x_test.dtype == np.float32
    assert set(np.unique(labels).tolist()) == {-1, 1}
    shared = {tuple(p) for p in x_train.tolist()} & {tuple(p) for p in x_test.tolist()}
    assert not shared


def test_test_n_sets_the_size_and_leaves_the_training_set_alone():
    spec = {**DEFAULTS["data3"], "test_n": 1000}
    x, labels = datasets.generate_test(spec, 11)
    assert len(x) == len(labels) == 1000
    assert datasets.training_spec(spec) == DEFAULTS["data3"]
    train = datasets.generate(datasets.training_spec(spec), 5)
    assert np.array_equal(train[0], datasets.generate(DEFAULTS["data3"], 5)[0])


def test_noisy_test_set_keeps_the_notebooks_training_set_and_draws_fresh_points():
    x_train, _ = datasets.noisy()
    x, _ = datasets.generate_test({"generator": "noisy"}, 3)
    assert x.shape == (800, 2) and not np.array_equal(x, x_train)
    assert x.min() >= 0 and x.max() <= 10  # the same square, scaled by 10
    x_small, _ = datasets.generate_test({"generator": "noisy", "test_n": 50}, 3)
    assert x_small.shape == (50, 2)


def test_noisy_test_set_flips_like_the_notebook():
    # int(n * 0.03) flips drawn with replacement leave an index flipped with probability
    # (1 - (1 - 2/n)^m) / 2 ~ (1 - e^-0.06) / 2 = 0.0291 (the training set: 23 of 800).
    spec = {"generator": "noisy", "test_n": 200_000}
    x, labels = datasets.generate_test(spec, 9)
    share = datasets.floor_errors(spec, x, labels) / len(labels)
    assert share == pytest.approx((1 - np.exp(-0.06)) / 2, abs=0.002)
    no_flip = {"generator": "noisy", "flip": 0.0, "test_n": 500}
    assert datasets.floor_errors(no_flip, *datasets.generate_test(no_flip, 9)) == 0


def test_floor_of_the_noisy_training_set_is_its_flipped_labels():
    x, labels = datasets.noisy()
    assert (
        datasets.floor_errors({"generator": "noisy"}, x, labels) == datasets.noisy_flipped() == 23
    )


@pytest.mark.parametrize("name", ["data1", "data2", "data4", "data5"])
def test_floor_is_zero_where_the_generator_labels_by_its_boundary(name):
    spec = DEFAULTS[name]
    assert datasets.floor_errors(spec, *held_out(name)) == 0
    assert datasets.floor_errors(spec, *datasets.generate(spec, 1)) == 0


def test_blobs_floor_is_the_bisector_of_the_centres():
    spec = {"generator": "blobs", "n": 4, "separation": 4.0, "spread": 1.0}
    # centres (2, 1) and (-2, -1): the bisector is 2 x1 + x2 = 0
    x = np.array([[1, 0], [-1, 0], [0.1, -0.1], [-0.5, 0.9]], np.float32)
    labels = np.array([1, 1, -1, -1], np.int8)
    assert (
        datasets.floor_errors(spec, x, labels) == 2
    )  # (-1, 0) and (-0.5, 0.9) are on the other side


def test_file_data_sets_have_a_test_set_only_with_test_path(tmp_path):
    assert datasets.has_test_set({"generator": "xor", "n": 10, "margin": 0.5})
    assert not datasets.has_test_set({"path": "a.txt"})
    assert datasets.has_test_set({"path": "a.txt", "test_path": "b.txt"})
    assert datasets.floor_errors({"path": "a.txt"}, np.zeros((1, 2)), np.ones(1)) is None
    test_file = tmp_path / "b.txt"
    test_file.write_text("1 2 1\n3 4 -1\n")
    _, labels = datasets.obtain_test({"path": "a.txt", "test_path": "b.txt"}, 0, [str(test_file)])
    assert labels.tolist() == [1, -1]
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2 1\n3 4 0\n")
    with pytest.raises(datasets.DataFileError, match="bad.txt, line 2"):
        datasets.obtain_test({"path": "a.txt", "test_path": "bad.txt"}, 0, [str(bad)])


def default_config() -> dict:
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def test_schema_takes_test_settings_and_fills_the_cv_defaults(tmp_path):
    config = default_config()
    config["datasets"]["data1"]["test_n"] = 500
    config["datasets"]["noisy"]["test_n"] = 2000
    (tmp_path / "mine.txt").write_text("0 0 1\n1 1 -1\n")
    (tmp_path / "mine_test.txt").write_text("0 0 1\n")
    config["datasets"]["mine"] = {"path": "mine.txt", "test_path": "mine_test.txt"}
    del config["classify"]["cv"]
    validate_schema(config, ROOT / "schemas" / "config.schema.yaml")
    check_config(config, tmp_path)
    assert config["classify"]["cv"]["folds"] == 5 and 1.0 in config["classify"]["cv"]["C"]


@pytest.mark.parametrize(
    ("edit", "names"),
    [
        (lambda c: c["datasets"]["data1"].__setitem__("test_n", 0), ["datasets.data1"]),
        (
            lambda c: c["classify"].__setitem__("cv", {"folds": 1}),
            ["classify.cv.folds", "minimum of 2"],
        ),
        (lambda c: c["classify"].__setitem__("cv", {"C": [0]}), ["classify.cv.C[0]"]),
        (lambda c: c["classify"].__setitem__("cv", {"k": [3, 3]}), ["classify.cv.k"]),
    ],
)
def test_schema_names_bad_test_and_cv_settings(edit, names):
    config = default_config()
    edit(config)
    with pytest.raises(ConfigError) as error:
        validate_schema(config, ROOT / "schemas" / "config.schema.yaml")
    for name in names:
        assert name in str(error.value)


def test_a_missing_test_file_is_named(tmp_path):
    config = default_config()
    (tmp_path / "mine.txt").write_text("0 0 1\n1 1 -1\n")
    config["datasets"]["mine"] = {"path": "mine.txt", "test_path": "gone.txt"}
    with pytest.raises(ConfigError, match=r"datasets\.mine\.test_path: no such file"):
        check_config(config, tmp_path)
