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
        runtime=10,
    params:
        logistic=config["classify"]["logistic"],
        knn=config["classify"]["knn"],
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
        runtime=10,
    params:
        logistic=config["classify"]["logistic"],
        knn_algorithm=config["classify"]["knn"]["algorithm"],
        cv=config["classify"]["cv"],
        seed=derive_seed(config["seed"], "classify", "cv"),
    script:
        "../scripts/classify_cv.py"


# The sample images and the confusion matrices in a job of their own: a plot edit re-runs only this
# and the report.
rule image_plots:
    input:
        features="results/features/train.parquet",
        images=image_root(),
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
        runtime=10,
    params:
        seed=config["seed"],
        # the notebook's confusion matrix as a last panel, where its numbers apply to this run
        notebook=notebook_confusion(config),
    script:
        "../scripts/image_plots.py"
