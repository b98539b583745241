"""The toy figures read at any scale: a sweep of 100 settings x 20 trials, the default config's shape
(5 data sets x 2 H x 5 trials) and the noisy set's (1 H x 50 trials), drawn from the experiment's
tables as the workflow gives them, with their mess: a data set without a test set, trials that stop
at different t, a setting of a single trial."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image

from netlab.plotting import plt
from netlab.toy import datasets, nets, paths, selection
from netlab.toy.figures import across_trials, boundary, generalisation

SWEEP = [f"data{i}" for i in range(1, 6)]
MAX_HEIGHT_AT_1000 = 1800  # px: about two laptop screens at the report's widest


def tables(
    names: Sequence[str],
    hidden: Sequence[int],
    trials: int,
    *,
    no_test: Sequence[str] = (),
    single: Sequence[tuple[str, int]] = (),
    floor: int | None = None,
    hidden_layers: int = 1,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The experiment's ``trials``, ``settings`` and ``curves`` tables, random but shaped as the
    workflow writes them."""
    rng = np.random.default_rng(seed)
    trial_rows, setting_rows, curves = [], [], []
    for name, h in itertools.product(names, hidden):
        n = 1 if (name, h) in single else trials
        errors = rng.integers(0, 12, n)
        iterations = rng.integers(3, 120, n) * 1000
        has_test = name not in no_test
        test = rng.integers(0, 20, n) if has_test else [pd.NA] * n
        for k in range(n):
            trial_rows.append(
                {
                    "dataset": name, "hidden": h, "trial": k + 1, "seed": 100 + k,
                    "iterations": int(iterations[k]), "converged": True,
                    "final_loss": 0.1, "errors": int(errors[k]), "wall_time_s": 1.0,
                    "setup_s": 0.1, "wait_s": 0.0, "train_s": 0.9, "path": "numba",
                    "test_errors": test[k], "fits_noise": pd.NA if not has_test else False,
                }
            )  # fmt: skip
            t = np.arange(1000, iterations[k] + 1, 1000)
            loss = 0.7 * np.exp(-t / rng.uniform(5e3, 4e4)) + rng.uniform(0.005, 0.05)
            curves.append(
                pd.DataFrame({"dataset": name, "hidden": h, "trial": k + 1, "t": t, "loss": loss})
            )
        b = int(np.argmin(errors))
        setting_rows.append(
            {
                "experiment": "e", "dataset": name, "hidden_layers": hidden_layers, "hidden": h,
                "trials": n, "best_trial": b + 1, "n_train": 100, "train_errors": int(errors[b]),
                "train_floor": floor, "n_test": 200 if has_test else pd.NA,
                "test_errors": test[b], "test_floor": 6 if has_test else pd.NA,
                "train_error_rate": errors[b] / 100,
                "test_error_rate": test[b] / 200 if has_test else pd.NA,
                "test_floor_rate": 0.03 if has_test else pd.NA,
                "test_errors_min": min(test) if has_test else pd.NA,
                "test_errors_median": float(np.median(test)) if has_test else pd.NA,
                "test_errors_max": max(test) if has_test else pd.NA,
                "trials_fitting_noise": 0 if has_test else pd.NA,
                "fits_noise": False if has_test else pd.NA,
                "note": "" if has_test else "no test set",
                "best_iterations": int(iterations[b]), "best_final_loss": 0.1, "best_seed": 100 + b,
            }
        )  # fmt: skip
    trial_table = pd.DataFrame(trial_rows)
    trial_table["test_errors"] = trial_table["test_errors"].astype("Int64")
    trial_table["fits_noise"] = trial_table["fits_noise"].astype("boolean")
    settings = pd.DataFrame(setting_rows)
    for column in ("train_floor", "n_test", "test_errors", "test_floor", "test_errors_min"):
        settings[column] = settings[column].astype("Int64")
    for column in ("test_error_rate", "test_floor_rate"):
        settings[column] = settings[column].astype("Float64")
    return trial_table, settings, pd.concat(curves, ignore_index=True)


def sweep() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Issue 27's sweep: data1..data5 x H 2..21 x 20 trials; data5 has no test set; one single-trial setting."""
    return tables(SWEEP, range(2, 22), 20, no_test=["data5"], single=[("data2", 7)])


def default() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The default config's one_hidden_layer: data1..data5 x H {4, 8} x 5 trials."""
    return tables(SWEEP, [4, 8], 5, seed=1)


