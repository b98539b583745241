"""A user's own ImageFolder of three classes with long names, through the default classifier settings to the
report; then liblinear set by hand and too few images for the folds, each stopped naming the folder.

Runs on a copy of the shared run of the test config with only ``images.source`` changed, so only the image
stages and the report run again (the toy part's results are current: nothing of it is planned)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import dry_run, snakemake, write_config
from PIL import Image
from serve_zip import jpeg_bytes

pytestmark = pytest.mark.slow

CLASSES = [
    "apis_mellifera_honey_bee_foragers",
    "formica_rufa_red_wood_ant_workers",
    "vespula_vulgaris_common_wasp_nest",
]
COUNTS = {"train": 3, "val": 2}  # the test config's 3 folds need 3 training images a class


def image_folder(root: Path) -> Path:
    """``root/{split}/{class}/{i}.jpg``, tiny noise JPEGs, different for every file."""
    seed = 0
    for split, n in COUNTS.items():
        for name in CLASSES:
            (root / split / name).mkdir(parents=True)
            for i in range(n):
                seed += 1
                (root / split / name / f"{i}.jpg").write_bytes(jpeg_bytes(seed))
    return root


def config(path: Path, folder: Path, **classify) -> Path:
    """The test config on ``folder``, with ``classify`` changes."""

    def edit(c: dict) -> None:
        c["images"] = {"source": str(folder)}
        for key, value in classify.items():
            c["classify"][key] = {**c["classify"][key], **value}

    return write_config(path, edit)


def test_three_long_named_classes_run_to_the_report_and_refusals_name_the_folder(
    workflow_copy, tmp_path
):
    folder = image_folder(tmp_path / "my images")
    workdir = workflow_copy
    default = config(tmp_path / "default.yaml", folder)
    assert yaml.safe_load(default.read_text())["classify"]["logistic"]["solver"] == "auto"
    planned = {job.rule for job in dry_run(workdir, config=default)}
    assert planned == {"features", "classify", "classify_cv", "image_plots", "report", "all"}
    snakemake(workdir, "--cores", "2", config=default)

    metrics = json.loads((workdir / "results/classify/metrics.json").read_text())
    assert metrics["classes"] == CLASSES and metrics["n_val"] == 6
    assert metrics["models"][0]["params"]["solver"] == "lbfgs"
    for m in metrics["models"]:
        assert len(m["confusion"]) == 3 and all(len(row) == 3 for row in m["confusion"])
        assert sum(map(sum, m["confusion"])) == 6
    assert len(metrics["mcnemar"]) == 2
    page = (workdir / "results/report/index.html").read_text()
    assert "solver lbfgs, one multinomial (softmax) model over the 3 classes" in page
    # the images' sections are named by the user's classes, not by the notebooks' ants and bees
    assert "Images: " + " vs ".join(CLASSES) in page and "Images: ants vs bees" not in page
    table = pd.read_csv(workdir / "results/report/tables/confusion.csv")
    assert len(table) == len(metrics["models"]) * 9 and set(table["true_class"]) == set(CLASSES)
    with Image.open(workdir / "results/report/figures/confusion.png") as figure:
        assert max(figure.size) <= 1600, (
            figure.size
        )  # grown for three long names, within a screen or two

    by_hand = config(tmp_path / "liblinear.yaml", folder, logistic={"solver": "liblinear"})
    proc = snakemake(
        workdir, "--cores", "1", "results/classify/metrics.json", config=by_hand, check=False
    )
    assert proc.returncode != 0
    assert (
        f"classify.logistic.solver: liblinear fits two classes only, but the image folder {folder} has 3"
        in proc.stdout + proc.stderr
    )
    few = config(tmp_path / "folds.yaml", folder, cv={"folds": 4})
    proc = snakemake(workdir, "--cores", "1", "results/classify/cv.json", config=few, check=False)
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    assert (
        "classify.cv.folds: 4 stratified folds need at least 4 training images of every class"
        in output
    )
    for name in CLASSES:
        assert f"class '{name}' has 3 in {folder / 'train' / name}" in output
