from netlab.joblog import logged
from netlab.toy import manifest
from netlab.toy.figures.boundary import draw_boundaries
from netlab.toy.selection import best_per_hidden

with logged(snakemake.log[0]) as log:
    i, w = snakemake.input, snakemake.wildcards
    best = best_per_hidden(*manifest.read(i.trials), w.experiment, w.dataset)
    draw_boundaries(i.data, best, snakemake.output[0], title=f"{w.experiment}, {w.dataset}")
    log.info("boundaries of %s drawn: %s", w.dataset, [(b.hidden, b.trial) for b in best])
