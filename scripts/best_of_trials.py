from netlab.joblog import logged
from netlab.selection import summarise_setting

with logged(snakemake.log[0]) as log:
    w = snakemake.wildcards
    best = summarise_setting(
        snakemake.input.records,
        snakemake.input.data,
        snakemake.output.table,
        snakemake.output.best,
        snakemake.output.boundary,
        title=f"{w.dataset}, H={w.hidden}",
    )
    log.info("best: %s", best)
