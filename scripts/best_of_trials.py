from netlab.joblog import logged
from netlab.selection import summarise_setting

with logged(snakemake.log[0]) as log:
    best = summarise_setting(snakemake.input.records, snakemake.output.table, snakemake.output.best)
    log.info("best: %s", best)
