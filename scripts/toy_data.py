from netlab import atomic
from netlab.joblog import logged
from netlab.toy import datasets

with logged(snakemake.log[0]) as log:
    x, labels = datasets.obtain(snakemake.params.spec, snakemake.params.seed, snakemake.input)
    log.info("%s: %d points, %d positive", snakemake.wildcards.dataset, len(x), (labels > 0).sum())
    atomic.write_text(snakemake.output.data, datasets.format_points(x, labels))
