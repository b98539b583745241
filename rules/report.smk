# The report: results/report/index.html (self-contained), tables/*.csv and figures/*.png beside it,
# all flagged for Snakemake's own report (snakemake --report results/report.zip). It embeds the PNGs
# the plot rules drew, so it imports no torch or matplotlib and runs in the light env.
from snakemake import __version__ as SNAKEMAKE_VERSION


rule report:
    input:
        # One name per file (e.g. settings/one_hidden_layer): the script looks them up by name.
        unpack(report_inputs),
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
    params:
        # without `cluster` (how work is cut into jobs): the results do not depend on it, so the report of
        # a local and of a cluster run is the same, and cutting trials otherwise does not re-run it
        config={k: v for k, v in config.items() if k != "cluster"},
        # Benchmark files of the jobs that made the inputs, the trials and the weights file, under this config.
        benchmarks=report_benchmarks,
        snakemake_version=SNAKEMAKE_VERSION,
        # The page's words and layout: editing a template re-runs the report.
        templates=digest_files(sorted((ROOT / "netlab/report/templates").iterdir())),
    script:
        "../scripts/report.py"
