"""The report's sections beyond the notebooks: held-out error of the toy nets, the classifiers' uncertainty."""

from __future__ import annotations

import contextlib

import pandas as pd
import pytest
from browser.report_fixture import config, make_results
from test_report import build, page_of


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("generalise")
    with contextlib.chdir(workdir):
        inputs = make_results(workdir, config())
    return workdir, build(workdir, inputs)


def test_both_sections_and_their_tables_are_on_the_page(built):
    _, page = built
    parsed = page_of(page)
    for section in ("generalisation", "uncertainty"):
        assert section in parsed.ids
    for table_id in (
        "generalisation-one_hidden_layer",
        "generalisation-two_hidden_layers",
        "classifier-intervals",
        "classifier-mcnemar",
        "classifier-cv",
    ):
        assert table_id in parsed.tables, table_id
    for fig in ("fig-one_hidden_layer-generalisation", "fig-two_hidden_layers-generalisation"):
        assert fig in parsed.ids
    assert "larger than chance at 5%" in parsed.text
    assert "no test set for" not in parsed.text  # every data set of the fixture is generated


def test_tables_are_written_beside_the_page(built):
    workdir, _ = built
    tables = workdir / "results/report/tables"
    general = pd.read_csv(tables / "generalisation.csv")
    assert set(general["experiment"]) == {"one_hidden_layer", "two_hidden_layers"}
    noisy = general.loc[general["dataset"] == "noisy"].iloc[0]
    assert noisy["train_floor"] == 23  # the notebook's 800 points: 23 flipped labels
    intervals = pd.read_csv(tables / "classifier_intervals.csv")
    assert (intervals["ci95_low"] <= intervals["accuracy"]).all()
    assert (intervals["accuracy"] <= intervals["ci95_high"]).all()
    mcnemar = pd.read_csv(tables / "classifier_mcnemar.csv")
    assert mcnemar["model_b"].tolist() == ["knn_k1", "knn_k3"]
    cv = pd.read_csv(tables / "classifier_cv.csv")
    assert len(cv) == 2 and cv["model"].str.contains("by 3-fold CV").all()
    assert (workdir / "results/report/figures/one_hidden_layer-generalisation.png").exists()
