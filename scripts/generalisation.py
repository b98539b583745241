import json
from pathlib import Path

from netlab.toy.figures import generalisation as generalisation_figure
from netlab.workflow.joblog import logged

with logged(snakemake.log[0]) as log:
    summaries = [json.loads(Path(p).read_text()) for p in snakemake.input.summaries]
    table = generalisation_figure.write_experiment(
        snakemake.wildcards.experiment,
        snakemake.params.hidden_layers,
        summaries,
        snakemake.output.table,
        snakemake.output.figure,
    )
    log.info("%d settings", len(table))