def noisy() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The default config's two_hidden_layers: the noisy set, H=8, 50 trials, its generator's boundary known."""
    return tables(["noisy"], [8], 50, floor=24, hidden_layers=2, seed=2)


SHAPES = {"sweep": sweep, "default": default, "noisy": noisy}


def panels(fig: Figure) -> list[plt.Axes]:
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]


def colorbars(fig: Figure) -> list[plt.Axes]:
    return [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]


def assert_readable(fig: Figure, dpi: int = 100) -> tuple[int, int]:
    """Not too tall at 1,000 px wide, no two x tick labels of a panel overlapping; the PNG's size."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    with Image.open(buffer) as image:
        width, height = image.size
    assert 400 <= width <= 1700, width
    assert height * 1000 / min(width, 1000) <= MAX_HEIGHT_AT_1000, (width, height)
    fig.canvas.draw()
    inside = fig.bbox.padded(1)
    for legend in fig.legends:
        box = legend.get_window_extent()
        assert inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1), "legend cut off"
    for ax in panels(fig):
        boxes = [
            label.get_window_extent()
            for label in ax.get_xticklabels()
            if label.get_visible() and label.get_text()
        ]
        for a, b in itertools.combinations(boxes, 2):
            assert not a.overlaps(b), f"{ax.get_title()}: x tick labels overlap"
    return width, height


def titles(fig: Figure) -> list[str]:
    return [ax.get_title() for ax in panels(fig) if ax.get_title()]


def legend_texts(fig: Figure) -> list[str]:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def assert_one_panel_per_data_set(fig: Figure, table: pd.DataFrame, per: int = 1) -> None:
    names = list(dict.fromkeys(table["dataset"]))
    assert titles(fig) == names and len(panels(fig)) == per * len(names)
    assert_readable(fig)


@pytest.mark.parametrize("shape", SHAPES)
def test_loss_curves_one_panel_per_data_set(shape):
    _, _, curves = SHAPES[shape]()
    fig = across_trials.loss_curves(curves, "loss")
    assert_one_panel_per_data_set(fig, curves)
    assert all(ax.get_yscale() == "log" for ax in panels(fig))
    texts = legend_texts(fig)
    assert "median across trials" in texts and "interquartile range across trials" in texts
    many = curves["hidden"].nunique() > across_trials.MAX_LEGEND_H
    assert len(colorbars(fig)) == int(many)
    assert any(t.startswith("H=") for t in texts) is not many
    plt.close(fig)


def test_the_loss_median_keeps_a_stopped_trials_last_loss():
    curves = pd.DataFrame(
        {
            "dataset": "d", "hidden": 4, "trial": [1, 1, 1, 2, 3, 3],
            "t": [1000, 2000, 3000, 1000, 1000, 2000], "loss": [0.9, 0.5, 0.1, 0.8, 0.7, 0.6],
        }
    )  # fmt: skip
    q = across_trials.loss_quantiles(curves)
    assert q.index.tolist() == [1000, 2000, 3000]
    assert q["median"].tolist() == pytest.approx([0.8, 0.6, 0.6])
    fig = across_trials.loss_curves(curves, "loss")
    (median,) = [line for line in panels(fig)[0].lines if line.get_label() == "H=4"]
    assert median.get_xdata().max() == 3000
    plt.close(fig)


def test_loss_curves_with_a_zero_loss_stay_linear():
    curves = pd.DataFrame(
        {"dataset": "d", "hidden": 4, "trial": 1, "t": [1, 2], "loss": [0.5, 0.0]}
    )
    fig = across_trials.loss_curves(curves, "loss")
    assert panels(fig)[0].get_yscale() == "linear"
    plt.close(fig)


@pytest.mark.parametrize("shape", SHAPES)
def test_spread_two_panels_per_data_set_h_across(shape):
    trials, settings, _ = SHAPES[shape]()
    references = {("noisy", 8): (32, 510_000)}
    fig = across_trials.spread(trials, settings, "spread", references)
    assert_one_panel_per_data_set(fig, settings, per=2)
    texts = legend_texts(fig)
    assert across_trials.BOX_LABEL in texts and across_trials.BEST_LABEL in texts
    assert ("notebook's best" in texts) is (shape == "noisy")
    assert ("generator's own boundary (training)" in texts) is (shape == "noisy")
    assert ("a trial" in texts) is (shape != "sweep")  # dots only where boxes are wide
    plt.close(fig)


def _labelled(ax: plt.Axes, label: str) -> list:
    return [line for line in ax.lines if line.get_label() == label]


