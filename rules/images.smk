# The ants-vs-bees notebook: images (drawn, downloaded or the user's), ResNet50 features cached to
# Parquet, classifiers, and their figures. Downloads and extraction run where Snakemake runs (a login
# node has the network; compute nodes need none), and only when the config names a download or a zip.
# `priority: 10` starts this chain before the trial jobs fill the cores; one thread per job, so a job
# never waits for two cores to come free at once. More threads for large image sets:
# `--set-threads features=8`.


rule download_images:
    output:
        archive=sources.HYMENOPTERA_ZIP,
        record=f"{sources.HYMENOPTERA_ZIP}.sha256.json",
    log:
        "results/logs/download_images/hymenoptera.log",
    benchmark:
        "results/benchmarks/download_images/hymenoptera.tsv"
    priority: 10
    conda:
        "../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=60,
    params:
        url=lookup(dpath="images/hymenoptera/url", within=config),
        sha256=lookup(dpath="images/hymenoptera/sha256", within=config),
    script:
        "../scripts/download.py"


rule extract_images:
    input:
        zip=lambda w: sources.image_archive(config, w.source),
    output:
        directory("results/images/{source}"),
    log:
        "results/logs/extract_images/{source}.log",
    benchmark:
        "results/benchmarks/extract_images/{source}.tsv"
    wildcard_constraints:
        source="hymenoptera|local",
    priority: 10
    conda:
        "../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=500,
    params:
        max_bytes=lookup(dpath="images/max_unpacked_bytes", within=config),
    script:
        "../scripts/extract_images.py"


rule fetch_weights:
    output:
        "resources/weights/resnet50-{name}.pth",
    log:
        "results/logs/fetch_weights/{name}.log",
    benchmark:
        "results/benchmarks/fetch_weights/{name}.tsv"
    wildcard_constraints:
        name=r"[A-Za-z0-9_]+",
    priority: 10
    conda:
        "../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=60,
    params:
        mirror_url=lookup(dpath="features/weights_url", within=config),
    script:
        "../scripts/fetch_weights.py"


rule synthetic_images:
    output:
        directory("results/images/synthetic"),
    log:
        "results/logs/synthetic_images.log",
    benchmark:
        "results/benchmarks/synthetic_images.tsv"
    priority: 10
    conda:
        "../envs/netlab.yaml"
    threads: 1
    params:
        spec=lookup(dpath="images/synthetic", within=config),
        seed=lookup(dpath="seed", within=config),
    script:
        "../scripts/synthetic_images.py"


rule features:
    input:
        images=sources.image_root(config),
        weights=sources.weights_file(config),
    output:
        table="results/features/{split}.parquet",
        sidecar="results/features/{split}.json",
    log:
        "results/logs/features/{split}.log",
    benchmark:
        "results/benchmarks/features/{split}.tsv"
    priority: 10
    conda:
        "../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        weights=lookup(dpath="features/weights", within=config),
        seed=lookup(dpath="seed", within=config),
        batch_size=lookup(dpath="features/batch_size", within=config),
        batchnorm=lookup(dpath="features/batchnorm", within=config),
        device=lookup(dpath="features/device", within=config),
        precision=lookup(dpath="features/precision", within=config),
        on_bad_image=lookup(dpath="images/on_bad_image", within=config),
        image_source=lookup(dpath="images/source", within=config),
    script:
        "../scripts/features.py"


rule classify:
    input:
        train="results/features/train.parquet",
        val="results/features/val.parquet",
        train_sidecar="results/features/train.json",
        val_sidecar="results/features/val.json",
    output:
        json="results/classify/metrics.json",
        csv="results/classify/metrics.csv",
        intervals=report(
            "results/classify/intervals.csv",
            caption="../report/classify_intervals.rst",
            category="Classifiers",
        ),
        mcnemar=report(
            "results/classify/mcnemar.csv",
            caption="../report/classify_mcnemar.rst",
            category="Classifiers",
        ),
    log:
        "results/logs/classify.log",
    benchmark:
        "results/benchmarks/classify.tsv"
    priority: 10
    conda:
        "../envs/netlab.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        logistic=lookup(dpath="classify/logistic", within=config),
        knn=lookup(dpath="classify/knn", within=config),
    script:
        "../scripts/classify.py"


# C and k chosen by cross-validation on the training split only; the validation split scores the choice once.
rule classify_cv:
    input:
        train="results/features/train.parquet",
        val="results/features/val.parquet",
        train_sidecar="results/features/train.json",
        val_sidecar="results/features/val.json",
    output:
        json="results/classify/cv.json",
        csv=report(
            "results/classify/cv.csv",
            caption="../report/classify_cv.rst",
            category="Classifiers",
        ),
    log:
        "results/logs/classify_cv.log",
    benchmark:
        "results/benchmarks/classify_cv.tsv"
    priority: 10
    conda:
        "../envs/netlab.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        logistic=lookup(dpath="classify/logistic", within=config),
        knn_algorithm=lookup(dpath="classify/knn/algorithm", within=config),
        cv=lookup(dpath="classify/cv", within=config),
        seed=derive_seed(config["seed"], "classify", "cv"),
    script:
        "../scripts/classify_cv.py"


rule image_plots:
    input:
        features="results/features/train.parquet",
        images=sources.image_root(config),
        metrics="results/classify/metrics.json",
    output:
        samples=report(
            "results/classify/samples.png",
            caption="../report/image_plots.rst",
            category="Classifiers",
            labels={"figure": "sample images"},
        ),
        samples_table="results/classify/samples.csv",
        confusion=report(
            "results/classify/confusion.png",
            caption="../report/image_plots.rst",
            category="Classifiers",
            labels={"figure": "confusion matrices"},
        ),
    log:
        "results/logs/image_plots.log",
    benchmark:
        "results/benchmarks/image_plots.tsv"
    conda:
        "../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        seed=lookup(dpath="seed", within=config),
        # the notebook's confusion matrix as a last panel, where its numbers apply to this run
        notebook=notebook_confusion(config),
    script:
        "../scripts/image_plots.py"
