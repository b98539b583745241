"""Feature extraction: the notebooks' loop against netlab's batched extraction, on the same images and model.

Run: python benchmarks/features.py [--images 32] [--batch-size 8] [--threads 2]
     python benchmarks/features.py --precisions [--images-root DIR | --archive-like]   # float32 against bfloat16

``--precisions``: the default run's images (synthetic, 244 train and 153 val, or an ImageFolder root
with train/ and val/ given by ``--images-root``, or ``--archive-like``: a zip laid out like the real
hymenoptera archive with its odd files, the tests' ``hymenoptera_like_zip`` at the notebooks' counts,
unpacked by netlab's own extraction) through netlab's extraction on one thread, in float32
and in bfloat16 (``features.precision``): images per second of each, the largest difference in the
2048 features, and the classifiers of the default config on each (accuracy, and how many validation
images change prediction).

The notebooks' way: torchvision ImageFolder, a DataLoader of batch 1, autograd
on (no ``no_grad``/``inference_mode``; the parameters are frozen as in the
notebook), and ``np.vstack`` growing the array one image at a time. The model
is put in eval mode for both (the notebook never called ``.eval()``, so its
BatchNorm layers used each image's own statistics; netlab uses eval mode),
so that both must give the same features; the script checks that within 1e-4
(relative and absolute: np.allclose(rtol=1e-4, atol=1e-4)).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from torchvision import datasets

from netlab.images import features, weights
from netlab.images.imagefolder import scan_split
from netlab.images.synthetic import write_tree

#: Images per split and class in the notebooks' hymenoptera data, as config.yaml's synthetic default draws them.
NOTEBOOK_COUNTS = yaml.safe_load((Path(__file__).resolve().parents[1] / "config.yaml").read_text())[
    "images"
]["synthetic"]["counts"]


def notebook_way(net: torch.nn.Module, root: Path) -> np.ndarray:
    """The notebooks' extraction loop, verbatim but for the variable names."""
    dataset = datasets.ImageFolder(str(root / "train"), features.notebook_transform())
    loader = torch.utils.data.DataLoader(dataset)
    for batch, data in enumerate(loader):
        if batch == 0:
            x = torch.squeeze(net(data[0])).numpy()
        else:
            x = np.vstack((x, torch.squeeze(net(data[0])).numpy()))
    return x


def netlab_way(net: torch.nn.Module, root: Path, batch_size: int, threads: int) -> np.ndarray:
    samples = scan_split(root, "train", splits=["train"]).samples
    return features.extract(
        net, samples, batch_size=batch_size, device=torch.device("cpu"), threads=threads
    )


