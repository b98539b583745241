from netlab.images import figures
from netlab.joblog import logged

with logged(snakemake.log[0]) as log:
    i, o, p = snakemake.input, snakemake.output, snakemake.params
    shown = figures.draw_samples(i.features, i.images, p.seed, o.samples, o.samples_table)
    figures.draw_confusion(i.metrics, p.notebook, o.confusion)
    log.info("%d sample images and the confusion matrices drawn", shown)
