import numpy as np
import pytest
import torch
import yaml
from conftest import ROOT

from netlab.seeds import derive_seed
from netlab.toy import datasets


def notebook_noisy():
    """The notebook's cell, verbatim apart from returning instead of plotting."""
    n = 800
    np.random.seed(0)
    X_train = np.random.rand(n, 2)
    x1 = X_train[:, 0]
    x2 = X_train[:, 1]
    y_train = ((np.exp(-(((x1 - 0.5) * 6) ** 2)) * 2 * ((x1 - 0.5) * 6) + 1) / 2 - x2) > 0
    idx = np.random.choice(range(n), size=(int(n * 0.03),))
    y_train[idx] = ~y_train[idx]
    x = torch.tensor(X_train, dtype=torch.float) * 10
    y = torch.reshape(torch.tensor(y_train, dtype=torch.float), [n, 1])
    return x.numpy(), y.numpy().ravel()


def test_noisy_equals_notebook_point_for_point():
    x_nb, y_nb = notebook_noisy()
    x, labels = datasets.noisy()
    assert x.dtype == np.float32 and x.shape == (800, 2)
    assert np.array_equal(x, x_nb)
    assert np.array_equal((labels + 1) / 2, y_nb)


def test_noisy_file_round_trip_is_exact(tmp_path):
    x, labels = datasets.noisy()
    path = tmp_path / "noisy.txt"
    path.write_text(datasets.format_points(x, labels))
    x2, labels2 = datasets.read_points(path)
    assert np.array_equal(x2, x) and np.array_equal(labels2, labels)
    # the notebooks' own loader reads the same values
    data = np.loadtxt(path)
    assert np.array_equal(torch.tensor(data[:, 0:2], dtype=torch.float).numpy(), x)


def test_noisy_flipped_counts_label_noise():
    # 24 indices drawn with replacement; one is drawn twice and flips back
    assert datasets.noisy_flipped() == 23


@pytest.fixture(scope="module")
def default_datasets():
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    return {
        name: datasets.generate(spec, derive_seed(config["seed"], "dataset", name))
        for name, spec in config["datasets"].items()
    }


def test_generators_are_deterministic_and_well_formed(default_datasets):
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    for name, (x, labels) in default_datasets.items():
        again = datasets.generate(
            config["datasets"][name], derive_seed(config["seed"], "dataset", name)
        )
        assert np.array_equal(again[0], x) and np.array_equal(again[1], labels), name
        assert x.dtype == np.float32 and x.ndim == 2 and x.shape[1] == 2, name
        assert set(np.unique(labels)) == {-1, 1}, name
        assert np.isfinite(x).all(), name
        assert len(x) == config["datasets"][name].get("n", 800), name


def test_different_seeds_give_different_data():
    spec = {"generator": "circle", "n": 50, "radius": 2.0, "margin": 0.3}
    assert not np.array_equal(datasets.generate(spec, 1)[0], datasets.generate(spec, 2)[0])


def _linearly_separable(x, labels):
    from sklearn.svm import LinearSVC

    clf = LinearSVC(C=1e4, max_iter=100000).fit(x, labels)
    return (clf.predict(x) == labels).all()


def test_stand_ins_span_the_notebooks_cases(default_datasets):
    d = default_datasets
    assert _linearly_separable(*d["data1"]) and _linearly_separable(*d["data2"])
    assert not _linearly_separable(*d["data3"])  # overlapping classes
    assert not _linearly_separable(*d["data4"]) and not _linearly_separable(*d["data5"])  # curved
    # data3 overlaps: some point's nearest other point has the opposite label at distance < 0.3
    x, labels = d["data3"]
    dist = np.linalg.norm(x[:, None] - x[None], axis=2) + np.eye(len(x)) * 1e9
    nearest = dist.argmin(axis=1)
    assert (labels[nearest] != labels).sum() >= 4


