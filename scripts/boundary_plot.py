from netlab.toy.figures.boundary import draw_best_boundary
from netlab.workflow.joblog import logged

with logged(snakemake.log[0]) as log:
    w = snakemake.wildcards
    trial = draw_best_boundary(
        snakemake.input.best,
        snakemake.input.data,
        snakemake.input.weights,
        snakemake.output[0],
        title=f"{w.dataset}, H={w.hidden}",
    )
    log.info("boundary of trial %d drawn in %s", trial, snakemake.output[0])
