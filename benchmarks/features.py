"""Feature extraction: the notebooks' loop against netlab's batched extraction, on the same images and model.

Run: python benchmarks/features.py [--images 32] [--batch-size 8] [--threads 2]

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
from torchvision import datasets

from netlab.images import features, weights
from netlab.images.imagefolder import scan_split
from netlab.images.synthetic import write_tree


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
    args = parser.parse_args()
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
