from netlab.toy.figures import across_trials
from netlab.workflow.joblog import logged

with logged(snakemake.log[0]) as log:
    out = snakemake.output
    experiment = snakemake.wildcards.experiment
    across_trials.draw(experiment, snakemake.params.settings, snakemake.input, out.loss, out.spread)
    log.info(
        "%s: loss curves and spread of %d settings drawn",
        experiment,
        len(snakemake.params.settings),
    )
