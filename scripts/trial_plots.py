from netlab.joblog import logged
from netlab.toy.figures.experiment import draw_all
from netlab.toy.summary import read_tables

with logged(snakemake.log[0]) as log:
    tables = read_tables(snakemake.input)
    draw_all(snakemake.wildcards.experiment, tables, snakemake.params.references, snakemake.output)
    log.info(
        "%s: figures of %d settings drawn", snakemake.wildcards.experiment, len(tables.settings)
    )
