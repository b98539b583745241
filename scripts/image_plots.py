from netlab import imageplots
from netlab.joblog import logged

with logged(snakemake.log[0]) as log:
    i, o, p = snakemake.input, snakemake.output, snakemake.params
    shown = imageplots.draw_samples(i.features, i.images, p.seed, o.samples, o.samples_table)
    imageplots.draw_confusion(i.metrics, p.notebook, o.confusion)
    log.info("%d sample images and the confusion matrices drawn", shown)
