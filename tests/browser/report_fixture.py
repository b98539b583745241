"""A small, realistic results tree for building the report without running the workflow.

Toy data, scatter plots, boundaries, the hand-built table and the classifier
metrics are made by netlab's own functions; trial records, features and
benchmark files are synthetic but shaped exactly as the rules write them.
Everything is seeded, so two builds from the same arguments are identical.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from netlab import atomic, handbuilt
from netlab.images import classify, feature_table, figures
from netlab.images import notebook as images_notebook
from netlab.images.feature_table import FeatureTable
from netlab.plotting import save_figure
from netlab.report.reads import named_inputs
from netlab.toy import datasets, nets, paths, selection, summary
from netlab.toy.figures import boundary, plane
from netlab.toy.figures.experiment import draw_all
from netlab.toy.jobs import notebook_references
from netlab.toy.settings import settings, used_datasets

FIGURES = ("loss", "spread", "generalisation")

CONFIG: dict[str, Any] = {
    "seed": 11,
    "datasets": {
        "data1": {"generator": "linear", "n": 40, "angle": 20.0, "margin": 0.5},
        "data4": {"generator": "circle", "n": 60, "radius": 2.4, "margin": 0.4},
        "noisy": {"generator": "noisy"},
    },
    "experiments": {
        "one_hidden_layer": {
            "datasets": ["data1", "data4"],
            "hidden_layers": 1,
            "hidden_sizes": [4, 8],
            "trials": 3,
            "lr": 0.25,
            "tol": 1.0e-4,
            "check_every": 1000,
            "max_iter": None,
        },
        "two_hidden_layers": {
            "datasets": ["noisy"],
            "hidden_layers": 2,
            "hidden_sizes": [8],
            "trials": 6,
            "lr": 0.25,
            "tol": 1.0e-4,
            "check_every": 1000,
            "max_iter": None,
        },
    },
    "images": {
        "source": "synthetic",
        "on_bad_image": "error",
        "synthetic": {
            "counts": {"train": {"ants": 5, "bees": 5}, "val": {"ants": 3, "bees": 4}},
            "min_side": 180,
            "max_side": 320,
        },
    },
    "features": {"weights": None, "batch_size": 4, "device": "auto", "precision": "float32"},
    "classify": {
        "logistic": {"solver": "liblinear", "random_state": 0, "max_iter": 1000},
        "knn": {"k": [1, 3], "algorithm": "kd_tree"},
        "cv": {"folds": 3, "C": [0.1, 1.0], "k": [1, 3]},
    },
}

# Where each split's features were computed: two CPUs, as two nodes of a cluster may be (the report shows both)
INSTRUCTION_SETS = {
    "train": {
        "cpu": "Fixture CPU with AVX-512",
        "instruction_set": {"ATen": "AVX512", "oneDNN": "Intel AVX-512", "MKL": "Intel(R) AVX-512"},
    },
    "val": {
        "cpu": "Fixture CPU with AVX2",
        "instruction_set": {
            "ATen": "AVX2",
            "oneDNN": "Intel AVX2",
            "MKL": None,
            "ONEDNN_MAX_CPU_ISA": "AVX2",
        },
    },
}

# What the page of the default fixture run shows: its sections and its tables (ids), for the tests of the
# page (tests/test_report.py) and of the page in a browser (tests/browser/).
SECTION_IDS = [
    "overview",
    "overview-run",
    "overview-times",
    "overview-outputs",
    "overview-config",
    "toy",
    "toy-one_hidden_layer",
    "toy-two_hidden_layers",
    "generalisation",
    "images",
    "uncertainty",
    "handbuilt",
]
TABLE_IDS = [
    "what-ran",
    "versions",
    "stage-times",
    "links",
    "toy-notebook",
    "toy-summary-one_hidden_layer",
    "toy-summary-two_hidden_layers",
    "noisy-check-two_hidden_layers",
    "notebook-two_hidden_layers-noisy-h8",
    "features-provenance",
    "skipped-images",
    "classifiers",
    "generalisation-one_hidden_layer",
    "classifier-mcnemar",
    "classifier-cv",
    "handbuilt-table",
]

CLASSES = ["ants", "bees"]
DIM = feature_table.FEATURE_DIM


def config(**edits: Any) -> dict[str, Any]:
    """A deep copy of ``CONFIG``; ``edits`` map dotted keys (``images.source``) to new values."""
    out = copy.deepcopy(CONFIG)
    for dotted, value in edits.items():
        *parents, last = dotted.split(".")
        node = out
        for key in parents:
            node = node[key]
        node[last] = value
    return out


def _trial_record(
    rng: np.random.Generator,
    hidden_layers: int,
    hidden: int,
    n_points: int,
    e: dict[str, Any],
    seed: int,
) -> dict[str, Any]:
    checks = int(rng.integers(3, 25))
    t = e["check_every"] * np.arange(1, checks + 1)
    loss = 0.7 * np.exp(-np.linspace(0, rng.uniform(1.5, 4), checks)) + rng.uniform(0.005, 0.05)
    return {
        "seed": seed,
        "hidden_layers": hidden_layers,
        "hidden": hidden,
        "n_points": n_points,
        "lr": e["lr"],
        "tol": e["tol"],
        "check_every": e["check_every"],
        "max_iter": e["max_iter"],
        "iterations": int(t[-1]),
        "converged": bool(rng.random() < 0.8),
        "final_loss": float(loss[-1]),
        "errors": int(rng.integers(0, 6) if n_points < 200 else rng.integers(18, 40)),
        "checkpoints": [[int(a), float(b)] for a, b in zip(t, loss, strict=True)],
        "wall_time_s": float(rng.uniform(0.1, 2.0)),
        # the job's time split (#13): kernel set-up, waiting for another job's compile, arithmetic
        **dict(
            zip(
                ("setup_s", "wait_s", "train_s"),
                np.random.default_rng(seed).uniform(0.0, [0.3, 0.1, 1.5]).tolist(),
                strict=True,
            )
        ),
    }


def _benchmark(path: Path, seconds: float) -> None:
    atomic.write_text(
        path,
        "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
        f"{seconds:.4f}\t0:00:00\t100.0\t500.0\t80.0\t90.0\t0.00\t0.00\t0.00\t{seconds * 0.9:.2f}\n",
    )


def _images(root: Path, rng: np.random.Generator) -> dict[str, FeatureTable]:
    tables = {}
    for split, counts in CONFIG["images"]["synthetic"]["counts"].items():
        paths, labels, names = [], [], []
        for label, name in enumerate(CLASSES):
            for i in range(counts[name]):
                w, h = (int(v) for v in rng.integers(180, 320, size=2))
                colour = (150, 60, 30) if name == "ants" else (220, 190, 40)
                pixels = rng.integers(0, 60, size=(h, w, 3)) + np.array(colour) * 0.7
                image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
                rel = f"{split}/{name}/{name}_{i:03d}.jpg"
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                image.save(root / rel, quality=85)
                paths.append(rel)
                labels.append(label)
                names.append(name)
        centres = np.asarray(labels, dtype=np.float32)[:, None] * 0.8
        features = (rng.normal(size=(len(paths), DIM)) * 0.5 + centres).astype(np.float32)
        tables[split] = FeatureTable(paths, np.asarray(labels, np.int64), names, features)
    return tables


def make_results(
    workdir: Path,
    cfg: dict[str, Any] | None = None,
    *,
    missing_benchmark: bool = False,
    download_record: bool = False,
    ignored: bool = False,
) -> dict[str, Any]:
    """Write a results tree under ``workdir`` (paths relative to it, as in a workflow run); return the
    arguments of ``write_report`` but the page's path (``inputs``, ``config``, ``benchmarks``,
    ``snakemake_version``). ``ignored``: the train split has the real archive's ignored ``.gif``.

    The caller must run the report with ``workdir`` as the current directory.
    """
    cfg = cfg or config()
    rng = np.random.default_rng(1234)
    results = workdir / "results"
    bench: list[tuple[str, str]] = []
    for name in used_datasets(cfg):
        x, labels = datasets.generate(cfg["datasets"][name], seed=5)
        atomic.write_text(results / "data" / f"{name}.txt", datasets.format_points(x, labels))
        save_figure(plane.scatter(x, labels, name), results / "data" / f"{name}.png", dpi=60)
    for s in settings(cfg):
        e = cfg["experiments"][s.experiment]
        x, labels = datasets.read_points(workdir / paths.data_file(s.dataset))
        sizes = nets.layer_sizes(e["hidden_layers"], s.hidden, x.shape[1])
        for trial in range(1, e["trials"] + 1):
            record = _trial_record(rng, e["hidden_layers"], s.hidden, len(x), e, seed=1000 + trial)
            atomic.write_json(workdir / paths.trial_file("json", trial, **s._asdict()), record)
            # real weights of the net's shape (initial ones): the summary evaluates them on the test set
            params = nets.init_params(sizes, seed=1000 + trial)
            nets.save_params(params, workdir / paths.trial_file("npz", trial, **s._asdict()))
        label = f"trials{1}-{e['trials']}"
        bench.append(
            (
                f"train_trials_1_{e['trials']}",
                f"results/benchmarks/train_trials/{s.experiment}/{s.dataset}/h{s.hidden}/{label}.tsv",
            )
        )
        _benchmark(workdir / bench[-1][1], 0.5 + 0.4 * e["trials"])
    for name, e in cfg["experiments"].items():
        # the summary, boundary and trial-plot jobs' own code, on these trials
        mine = [s for s in settings(cfg) if s.experiment == name]
        records = [
            paths.trial_file("json", t, **s._asdict())
            for s in mine
            for t in range(1, e["trials"] + 1)
        ]
        weights = [r.removesuffix(".json") + ".npz" for r in records]
        data = {}
        for d in e["datasets"]:
            test = workdir / paths.data_file(d, "test.txt")
            x, labels = datasets.generate_test(cfg["datasets"][d], seed=6)
            atomic.write_text(test, datasets.format_points(x, labels))
            data[d] = (workdir / paths.data_file(d), test)
        tables = summary.summarise_experiment(
            name, e["hidden_layers"], records, weights, data, cfg["datasets"]
        )
        outputs = {t: workdir / paths.summary_table(t, name) for t in paths.SUMMARY_TABLES}
        summary.write_tables(tables, outputs)
        bench.append(("summarise_trials", f"results/benchmarks/summarise_trials/{name}.tsv"))
        _benchmark(workdir / bench[-1][1], 1.5)
        for d in e["datasets"]:
            best = selection.best_per_hidden(
                [r for r in records if f"/{d}/" in r],
                [w for w in weights if f"/{d}/" in w],
                name,
                d,
            )
            boundary.draw_boundaries(
                data[d][0], best, workdir / paths.boundaries_file(name, d), f"{name}, {d}"
            )
        drawn = {k: workdir / paths.experiment_file(f"{k}.png", name) for k in FIGURES}
        draw_all(name, tables, notebook_references(cfg, name), drawn)
    rows = handbuilt.table()
    atomic.write_csv(results / "handbuilt" / "handbuilt.csv", pd.DataFrame(rows))
    atomic.write_json(results / "handbuilt" / "handbuilt.json", handbuilt.summary(rows))
    bench.append(("handbuilt", "results/benchmarks/handbuilt/handbuilt.tsv"))
    _benchmark(workdir / bench[-1][1], 0.8)
    image_root = results / "images" / "synthetic"
    features = _images(image_root, rng)
    sidecars = {}
    weights = (
        {"kind": "random", "description": "random (seeded), not ImageNet"}
        if cfg["features"]["weights"] is None
        else {
            "kind": "torchvision",
            "name": cfg["features"]["weights"],
            "description": f"torchvision ResNet50_Weights.{cfg['features']['weights']} (ImageNet)",
        }
    )
    for split, table in features.items():
        feature_table.write(results / "features" / f"{split}.parquet", table)
        sidecars[split] = {
            "split": split,
            "n_images": len(table.paths),
            "classes": CLASSES,
            "counts": {c: table.class_names.count(c) for c in CLASSES},
            "skipped": [],
            "image_source": cfg["images"]["source"],
            "image_root": "results/images/synthetic",
            "weights": weights,
            "model": "torchvision resnet50 without fc (2048-d pooled output), eval mode",
            "transform": "Resize(256), CenterCrop(224), ToTensor(), Normalize(ImageNet mean, std)",
            "batch_size": 4,
            "batchnorm": "eval",
            "device": "cpu",
            "torch": "2.x",
            "torchvision": "0.x",
            **INSTRUCTION_SETS[split],
        }
        atomic.write_json(results / "features" / f"{split}.json", sidecars[split])
        bench.append(("features", f"results/benchmarks/features/{split}.tsv"))
        _benchmark(workdir / bench[-1][1], 12.0)
    # what the features rule records of the image folder (#10): files used, ignored, skipped per class
    for side in sidecars.values():
        side["census"] = [
            {"class": c, "used": n, "ignored": 0, "skipped": 0} for c, n in side["counts"].items()
        ]
        side["ignored"] = []
    sidecars["val"]["skipped"] = [{"path": "val/bees/broken.jpg", "reason": "truncated JPEG"}]
    sidecars["val"]["census"][1]["skipped"] = 1
    if ignored:  # an archive like the real one
        gif = "train/ants/imageNotFound.gif"
        sidecars["train"]["census"][0]["ignored"] = 1
        sidecars["train"]["ignored"] = [
            {"path": gif, "reason": "not an image file (extension '.gif')"}
        ]
    for split in sidecars:
        atomic.write_json(results / "features" / f"{split}.json", sidecars[split])
    metrics = classify.metrics(
        features["train"],
        features["val"],
        sidecars,
        cfg["classify"]["logistic"],
        cfg["classify"]["knn"],
    )
    atomic.write_json(results / "classify" / "metrics.json", metrics)
    atomic.write_text(results / "classify" / "metrics.csv", classify.metrics_csv(metrics))
    bench.append(("classify", "results/benchmarks/classify/classify.tsv"))
    if not missing_benchmark:
        _benchmark(workdir / bench[-1][1], 2.0)
    tuned = classify.tuned(
        features["train"],
        features["val"],
        sidecars,
        cfg["classify"]["logistic"],
        cfg["classify"]["knn"]["algorithm"],
        cfg["classify"]["cv"],
        seed=7,
    )
    atomic.write_json(results / "classify" / "cv.json", tuned)
    downloads = []
    if download_record:
        record = {
            "url": "https://download.pytorch.org/tutorial/hymenoptera_data.zip",
            "sha256": "ab" * 32,
            "pinned_sha256": None,
            "time": "2025-01-01T00:00:00+00:00",
        }
        (workdir / "resources").mkdir(exist_ok=True)
        (workdir / "resources" / "hymenoptera_data.zip.sha256.json").write_text(json.dumps(record))
        downloads.append("resources/hymenoptera_data.zip.sha256.json")
    figures.draw_samples(
        results / "features" / "train.parquet",
        image_root,
        cfg["seed"],
        results / "classify" / "samples.png",
        results / "classify" / "samples.csv",
    )
    figure = results / "classify" / "confusion.png"
    figures.draw_confusion(
        results / "classify" / "metrics.json", images_notebook.notebook_confusion(cfg), figure
    )
    return {
        "inputs": named_inputs(cfg, "results/images/synthetic", downloads),
        "config": cfg,
        "benchmarks": bench,
        "snakemake_version": "9.27.1",
    }
