import json

import pandas as pd
import pytest

from netlab.toy import datasets, nets, selection, training, trial


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
    assert nets.error_count(nets.predict(params, x), y) == saved["errors"]
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


def test_trial_table_in_trial_order(data_file, tmp_path):
    paths = [tmp_path / f"trial{i}.json" for i in (1, 2, 10)]
    for i, seed in zip((1, 2, 10), (1, 2, 3), strict=True):
        _run(data_file, tmp_path, i, seed)
    records = selection.read_records([str(p) for p in reversed(paths)])
    table = selection.trials_table(records)
    assert table.columns.tolist() == selection.TRIAL_COLUMNS
    assert {"setup_s", "wait_s", "train_s", "path"} <= set(selection.TRIAL_COLUMNS)
    assert table["trial"].tolist() == [1, 2, 10] and table["seed"].tolist() == [1, 2, 3]
    with pytest.raises(ValueError, match="trial 2 is given twice"):
        selection.read_records([paths[1], paths[1]])
    (tmp_path / "trial3.json").write_text("{not json")
    with pytest.raises(ValueError, match="trial3.json: not a trial record"):
        selection.read_records([tmp_path / "trial3.json"])
