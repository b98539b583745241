from netlab.joblog import logged
from netlab.toy import manifest
from netlab.toy.summary import summarise_experiment, write_tables

with logged(snakemake.log[0]) as log:
    i, p = snakemake.input, snakemake.params
    data = {d: (i[f"train/{d}"], i.get(f"test/{d}")) for d in p.datasets}
    records, weights = manifest.read(i.trials)
    tables = summarise_experiment(
        snakemake.wildcards.experiment, p.hidden_layers, records, weights, data, p.datasets
    )
    write_tables(tables, snakemake.output)
    log.info("%d trials of %d settings", len(tables.trials), len(tables.settings))