def archive_like_root(tmp: Path) -> Path:
    """The tests' hymenoptera-like zip at the notebooks' counts, unpacked by netlab's extraction."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from serve_zip import hymenoptera_like_zip

    from netlab.images.archive import safe_extract_zip

    (tmp / "hymenoptera_data.zip").write_bytes(hymenoptera_like_zip(NOTEBOOK_COUNTS))
    safe_extract_zip(tmp / "hymenoptera_data.zip", tmp / "images", max_bytes=10**9)
    return tmp / "images"


def compare_precisions(root: Path | None, batch_size: int) -> int:
    """float32 against bfloat16 on the default run's images: speed, features, classifiers."""
    from netlab.images import classify
    from netlab.images.feature_table import FeatureTable

    net = features.backbone(weights.resnet50(None, seed=0)[0])
    with tempfile.TemporaryDirectory() as tmp:
        if root is None:
            root = Path(tmp) / "images"
            write_tree(root, NOTEBOOK_COUNTS, seed=0, min_side=180, max_side=500)
        tables, speed = {}, {}
        for precision in ("float32", "bfloat16"):
            seconds, images = 0.0, 0
            for split in ("train", "val"):
                samples = scan_split(root, split).samples
                rows, s = timed(
                    lambda samples=samples, precision=precision: features.extract(
                        net, samples, batch_size=batch_size, device=torch.device("cpu"),
                        precision=precision,
                    )
                )  # fmt: skip
                seconds, images = seconds + s, images + len(samples)
                tables[precision, split] = FeatureTable(
                    paths=[s.relpath for s in samples],
                    labels=np.array([s.label for s in samples], np.int64),
                    class_names=[s.class_name for s in samples],
                    features=rows,
                )
            speed[precision] = images / seconds
    diff = max(
        float(np.abs(tables["float32", s].features - tables["bfloat16", s].features).max())
        for s in ("train", "val")
    )
    largest = max(float(np.abs(tables["float32", s].features).max()) for s in ("train", "val"))
    logistic = {"solver": "liblinear", "random_state": 0, "max_iter": 1000}
    knn = {"k": [1, 3, 5], "algorithm": "kd_tree"}
    classes = ["ants", "bees"]
    results = {
        p: classify.evaluate(tables[p, "train"], tables[p, "val"], classes, logistic, knn)
        for p in ("float32", "bfloat16")
    }
    print(f"torch {torch.__version__}, one thread, batch size {batch_size}")
    print("| precision | images/s |\n|---|---|")
    for p, rate in speed.items():
        print(f"| {p} | {rate:.1f} |")
    print(f"bfloat16 / float32 speed: {speed['bfloat16'] / speed['float32']:.2f}x")
    print(f"largest |difference| of a feature: {diff:.3g} (largest |feature|: {largest:.3g})")
    print(
        "| classifier | float32 accuracy | bfloat16 accuracy | val images that change prediction |"
    )
    print("|---|---|---|---|")
    for full, reduced in zip(results["float32"], results["bfloat16"], strict=True):
        changed = int(
            np.count_nonzero(np.array(full["predicted"]) != np.array(reduced["predicted"]))
        )
        print(
            f"| {full['name']} | {full['accuracy']:.3f} | {reduced['accuracy']:.3f} | {changed} |"
        )
    return 0


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--images", type=int, default=32, help="synthetic images (half ants, half bees)"
    )
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precisions", action="store_true", help="float32 against bfloat16")
    parser.add_argument("--images-root", type=Path, help="ImageFolder root for --precisions")
    parser.add_argument(
        "--archive-like", action="store_true", help="--precisions on a hymenoptera-like zip"
    )
    args = parser.parse_args()
    if args.precisions:
        torch.set_num_threads(1)
        if not args.archive_like:
            return compare_precisions(args.images_root, args.batch_size)
        with tempfile.TemporaryDirectory() as tmp:
            return compare_precisions(archive_like_root(Path(tmp)), args.batch_size)
    torch.set_num_threads(args.threads)
    net = features.backbone(weights.resnet50(None, seed=0)[0])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "images"
        ants = args.images // 2
        write_tree(
            root,
            {"train": {"ants": ants, "bees": args.images - ants}},
            seed=0,
            min_side=180,
            max_side=500,
        )
        with torch.inference_mode():  # warm-up: first-call allocations are neither way's cost
            net(torch.zeros(2, 3, 224, 224))
        old, old_s = timed(notebook_way, net, root)
        new, new_s = timed(netlab_way, net, root, args.batch_size, args.threads)
    n = len(new)
    diff = float(np.max(np.abs(old - new)))
    same = old.shape == new.shape and np.allclose(old, new, rtol=1e-4, atol=1e-4)
    print(f"images: {n}, threads: {args.threads}, batch size: {args.batch_size}")
    print(f"notebook (batch 1, autograd, np.vstack): {old_s:7.2f} s  {n / old_s:6.2f} images/s")
    print(f"netlab (batched, no_grad, 1 thread/batch): {new_s:6.2f} s  {n / new_s:6.2f} images/s")
    print(f"speed-up: {old_s / new_s:.2f}x")
    print(f"max |difference| of features: {diff:.2e} (largest |feature|: {np.abs(new).max():.1f})")
    if not same:
        print(
            f"FAIL: features differ (shapes {old.shape} vs {new.shape}, max difference {diff:.2e})",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
