import json

import pandas as pd
import pytest

from netlab.toy import datasets, nets, selection, training, trial
from netlab.toy.figures import boundary
from netlab.toy.paths import trial_number


def _run(data_file, out, number, seed):
    return trial.run_trial(
        data_file,
        out / f"trial{number}.json",
        out / f"trial{number}.npz",
        hidden_layers=1,
        hidden=4,
        seed=seed,
        lr=0.25,
        tol=1e-4,
        check_every=100,
        max_iter=2000,
    )


def test_run_trial_writes_record_and_weights(data_file, tmp_path):
    record = _run(data_file, tmp_path, 1, seed=11)
    saved = json.loads((tmp_path / "trial1.json").read_text())
    assert saved == record
    assert saved["iterations"] <= 2000 and saved["checkpoints"][0][0] == 100
    assert saved["seed"] == 11 and saved["n_points"] == 40
    params = nets.load_params(tmp_path / "trial1.npz")
    assert [w.shape for w, _ in params] == [(4, 2), (1, 4)]
    # the saved weights reproduce the recorded errors
    x, labels = datasets.read_points(data_file)
    x, y = datasets.as_training_arrays(x, labels)
    assert nets.error_rate(nets.predict(params, x), y) == saved["errors"]
    # where the time went: set-up, waiting and training within the whole call, and the path that ran
    assert saved["path"] in training.PATHS
    parts = saved["setup_s"] + saved["wait_s"] + saved["train_s"]
    assert all(saved[k] >= 0 for k in ("setup_s", "wait_s", "train_s"))
    assert parts <= saved["wall_time_s"] + 1e-5 and saved["train_s"] > 0
    # no temporary files left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.txt", "trial1.json", "trial1.npz"]


def test_same_seed_same_record(data_file, tmp_path):
    a = _run(data_file, tmp_path / "a", 1, seed=5)
    b = _run(data_file, tmp_path / "b", 1, seed=5)
    for timing in ("wall_time_s", "setup_s", "wait_s", "train_s"):
        a.pop(timing), b.pop(timing)
    assert a == b


def test_best_trial_is_fewest_errors_first_wins():
    table = pd.DataFrame(
        {"trial": [1, 2, 3, 4], "errors": [3, 1, 0, 0], "iterations": [5, 6, 7, 8]}
    )
    assert selection.best_trial(table)["trial"] == 3


def test_summarise_setting(data_file, tmp_path):
    paths = [tmp_path / f"trial{i}.json" for i in (1, 2, 10)]
    for i, seed in zip((1, 2, 10), (1, 2, 3), strict=True):
        _run(data_file, tmp_path, i, seed)
    summary = selection.summarise_setting(
        [str(p) for p in reversed(paths)], tmp_path / "trial.csv", tmp_path / "best.json"
    )
    table = pd.read_csv(tmp_path / "trial.csv")
    assert table.columns.tolist() == selection.TRIAL_COLUMNS
    assert {"setup_s", "wait_s", "train_s", "path"} <= set(selection.TRIAL_COLUMNS)
    assert table["trial"].tolist() == [1, 2, 10]
    assert summary["errors"] == table["errors"].min()
    assert summary["best_trial"] == int(table.loc[table["errors"].idxmin(), "trial"])
    assert json.loads((tmp_path / "best.json").read_text()) == summary
    weights = {trial_number(p): p.with_suffix(".npz") for p in paths}
    rows = table.assign(hidden=4)
    drawn = boundary.draw(data_file, rows, {4: weights}, tmp_path / "boundary.png", "xor")
    assert drawn == {4: summary["best_trial"]}
    assert (tmp_path / "boundary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    del weights[summary["best_trial"]]
    with pytest.raises(ValueError, match=f"best trial is {summary['best_trial']}, but no weights"):
        boundary.draw(data_file, rows, {4: weights}, tmp_path / "b2.png", "t")
