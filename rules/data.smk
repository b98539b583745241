rule toy_data:
    input:
        source=dataset_source,
    output:
        data="results/data/{dataset}.txt",
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
        spec=lambda w: training_spec(config["datasets"][w.dataset]),
        seed=lambda w: derive_seed(config["seed"], "dataset", w.dataset),
    script:
        "../scripts/toy_data.py"


# The scatter plot in a job of its own: restyling it never rewrites the data file the trials train on.
rule toy_plot:
    input:
        data="results/data/{dataset}.txt",
    output:
        plot=report(
            "results/data/{dataset}.png",
            caption="../report/toy_data.rst",
            category="Toy data",
        ),
    log:
        "results/logs/toy_plot/{dataset}.log",
    benchmark:
        "results/benchmarks/toy_plot/{dataset}.tsv"
    conda:
        "../envs/netlab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/toy_plot.py"
