rule classify:
    input:
        train="results/features/train.parquet",
        val="results/features/val.parquet",
        train_sidecar="results/features/train.json",
        val_sidecar="results/features/val.json",
    output:
        json="results/classify/metrics.json",
        csv="results/classify/metrics.csv",
    log:
        "results/logs/classify.log",
    benchmark:
        "results/benchmarks/classify.tsv"
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
