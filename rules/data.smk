rule toy_data:
    input:
        source=dataset_source,
    output:
        data="results/data/{dataset}.txt",
        plot=report(
            "results/data/{dataset}.png",
            caption="../report/toy_data.rst",
            category="Toy data",
        ),
    log:
        "results/logs/toy_data/{dataset}.log",
    benchmark:
        "results/benchmarks/toy_data/{dataset}.tsv"
    conda:
        "../envs/netlab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        spec=lambda w: config["datasets"][w.dataset],
        seed=lambda w: derive_seed(config["seed"], "dataset", w.dataset),
    script:
        "../scripts/toy_data.py"
