from netlab import trialplots
from netlab.joblog import logged

with logged(snakemake.log[0]) as log:
    out = snakemake.output
    experiment = snakemake.wildcards.experiment
    trialplots.draw(experiment, snakemake.params.settings, snakemake.input, out.loss, out.spread)
    log.info(
        "%s: loss curves and spread of %d settings drawn",
        experiment,
        len(snakemake.params.settings),
    )
