from netlab.joblog import logged
from netlab.report.build import write_report

with logged(snakemake.log[0]) as log:
    p = snakemake.params
    inputs = dict(snakemake.input.items())
    written = write_report(
        inputs, p.config, p.benchmarks, p.snakemake_version, snakemake.output.html
    )
    log.info("report: %d files written, page %s", len(written), snakemake.output.html)