@pytest.mark.parametrize(
    "text, message",
    [
        ("1 2 1\n3 4\n", "line 2: expected 3 columns 'x1 x2 label', found 2: '3 4'"),
        ("1 2 1\n3 x 1\n", "line 2: non-numeric value in '3 x 1'"),
        ("x1 x2 label\n1 2 1\n3 4 -1\n", "line 1: non-numeric value in 'x1 x2 label' (a header line?"),
        ("# x y\n\nx1 x2 label\n1 2 1\n", "line 3: non-numeric value in 'x1 x2 label' (a header line?"),
        ("1,2,1\n3,4,-1\n", "line 1: expected 3 columns 'x1 x2 label', found 1: '1,2,1'; values are separated by spaces or tabs, not commas"),
        ("1 2 1\n1_0 4 -1\n", "line 2: non-numeric value in '1_0 4 -1'"),  # float() reads 1_0; numpy does not
        ("1 2 1 # ok\n3 4 -1 5\n", "line 2: expected 3 columns 'x1 x2 label', found 4"),
        ("1 2 1\nnan 4 -1\n", "line 2: NaN or infinite"),
        ("1 2 1\n1 4 inf\n", "line 2: NaN or infinite"),
        ("1 2 1\n3 4 0\n", "line 2: label must be -1 or +1, found '0'"),
        ("1 2 1\n3 4 1\n", "two classes are needed"),
        ("\n\n", "no data points"),
        ("# x1 x2 label\n   \n", "no data points (only blank lines and comments)"),
    ],
)  # fmt: skip
def test_bad_data_files_are_refused_naming_file_and_line(tmp_path, text, message):
    path = tmp_path / "mine.txt"
    path.write_text(text)
    with pytest.raises(datasets.DataFileError) as err:
        datasets.read_points(path)
    assert str(path) in str(err.value) and message in str(err.value)


# Files the notebooks' np.loadtxt reads: comments, blank lines, CRLF, lone CR, tabs, number syntax.
MESSY_FILES = {
    "header-comment": b"# x1 x2 label\n0.5 1.25 1\n-2 3e-1 -1\n",
    "trailing-comments": b"1 2 1  # an ant\n3 4 -1# a bee\n\n# end\n",
    "blank-and-spaces": b"\n   \n\t\n 1   2\t1 \n\n\n-1 -2 -1\n\n",
    "crlf": b"# made on Windows\r\n1.5 2.5 1\r\n\r\n-3 4 -1\r\n",
    "lone-cr": b"1 2 1\r3 4 -1\r",
    "tabs": b"1.0\t2.0\t1.0\n-1.0\t\t-2.0\t-1.0\n",
    "scientific": b"1e-3 -2.5E+2 1\n.5 5. -1\n+7 -0.0 +1\n1E10 1e-40 -1.0\n",
    "float-labels": b"0 0 1.0\n1 1 -1.0\n2 2 1.000\n3 3 -1e0\n",
    "no-final-newline": b"1 2 1\n3 4 -1",
    "float32-rounding": b"0.1 0.2 1\n0.30000000000000004 1.0000001 -1\n",
}


@pytest.mark.parametrize("name", MESSY_FILES)
def test_files_are_read_as_np_loadtxt_reads_them(tmp_path, name):
    path = tmp_path / f"{name}.txt"
    path.write_bytes(MESSY_FILES[name])
    data = np.loadtxt(path, ndmin=2)  # the notebooks' load_data
    x, labels = datasets.read_points(path)
    assert x.dtype == np.float32 and labels.dtype == np.int8
    assert np.array_equal(
        x, data[:, 0:2].astype(np.float32)
    )  # torch.tensor(rawx, dtype=torch.float)
    assert np.array_equal(labels, data[:, 2])


@pytest.mark.parametrize(
    "text", ["1 2 1\n1_0 4 -1\n", "1 2 1\n0x1p3 4 -1\n", "x1 x2 label\n1 2 1\n"]
)
def test_what_np_loadtxt_refuses_is_refused(tmp_path, text):
    path = tmp_path / "mine.txt"
    path.write_text(text)
    with pytest.raises(ValueError):
        np.loadtxt(path)
    with pytest.raises(datasets.DataFileError, match="non-numeric value"):
        datasets.read_points(path)


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(datasets.DataFileError, match="not a text file"):
        datasets.read_points(path)


def test_user_file_accepts_notebook_format(tmp_path):
    path = tmp_path / "data1.txt"
    path.write_text("0.5 1.25 1\n-2 3e-1 -1\n  \n4.0\t5.0\t1.0\n")
    x, labels = datasets.obtain({"path": str(path)}, 0, [str(path)])
    assert x.tolist() == [[0.5, 1.25], [-2.0, 0.30000001192092896], [4.0, 5.0]]
    assert labels.tolist() == [1, -1, 1]
    _x32, y = datasets.as_training_arrays(x, labels)
    assert y.dtype == np.float32 and y.tolist() == [1.0, 0.0, 1.0]
