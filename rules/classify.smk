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
