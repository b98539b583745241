"""The report: its numbers, its checks of the inputs, the page it writes (built from a small results tree)."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pytest
import yaml
from browser.report_fixture import SECTION_IDS, TABLE_IDS, config, make_results
from helpers import LOGISTIC, SIDECARS, TRAIN, VAL
from PIL import Image

from netlab.images import classify, figures
from netlab.images import notebook as images_notebook
from netlab.plotting import save_figure
from netlab.report import generalisation as report_generalisation
from netlab.report import render
from netlab.report.benchmarks import images_per_second, stage_times
from netlab.report.build import SECTIONS, write_report
from netlab.report.outputs import TABLES, figure_names
from netlab.report.reads import ReportInputError
from netlab.toy import datasets, evaluation, notebook, paths
from netlab.toy.figures import across_trials
from netlab.toy.settings import settings

PAGE = "results/report/index.html"


def build(workdir: Path, run: dict) -> Path:
    with contextlib.chdir(workdir):
        write_report(**run, html_path=PAGE)
    return workdir / PAGE


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The default fixture run (random weights, synthetic images, the notebook's noisy set) and its report."""
    workdir = tmp_path_factory.mktemp("base")
    with contextlib.chdir(workdir):
        inputs = make_results(workdir)
    return workdir, inputs, build(workdir, inputs)


@pytest.fixture(scope="module")
def variant(tmp_path_factory):
    """Real images and ImageNet weights per config, a small noisy set, a four-digit seed, a missing benchmark, a
    download record."""
    workdir = tmp_path_factory.mktemp("variant")
    cfg = config(
        **{
            "images.source": "hymenoptera",
            "features.weights": "IMAGENET1K_V1",
            "features.batchnorm": "notebook",
            "datasets.noisy": {"generator": "noisy", "n": 120},
            "seed": 2025,  # a number with four digits, shown without a thousands separator
        }
    )
    with contextlib.chdir(workdir):
        inputs = make_results(
            workdir, cfg, missing_benchmark=True, download_record=True, ignored=True
        )
    return workdir, inputs, build(workdir, inputs)


class Page(HTMLParser):
    """The parts of a page the tests look at: ids, images, links, table ids, text."""

    def __init__(self, text: str):
        super().__init__()
        self.ids, self.images, self.links, self.tables, self.scripts, self.chunks = (
            [],
            [],
            [],
            [],
            0,
            [],
        )
        self.feed(text)
        self.text = " ".join(self.chunks)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "img":
            self.images.append(a)
        if tag == "a":
            self.links.append(a["href"])
        if tag == "table":
            self.tables.append(a.get("id"))
        if tag == "script":
            self.scripts += 1

    def handle_data(self, data):
        self.chunks.append(data)


