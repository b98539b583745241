"""The real workflow on the tiny test config: every stage's outputs, provenance, and config errors."""

import json

import pandas as pd
import pytest
import yaml
from conftest import TEST_CONFIG, snakemake, write_config

from netlab.toy import paths

pytestmark = pytest.mark.slow

CONFIG = yaml.safe_load(TEST_CONFIG.read_text())


def test_every_expected_output_exists(workflow_run):
    out = workflow_run / "results"
    for dataset in ("data1", "data4", "noisy"):
        assert (out / "data" / f"{dataset}.txt").stat().st_size > 0
        assert (out / "data" / f"{dataset}.png").stat().st_size > 0
    for name, exp in CONFIG["experiments"].items():
        for dataset in exp["datasets"]:
            for hidden in exp["hidden_sizes"]:
                setting = out / "mlp" / name / dataset / f"h{hidden}"
                for trial in range(1, exp["trials"] + 1):
                    record = json.loads((setting / f"trial{trial}.json").read_text())
                    assert (
                        record["hidden"] == hidden
                        and record["hidden_layers"] == exp["hidden_layers"]
                    )
                    assert record["iterations"] <= exp["max_iter"]
                    assert (setting / f"trial{trial}.npz").exists()
        trials = pd.read_csv(workflow_run / paths.summary_table("trials", name))
        settings = pd.read_csv(workflow_run / paths.summary_table("settings", name))
        assert len(trials) == len(exp["datasets"]) * len(exp["hidden_sizes"]) * exp["trials"]
        for s in settings.itertuples():
            mine = trials[(trials["dataset"] == s.dataset) & (trials["hidden"] == s.hidden)]
            assert mine["trial"].tolist() == list(range(1, exp["trials"] + 1))
            assert s.train_errors == mine["errors"].min()
        for dataset in exp["datasets"]:
            assert (workflow_run / paths.boundaries_file(name, dataset)).stat().st_size > 0
    for split in ("train", "val"):
        frame = pd.read_parquet(out / "features" / f"{split}.parquet")
        assert len(frame) == sum(CONFIG["images"]["synthetic"]["counts"][split].values())
        assert len(frame["features"].iloc[0]) == 2048
    metrics = json.loads((out / "classify" / "metrics.json").read_text())
    names = {m["name"] for m in metrics["models"]}
    assert len(names) == 1 + len(CONFIG["classify"]["knn"]["k"])
    assert (out / "handbuilt" / "handbuilt.csv").exists()
    page = (out / "report" / "index.html").read_text()
    assert "<table" in page and "data:image/png;base64," in page
    for log in (out / "logs").rglob("*.log"):
        assert "job failed" not in log.read_text(), log


def test_trial_seeds_follow_the_config_seed(workflow_run):
    from netlab.toy.trial import trial_seed

    record = json.loads(
        (workflow_run / "results/mlp/one_hidden_layer/data1/h4/trial2.json").read_text()
    )
    assert record["seed"] == trial_seed(CONFIG["seed"], "one_hidden_layer", "data1", "4", "2")


def test_second_run_has_nothing_to_do(workflow_run):
    proc = snakemake(workflow_run, "--cores", "1", "--dry-run")
    assert "Nothing to be done" in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "edit, expected",
    [
        (
            lambda c: c["experiments"]["one_hidden_layer"].__setitem__("hidden_sizes", [0]),
            "hidden_sizes",
        ),
        (lambda c: c["experiments"]["one_hidden_layer"].__setitem__("trials", 0), "trials"),
        (lambda c: c["experiments"]["one_hidden_layer"]["datasets"].append("data7"), "data7"),
        (lambda c: c.__setitem__("seeed", 3), "seeed"),
    ],
)
def test_bad_config_stops_before_any_job(tmp_path, edit, expected):
    config = write_config(tmp_path / "bad.yaml", edit)
    proc = snakemake(tmp_path, "--cores", "1", config=config, check=False)
    assert proc.returncode != 0
    assert expected in proc.stdout + proc.stderr
    assert not (tmp_path / "results").exists()
