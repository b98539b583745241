from netlab.joblog import logged
from netlab.report.build import write_report
from netlab.report.inputs import read_inputs

with logged(snakemake.log[0]) as log:
    p = snakemake.params
    inputs = read_inputs(dict(snakemake.input.items()), p.config, p.benchmarks, p.snakemake_version)
    written = write_report(inputs, snakemake.output.html)
    log.info("report: %d files written, page %s", len(written), snakemake.output.html)