def page_of(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


def page_of_text(text: str) -> Page:
    return Page(str(text))


# --- building blocks ---------------------------------------------------------------------------------


def test_tables_come_from_dataframes_with_everything_escaped():
    frame = pd.DataFrame({"<b>name</b>": ["<script>x</script> & co"], "n": [1234567]})
    rendered = render.table(frame, id="t", caption="a <caption>", numeric=["<b>name</b>"])
    assert '<table id="t">' in rendered and "<script>" not in rendered and "<b>" not in rendered
    assert "&lt;script&gt;x&lt;/script&gt; &amp; co" in rendered
    assert "a &lt;caption&gt;" in rendered and "&lt;b&gt;name&lt;/b&gt;" in rendered
    assert rendered.count('class="data row0 col0 num"') == 1 and "1,234,567" in rendered
    page = page_of_text(rendered)
    assert page.tables == ["t"] and "<script>x</script> & co" in page.text


@pytest.mark.parametrize(
    "value, text",
    [
        (12000, "12,000"),
        (np.int64(3), "3"),
        (0.80392156, "0.8039"),
        (float("nan"), "–"),
        (None, "–"),
        (True, "yes"),
        (np.bool_(False), "no"),
        ("a&b", "a&b"),
    ],
)
def test_cells_are_formatted_for_reading(value, text):
    assert render.cell_text(value) == text


def test_the_seed_is_an_identifier_not_a_quantity(variant):
    _, _, page = variant
    table = re.search(r'<table id="what-ran">.*?</table>', page.read_text(), re.S).group(0)
    shown = " ".join(page_of_text(table).text.split())
    assert "2025" in shown and "2,025" not in shown
    assert "toy experiment two_hidden_layers 2 hidden layer(s); data noisy; H ∈ {8}" in shown


def test_a_figure_that_is_not_a_png_is_refused_by_name(tmp_path):
    (tmp_path / "boundary.png").write_bytes(b"GIF89a...")
    with pytest.raises(ValueError, match="boundary.png: not a PNG"):
        render.embed(tmp_path / "boundary.png")


def test_figures_with_grids_larger_than_their_panels(tmp_path):
    """4 loss panels on a 3-column grid, 3 confusion matrices on 4 columns, a class with fewer samples."""
    curves = pd.DataFrame(
        {"trial": [1, 1, 2], "t": [1000, 2000, 1000], "loss": [0.5, 0.4, 0.6], "hidden": 4}
    )
    curves = pd.concat([curves.assign(dataset=f"data{i}") for i in range(4)])
    heatmaps = [(f"m{i}", [[2, 1], [0, 3]], ["ants", "bees"]) for i in range(3)]
    pixel = np.zeros((8, 8, 3), dtype=np.uint8)
    samples = {"ants": [(pixel, "a")] * 4, "bees": [(pixel, "b")] * 2}
    for fig in (
        across_trials.loss_curves(curves, "loss"),
        figures.confusion_heatmaps(heatmaps, "confusion"),
        figures.image_samples(samples, "samples"),
    ):
        path = tmp_path / "figure.png"
        save_figure(fig, path)
        with Image.open(path) as image:
            assert min(image.size) > 100


def test_samples_are_drawn_from_the_seed_per_class():
    rows = pd.DataFrame(
        {
            "path": [f"train/{c}/{i:02d}.jpg" for c in ("ants", "bees") for i in range(10)],
            "label": [0] * 10 + [1] * 10,
            "class_name": ["ants"] * 10 + ["bees"] * 10,
        }
    )
    first = figures.pick_samples(rows.sample(frac=1, random_state=3), seed=5)
    assert first.equals(
        figures.pick_samples(rows, seed=5)
    )  # row order of the input does not matter
    assert first.groupby("class_name").size().to_dict() == {"ants": 4, "bees": 4}
    assert not first.equals(figures.pick_samples(rows, seed=6))
    # a class with fewer images gives what it has
    assert len(figures.pick_samples(rows.head(12), seed=5)) == 6


def test_stage_times_add_up_benchmarks_and_name_the_missing(tmp_path):
    def bench(name, *seconds):
        path = tmp_path / name
        path.write_text(
            "s\th:m:s\tmax_rss\tcpu_time\n"
            + "".join(f"{s}\t0:00:01\t1.0\t{s / 2}\n" for s in seconds)
        )
        return path

    short = tmp_path / "short.tsv"  # Snakemake writes NA where a job ended before its first sample
    short.write_text("s\th:m:s\tmax_rss\tcpu_time\n0.2\t0:00:00\tNA\tNA\n")
    rows = [
        ("train_trial", bench("a.tsv", 1.5)),
        ("train_trials_1_5", bench("b.tsv", 2.5, 0.5)),
        ("train_trials_6_9", tmp_path / "gone.tsv"),
        ("classify", bench("c.tsv", 4.0)),
        ("classify", short),
    ]
    trials = pd.DataFrame({"setup_s": [0.25, 0.5], "wait_s": [0.0, 0.0], "train_s": [1.0, 1.5]})
    times, missing = stage_times(rows, trials)
    assert missing == [tmp_path / "gone.tsv"]
    first = times.iloc[0].to_dict()
    assert first["stage"] == "train_trials" and first["jobs"] == 3 and first["benchmarks_read"] == 2
    assert (
        first["wall_s_total"] == 4.5 and first["wall_s_max"] == 3.0 and first["cpu_s_total"] == 2.25
    )
    assert times["stage"].tolist() == ["train_trials", "classify"]
    assert times.iloc[1]["wall_s_total"] == 4.2 and times.iloc[1]["cpu_s_total"] == 2.0
    assert times["train_s_total"].tolist()[0] == 2.5 and np.isnan(times["train_s_total"].iloc[1])
    (tmp_path / "bad.tsv").write_text("seconds\n1\n")
    with pytest.raises(ReportInputError, match="bad.tsv: missing .*'s', 'cpu_time'"):
        stage_times([("x", tmp_path / "bad.tsv")], trials)


def test_feature_speed_is_images_per_second_of_the_features_jobs(tmp_path):
    train, val = tmp_path / "train.tsv", tmp_path / "val.tsv"
    train.write_text("s\tcpu_time\n30.0\t29.0\n")
    val.write_text("s\tcpu_time\n20.0\t19.0\n")
    no_trials = pd.DataFrame({"setup_s": [], "wait_s": [], "train_s": []})
    times, _ = stage_times([("features", train), ("features", val)], no_trials)
    assert images_per_second(times, 400) == pytest.approx(8.0)
    unread, _ = stage_times([("features", tmp_path / "gone.tsv")], no_trials)
    assert images_per_second(unread, 400) is None
    half, _ = stage_times([("features", train), ("features", tmp_path / "gone.tsv")], no_trials)
    assert images_per_second(half, 400) is None  # not 400 images in the train job's 30 s
    assert images_per_second(times[times["stage"] != "features"], 400) is None


def test_the_true_boundary_of_the_notebooks_noisy_set_makes_23_errors():
    truth = notebook.true_boundary_errors
    assert truth({"generator": "noisy"}) == 23
    assert truth({"generator": "noisy", "n": 120}) == datasets.noisy_flipped(n=120)
    assert truth({"generator": "linear", "n": 5, "angle": 0, "margin": 0}) is None


def test_only_the_notebooks_own_noisy_points_and_images_count_as_the_same_data():
    assert notebook.is_notebook_noisy_set({"generator": "noisy"})
    assert notebook.is_notebook_noisy_set({"generator": "noisy", "n": 800, "seed": 0, "flip": 0.03})
    assert not notebook.is_notebook_noisy_set({"generator": "noisy", "n": 120})
    assert not notebook.is_notebook_noisy_set({"generator": "noisy", "seed": 1})
    assert not notebook.is_notebook_noisy_set({"path": "noisy.txt"})
    assert images_notebook.images_comparable(
        config(
            **{
                "images.source": "hymenoptera",
                "features.weights": "IMAGENET1K_V1",
                "features.batchnorm": "notebook",
            }
        )
    )
    # eval-mode BatchNorm or other weights: not what the notebooks ran
    assert not images_notebook.images_comparable(
        config(**{"images.source": "hymenoptera", "features.weights": "IMAGENET1K_V1"})
    )
    assert not images_notebook.images_comparable(
        config(
            **{
                "images.source": "hymenoptera",
                "features.weights": "IMAGENET1K_V2",
                "features.batchnorm": "notebook",
            }
        )
    )
    assert not images_notebook.images_comparable(config(**{"images.source": "hymenoptera"}))
    assert not images_notebook.images_comparable(config(**{"features.weights": "IMAGENET1K_V1"}))
    assert (
        notebook.training_differences(
            {"lr": 0.25, "tol": 1e-4, "check_every": 1000, "max_iter": None, "trials": 50}, 50
        )
        == []
    )
    assert notebook.training_differences(
        {"lr": 0.25, "check_every": 100, "max_iter": 3000, "trials": 2}, 50
    ) == [
        "check_every = 100 (notebook: 1000)",
        "max_iter = 3000 (notebook: None)",
        "best of 2 trials (notebook: best of 50)",
    ]


# --- inputs are matched to the config, and bad ones are refused by name -----------------------------


def test_inputs_are_looked_up_by_name_in_config_order(base):
    _, run, _ = base
    named = run["inputs"]
    assert named["settings/two_hidden_layers"] == "results/mlp/two_hidden_layers/settings.csv"
    assert named["boundaries/two_hidden_layers/noisy"] == (
        "results/mlp/two_hidden_layers/noisy/boundaries.png"
    )
    assert named["figure/two_hidden_layers-loss.png"] == "results/mlp/two_hidden_layers/loss.png"
    assert list(named)[:2] == ["data/data1", "plot/data1"]


def test_an_input_the_config_needs_but_the_rule_lacks_is_named(base, tmp_path):
    workdir, run, _ = base
    named = dict(run["inputs"])
    del named["boundaries/one_hidden_layer/data4"]
    with pytest.raises(KeyError, match="boundaries/one_hidden_layer/data4"):
        build(workdir, {**run, "inputs": named})


@pytest.mark.parametrize(
    "damage, message",
    [
        (
            lambda d: (d / "trials.csv").write_text("dataset,hidden,trial,seed\nd,1,1,2\n"),
            "trials.csv: missing 'iterations, converged,",
        ),
        (
            lambda d: (d / "settings.csv").write_text("experiment\n"),
            "settings.csv: missing 'dataset, hidden,",
        ),
        (lambda d: (d / "loss.png").write_text("not a png"), "loss.png: not a PNG"),
    ],
)
def test_a_broken_input_stops_the_report_before_anything_is_written(
    base, tmp_path, damage, message
):
    workdir, inputs, _ = base
    copy = tmp_path / "run"
    shutil.copytree(workdir / "results", copy / "results", ignore=shutil.ignore_patterns("report"))
    damage(copy / "results/mlp/one_hidden_layer")
    with pytest.raises(ReportInputError, match=re.escape(message)):
        build(copy, inputs)
    assert not (copy / "results/report").exists()


# --- the page and the files beside it ---------------------------------------------------------------


def test_every_table_and_figure_is_written_beside_the_page(base):
    workdir, run, _page = base
    for name in TABLES:
        assert len(pd.read_csv(workdir / f"results/report/tables/{name}.csv")) > 0, name
    for name in figure_names(run["config"]):
        with Image.open(workdir / f"results/report/figures/{name}") as image:
            assert image.size[0] > 200 and image.size[1] > 200, name


def test_the_page_is_self_contained_and_every_figure_decodes(base):
    _, run, page = base
    parsed = page_of(page)
    assert parsed.scripts == 0
    cfg = run["config"]
    datasets_shown = sum(len(e["datasets"]) for e in cfg["experiments"].values())
    # per data set of an experiment: its scatter plot and its boundaries; the figures beside the page
    assert len(parsed.images) == 2 * datasets_shown + len(figure_names(cfg))
    for img in parsed.images:
        assert img["src"].startswith("data:image/png;base64,")
        with Image.open(io.BytesIO(base64.b64decode(img["src"].split(",", 1)[1]))) as image:
            image.load()
            assert image.size == (int(img["width"]), int(img["height"])) and min(image.size) > 0
        assert img["alt"]


def test_the_page_has_every_section_and_table(base):
    _, _, page = base
    parsed = page_of(page)
    for section in ("contents", *SECTION_IDS):
        assert section in parsed.ids, section
    # each section build.py computes has its place on the page, where page.html.j2 lists order and titles
    assert set(SECTIONS) <= set(parsed.ids)
    for table_id in TABLE_IDS:
        assert table_id in parsed.tables, table_id
    contents = [link for link in parsed.links if link.startswith("#")]
    assert contents and all(link[1:] in parsed.ids for link in contents)


def test_every_link_of_the_page_leads_to_an_existing_file(base):
    _, _, page = base
    files = [link for link in page_of(page).links if not link.startswith("#")]
    assert len(files) > 40
    for link in files:
        assert (page.parent / unquote(link)).exists(), link


def test_toy_summary_matches_the_trial_tables(base):
    workdir, run, _ = base
    summary = pd.read_csv(workdir / "results/report/tables/toy_summary.csv")
    assert len(summary) == len(list(settings(run["config"])))
    named = run["inputs"]
    for s, row in zip(settings(run["config"]), summary.itertuples(), strict=True):
        table = pd.read_csv(workdir / named[f"trials/{s.experiment}"])
        trials = table[(table["dataset"] == s.dataset) & (table["hidden"] == s.hidden)]
        best = trials.loc[trials["errors"].idxmin()]
        assert (row.experiment, row.dataset, row.hidden) == tuple(s)
        assert row.best_trial == best["trial"] and row.best_errors == trials["errors"].min()
        assert row.best_iterations == best["iterations"]
        assert row.errors_mean == pytest.approx(trials["errors"].mean())
        assert row.errors_sd == pytest.approx(np.std(trials["errors"], ddof=1))
        assert (row.iterations_min, row.iterations_max) == (
            trials["iterations"].min(),
            trials["iterations"].max(),
        )


def test_the_noisy_set_is_read_against_its_23_flipped_labels_and_the_notebook(base, variant):
    workdir, _, page = base
    check = pd.read_csv(workdir / "results/report/tables/noisy_boundary.csv")
    assert check["true_boundary_errors"].tolist() == [23]
    best = check["best_errors"].iloc[0]
    assert (
        check["verdict"]
        .iloc[0]
        .startswith("fewer" if best < 23 else "as many" if best == 23 else "more")
    )
    reference = pd.read_csv(workdir / "results/report/tables/toy_notebook.csv")
    assert reference.iloc[-1]["compared"] == "yes: two_hidden_layers/noisy/H=8"
    assert (reference.iloc[:-1]["compared"] == "no: different data (stand-in)").all()
    text = page_of(page).text
    assert "best of 6 trials (notebook: best of 50)" in text
    vworkdir, _, vpage = variant
    assert pd.read_csv(vworkdir / "results/report/tables/noisy_boundary.csv")[
        "true_boundary_errors"
    ].tolist() == [datasets.noisy_flipped(n=120)]
    assert (
        pd.read_csv(vworkdir / "results/report/tables/toy_notebook.csv")
        .iloc[-1]["compared"]
        .startswith("no:")
    )
    assert not [i for i in page_of(vpage).tables if i and i.startswith("notebook-")]


def test_random_weights_are_flagged_and_never_compared_with_the_notebook(base):
    workdir, _, page = base
    parsed = page_of(page)
    assert "not ImageNet features" in parsed.text
    assert "so they are not compared here" in parsed.text
    assert "notebook (real data, ImageNet weights)" not in parsed.text
    classifiers = pd.read_csv(workdir / "results/report/tables/classifiers.csv")
    metrics = json.loads((workdir / "results/classify/metrics.json").read_text())
    assert classifiers["accuracy"].tolist() == [m["accuracy"] for m in metrics["models"]]
    assert classifiers["classifier"].tolist() == [
        "logistic regression",
        "k-NN, k = 1",
        "k-NN, k = 3",
    ]
    confusion = pd.read_csv(workdir / "results/report/tables/confusion.csv")
    assert confusion.groupby("model")["count"].sum().to_dict() == {
        m["name"]: m["n_val"] for m in metrics["models"]
    }


def test_real_images_with_imagenet_weights_are_compared_with_the_notebook(variant):
    workdir, _, page = variant
    parsed = page_of(page)
    assert "not ImageNet features" not in parsed.text
    assert "notebook (real data, ImageNet weights)" in parsed.text
    classifiers = pd.read_csv(workdir / "results/report/tables/classifiers.csv")
    assert classifiers["notebook_accuracy"].tolist() == pytest.approx(
        [0.803921568627451, 0.6928, 0.7124]
    )
    assert "download-0" in parsed.tables and "hymenoptera_data.zip" in parsed.text


def test_a_missing_benchmark_is_named_not_silently_dropped(variant):
    workdir, _, page = variant
    times = pd.read_csv(workdir / "results/report/tables/stage_times.csv").set_index("stage")
    assert times.loc["classify", "jobs"] == 1 and times.loc["classify", "benchmarks_read"] == 0
    assert "results/benchmarks/classify/classify.tsv" in page_of(page).text


def test_same_inputs_give_the_same_report_bytes(base, tmp_path):
    workdir, run, page = base
    copy = tmp_path / "again"
    shutil.copytree(workdir / "results", copy / "results", ignore=shutil.ignore_patterns("report"))
    build(copy, run)
    for name in [
        "index.html",
        *(f"tables/{t}.csv" for t in TABLES),
        *(f"figures/{f}" for f in figure_names(run["config"])),
    ]:
        assert (copy / "results/report" / name).read_bytes() == (page.parent / name).read_bytes(), (
            name
        )


def test_the_page_gives_the_features_speed_from_its_own_stage_table(base):
    workdir, _, page = base
    times = pd.read_csv(workdir / "results/report/tables/stage_times.csv").set_index("stage")
    n_images = sum(
        json.loads((workdir / f"results/features/{split}.json").read_text())["n_images"]
        for split in ("train", "val")
    )
    rate = n_images / times.loc["features", "wall_s_total"]
    text = page_of(page).text
    assert (
        f"Features: {n_images} images through ResNet50 in float32, {rate:.1f} images per second"
        in text
    )


def test_the_config_is_shown_in_full(base):
    _, run, page = base
    shown = page_of(page)
    pre = re.search(r"<pre>(.*?)</pre>", page.read_text(), re.S).group(1)
    import html as std_html

    assert yaml.safe_load(std_html.unescape(pre)) == run["config"]
    assert "2,049" in shown.text  # the hand-built summary's parameter counts


# --- the real workflow ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_workflow_report_counts_the_benchmarks_of_this_configs_jobs_only(workflow_copy):
    from conftest import TEST_CONFIG, snakemake

    cfg = yaml.safe_load(TEST_CONFIG.read_text())
    stale = workflow_copy / "results/benchmarks/train_trials/old_experiment/data1/h4/trials1-2.tsv"
    stale.parent.mkdir(parents=True)
    stale.write_text("s\th:m:s\n1000.0\t0:16:40\n")
    snakemake(workflow_copy, "--cores", "1", "--forcerun", "report", "results/report/index.html")
    times = pd.read_csv(workflow_copy / "results/report/tables/stage_times.csv").set_index("stage")
    n_trials = sum(
        len(e["datasets"]) * len(e["hidden_sizes"]) * e["trials"]
        for e in cfg["experiments"].values()
    )
    # the test config's trials are short: one job per experiment and data set trains all of its trials
    n_jobs = sum(len(e["datasets"]) for e in cfg["experiments"].values())
    assert n_trials > n_jobs
    assert (
        times.loc["train_trials", "jobs"] == times.loc["train_trials", "benchmarks_read"] == n_jobs
    )
    assert times.loc["train_trials", "wall_s_max"] < 1000
    assert {"summarise_trials", "handbuilt", "synthetic_images", "features", "classify"} <= set(
        times.index
    )
    assert (times["jobs"] == times["benchmarks_read"]).all()


# --- set-up apart from arithmetic (#13), images used, ignored and skipped (#10) ------------------------


def test_trial_set_up_waiting_and_training_are_shown_apart(base):
    workdir, run, page = base
    records = [
        json.loads((workdir / t).read_text())
        for s in settings(run["config"])
        for t in paths.trial_files(
            "json", run["config"]["experiments"][s.experiment]["trials"], **s._asdict()
        )
    ]
    trials = pd.read_csv(workdir / "results/report/tables/toy_trials.csv")
    assert {"setup_s", "wait_s", "train_s"} <= set(trials.columns)
    assert trials["train_s"].sum() == pytest.approx(sum(r["train_s"] for r in records))
    times = pd.read_csv(workdir / "results/report/tables/stage_times.csv").set_index("stage")
    for key in ("setup_s", "wait_s", "train_s"):
        total = sum(r[key] for r in records)
        assert times.loc["train_trials", f"{key}_total"] == pytest.approx(total, abs=1e-3)
        assert times.drop(index="train_trials")[f"{key}_total"].isna().all()
    assert "trials: training arithmetic (s)" in page_of(page).text


def test_images_used_ignored_and_skipped_per_split_and_class(variant):
    workdir, _, page = variant
    census = pd.read_csv(workdir / "results/report/tables/image_census.csv")
    totals = census[census["class"] == "all classes"].set_index("split")
    assert totals.loc["train", ["used", "ignored", "skipped"]].tolist() == [10, 1, 0]
    assert totals.loc["val", ["used", "ignored", "skipped"]].tolist() == [7, 0, 1]
    # the notebooks' ImageFolder counts stand beside the totals only (images.source: hymenoptera)
    assert totals["notebooks (ImageFolder)"].tolist() == [244, 153]
    assert census.loc[census["class"] != "all classes", "notebooks (ImageFolder)"].isna().all()
    parsed = page_of(page)
    assert {"image-census", "ignored-files", "skipped-images"} <= set(parsed.tables)
    assert "train/ants/imageNotFound.gif" in parsed.text and "val/bees/broken.jpg" in parsed.text


def table_rows(page: Path, id: str) -> dict[str, list[str]]:
    """The cells' text of the page's table ``id``, by the first cell of each row."""
    found = re.search(rf'<table id="{id}".*?</table>', page.read_text(encoding="utf-8"), re.S)
    rows = [
        [
            page_of_text(cell).text.strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", found[0], re.S)
    ]
    return {row[0]: row[1:] for row in rows}


def test_the_features_provenance_shows_each_splits_cpu_and_instruction_sets(base):
    _, _, page = base
    rows = table_rows(page, "features-provenance")
    assert rows[""] == ["train", "val"]
    assert rows["cpu"] == ["Fixture CPU with AVX-512", "Fixture CPU with AVX2"]
    assert rows["instruction_set"] == [
        "ATen: AVX512; MKL: Intel(R) AVX-512; oneDNN: Intel AVX-512",
        "ATen: AVX2; MKL: –; ONEDNN_MAX_CPU_ISA: AVX2; oneDNN: Intel AVX2",
    ]  # the sidecars' keys are sorted
    assert "features-cpu" in page_of(page).ids


def test_without_the_real_images_there_is_no_notebook_column(base):
    workdir, _, page = base
    census = pd.read_csv(workdir / "results/report/tables/image_census.csv")
    assert "notebooks (ImageFolder)" not in census.columns
    assert census.set_index(["split", "class"]).loc[("train", "all classes"), "used"] == 10
    assert "ignored-files" not in page_of(page).tables


# --- the sections beyond the notebooks, as data ------------------------------------------------------

BASE = {"trials": 5, "best_trial": 2, "n_train": 100, "n_test": 100, "trials_fitting_noise": 0}
SUMMARIES = {
    ("noisy", 8): {
        **BASE, "train_errors": 20, "train_floor": 23, "test_errors": 30, "test_floor": 24,
        "test_errors_min": 28, "test_errors_median": 30.0, "test_errors_max": 35, "fits_noise": True,
        "trials_fitting_noise": 3,
    },
    ("noisy", 4): {
        **BASE, "train_errors": 25, "train_floor": 23, "test_errors": 26, "test_floor": 24,
        "test_errors_min": 26, "test_errors_median": 27.0, "test_errors_max": 29, "fits_noise": False,
    },
    ("mine", 4): {
        **BASE, "n_test": None, "train_errors": 3, "train_floor": None, "test_errors": None,
        "test_floor": None, "fits_noise": None, "trials_fitting_noise": None,
    },
}  # fmt: skip
DATASETS = {"noisy": {"generator": "noisy"}, "mine": {"path": "mine.txt"}}


def test_toy_section_reads_each_setting():
    table = evaluation.settings_table(
        [evaluation.settings_row("two", 2, d, h, s) for (d, h), s in SUMMARIES.items()]
    )
    section = report_generalisation.toy_section([table], DATASETS)
    readings = section["table"]["reading"].tolist()
    assert readings[0].startswith(
        "fits the noise: 20 training errors, below the true boundary's 23"
    )
    assert "6 test errors more" in readings[0]
    assert readings[1] == "+2 test errors against the true boundary"
    assert readings[2] == "no test set"
    assert section["no_test_set"] == ["mine"]
    assert section["fitting_noise"] == ["two, noisy, H = 8"]


def test_toy_section_without_tables_is_empty():
    section = report_generalisation.toy_section([], DATASETS)
    assert section["table"].empty and section["fitting_noise"] == []


def test_classifier_section_from_metrics_and_cv():
    metrics = classify.metrics(
        TRAIN, VAL, SIDECARS, LOGISTIC, {"k": [1, 3], "algorithm": "kd_tree"}
    )
    cv = {"folds": 3, "C": [0.1, 1.0], "k": [1]}
    tuned = classify.tuned(TRAIN, VAL, SIDECARS, LOGISTIC, "kd_tree", cv, 5)
    section = report_generalisation.classifier_section(metrics, tuned)
    assert section["interval_method"] == "wilson"
    assert section["intervals"]["ci95_low"].tolist() == pytest.approx([0.4365] * 3, abs=1e-4)
    assert section["mcnemar"]["p_value"].tolist() == [1.0, 1.0]
    assert len(section["readings"]) == 2
    assert section["cv"]["model"].tolist()[1] == "knn (k = 1, by 3-fold CV)"
    assert section["cv_seed"] == 5


# --- the sections beyond the notebooks, on the page ---------------------------------------------------


def test_both_sections_and_their_tables_are_on_the_page(base):
    _, _, page = base
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


def test_tables_are_written_beside_the_page(base):
    workdir, _, _ = base
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
