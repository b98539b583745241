"""Adding or changing a test set, or the CV grid, re-runs only evaluation and the report (never data or training).

As in test_incremental.py: copy a finished run of the test config, apply one edit, read what a dry run plans.
"""

import pytest
import yaml
from conftest import TEST_CONFIG, planned_jobs
from test_incremental import edit_config, edit_source

pytestmark = pytest.mark.slow

CONFIG = yaml.safe_load(TEST_CONFIG.read_text())
ONE, TWO = "one_hidden_layer", "two_hidden_layers"


def evaluations(experiment, datasets=None):
    exp = CONFIG["experiments"][experiment]
    return {
        f"results/evaluate/{experiment}/{d}/h{h}/trials.csv"
        for d in datasets or exp["datasets"]
        for h in exp["hidden_sizes"]
    }


REPORT = {"report": {"results/report/index.html"}}


def generalisation(*experiments):
    return {f"results/evaluate/{e}/generalisation.csv" for e in experiments}


CASES = {
    "give a data set a larger test set": (
        edit_config(lambda c: c["datasets"]["data1"].__setitem__("test_n", 80)),
        {
            "toy_test_data": {"results/data/data1.test.txt"},
            "evaluate_trials": evaluations(ONE, ["data1"]),
            "generalisation": generalisation(ONE),
            **REPORT,
        },
    ),
    "change the noisy test set's size": (
        edit_config(lambda c: c["datasets"]["noisy"].__setitem__("test_n", 300)),
        {
            "toy_test_data": {"results/data/noisy.test.txt"},
            "evaluate_trials": evaluations(TWO),
            "generalisation": generalisation(TWO),
            **REPORT,
        },
    ),
    "change the cross-validation grid": (
        edit_config(lambda c: c["classify"]["cv"].__setitem__("k", [1, 2, 3])),
        {"classify_cv": {"results/classify/cv.json"}, **REPORT},
    ),
    "edit the evaluation code": (
        edit_source("netlab/evaluation.py"),
        {
            "evaluate_trials": evaluations(ONE) | evaluations(TWO),
            "generalisation": generalisation(ONE, TWO),
            **REPORT,
        },
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_only_evaluation_reruns(workflow_copy, case):
    edit, expected = CASES[case]
    config = edit(workflow_copy) or workflow_copy / "tests" / "config" / "config.yaml"
    assert planned_jobs(workflow_copy, config) == expected
