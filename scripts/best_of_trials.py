from netlab.toy.selection import summarise_setting
from netlab.workflow.joblog import logged

with logged(snakemake.log[0]) as log:
    best = summarise_setting(snakemake.input.records, snakemake.output.table, snakemake.output.best)
    log.info("best: %s", best)
