# The report: results/report/index.html (self-contained), tables/*.csv and figures/*.png beside it,
# all flagged for Snakemake's own report (snakemake --report results/report.zip).
from snakemake import __version__ as SNAKEMAKE_VERSION

from netlab.report.benchmarks import producer_benchmarks
from netlab.report.outputs import TABLES, figure_names


# Runs where Snakemake runs (a cluster's login node): it is quick and reads every result.
localrules:
    report,


rule report:
    input:
        data=expand("results/data/{dataset}.txt", dataset=used_datasets(config)),
        plots=expand("results/data/{dataset}.png", dataset=used_datasets(config)),
        trials=all_trial_jsons,
        tables=best_of_trials_outputs("trials.csv"),
        best=best_of_trials_outputs("best.json"),
        boundaries=best_of_trials_outputs("boundary.png"),
        handbuilt_table="results/handbuilt/handbuilt.csv",
        handbuilt_summary="results/handbuilt/handbuilt.json",
        downloads=download_records(),
        images=image_root(),
        features=expand("results/features/{split}.parquet", split=("train", "val")),
        features_meta=expand("results/features/{split}.json", split=("train", "val")),
        metrics="results/classify/metrics.json",
        metrics_table="results/classify/metrics.csv",
    output:
        html=report(
            "results/report/index.html",
            caption="../report/index.rst",
            category="Report",
        ),
        tables=report(
            expand("results/report/tables/{name}.csv", name=TABLES),
            caption="../report/tables.rst",
            category="Tables",
        ),
        figures=report(
            expand("results/report/figures/{name}", name=figure_names(config)),
            caption="../report/figures.rst",
            category="Figures",
        ),
    log:
        "results/logs/report.log",
    benchmark:
        "results/benchmarks/report.tsv"
    conda:
        "../envs/netlab.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        config=config,
        # Benchmark files of the jobs that made the inputs (and the weights file) under this config.
        benchmarks=lambda w, input: producer_benchmarks(
            workflow.rules, [*([weights_file()] if weights_file() else []), *input]
        ),
        snakemake_version=SNAKEMAKE_VERSION,
    script:
        "../scripts/report.py"
