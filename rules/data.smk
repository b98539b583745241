rule toy_data:
    input:
        source=dataset_source,
    output:
        data="results/data/{dataset}.txt",
        plot="results/data/{dataset}.png",
    params:
        spec=lambda w: config["datasets"][w.dataset],
        seed=lambda w: derive_seed(config["seed"], "dataset", w.dataset),
        code=code("toydata", "toyplots"),
    log:
        "results/logs/toy_data/{dataset}.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../envs/netlab.yaml"
    script:
        "../scripts/toy_data.py"