def test_spread_shows_test_errors_only_where_there_is_a_test_set_and_every_h():
    trials, settings, _ = sweep()
    fig = across_trials.spread(trials, settings, "spread")
    by_title = {ax.get_title(): ax for ax in panels(fig) if ax.get_title()}
    assert _labelled(by_title["data1"], "best trial: test errors")
    assert not _labelled(by_title["data5"], "best trial: test errors")
    (best,) = _labelled(by_title["data1"], across_trials.BEST_LABEL)
    assert best.get_xdata().tolist() == list(range(2, 22))
    expected = settings.loc[settings["dataset"] == "data1", "train_errors"].tolist()
    assert best.get_ydata().tolist() == expected
    plt.close(fig)


def test_a_single_trial_setting_is_drawn_as_its_one_value():
    trials, settings, _ = tables(["d"], [4], 1, floor=3)
    fig = across_trials.spread(trials, settings, "spread")
    ax_err = panels(fig)[0]
    (floor,) = _labelled(ax_err, "generator's own boundary (training)")
    assert floor.get_ydata()[0] == 3
    assert_readable(fig)
    plt.close(fig)


@pytest.mark.parametrize("shape", SHAPES)
def test_generalisation_one_panel_per_data_set_legend_outside(shape):
    _, settings, _ = SHAPES[shape]()
    fig = generalisation.generalisation(settings, "generalisation")
    assert_one_panel_per_data_set(fig, settings)
    assert all(ax.get_legend() is None for ax in panels(fig))
    assert {"training", "test"} <= set(legend_texts(fig))
    assert len({ax.get_ylim() for ax in panels(fig)}) == 1  # one scale for all
    plt.close(fig)


def test_generalisation_says_where_there_is_no_test_set():
    _, settings, _ = sweep()
    fig = generalisation.generalisation(settings, "generalisation")
    by_title = {ax.get_title(): ax for ax in panels(fig)}
    assert [t.get_text() for t in by_title["data5"].texts] == ["no test set"]
    assert not by_title["data1"].texts
    assert len(by_title["data1"].lines) == 3 and len(by_title["data5"].lines) == 1
    plt.close(fig)


def test_generalisation_a_panel_per_depth():
    one = default()[1]
    two = one.assign(hidden_layers=2)
    fig = generalisation.generalisation(pd.concat([one, two]), "g")
    assert len(panels(fig)) == 10 and "data1, 2 hidden layers" in titles(fig)
    plt.close(fig)


def _points(n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).uniform(-3, 3, (n, 2)).astype(np.float32)
    return x, np.where(x[:, 0] > x[:, 1], 1, -1).astype(np.int8)


@pytest.mark.parametrize("hidden", [[8], [4, 8], list(range(2, 22))])
def test_boundaries_one_panel_per_h(hidden):
    x, labels = _points()
    drawn = [(h, 1, 2 * (h % 2), lambda g: 1 / (1 + np.exp(-(g[:, 0] - g[:, 1])))) for h in hidden]
    fig = boundary.boundaries(x, labels, drawn, "data1")
    assert len(panels(fig)) == len(hidden)
    assert titles(fig)[-1] == f"H={hidden[-1]}: trial 1, {2 * (hidden[-1] % 2)} errors"
    assert assert_readable(fig, dpi=110)[0] <= 1500
    assert legend_texts(fig) == ["+1", "-1"]
    plt.close(fig)


def test_the_best_trial_of_each_h_is_drawn_fewest_errors_first_trial_wins(tmp_path):
    params = [(np.ones((2, 2), np.float32), np.zeros(2, np.float32))]
    params.append((np.ones((1, 2), np.float32), np.zeros(1, np.float32)))
    records, weights = [], []
    for h, t, errors in [(4, 3, 0), (4, 1, 2), (4, 2, 0), (8, 1, 5), (8, 2, 1)]:
        record = tmp_path / paths.trial_file("json", t, experiment="e", dataset="d", hidden=h)
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps({"seed": t, "iterations": 10, "converged": True,
                                      "final_loss": 0.1, "errors": errors, "wall_time_s": 0.0}))  # fmt: skip
        nets.save_params(params, record.with_suffix(".npz"))
        records.append(record)
        weights.append(record.with_suffix(".npz"))
    chosen = selection.best_per_hidden(records, weights, "e", "d")
    assert [(b.hidden, b.trial, b.errors) for b in chosen] == [(4, 2, 0), (8, 2, 1)]
    data = tmp_path / "d.txt"
    x, labels = _points()
    data.write_text(datasets.format_points(x, labels))
    boundary.draw_boundaries(data, chosen, tmp_path / "b.png", "e, d")
    assert (tmp_path / "b.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match=r"no weights file of trial 2"):
        selection.best_per_hidden(records, weights[:-1], "e", "d")
    with pytest.raises(ValueError, match=r"a trial of data set d, not other"):
        selection.best_per_hidden(records, weights, "e", "other")
