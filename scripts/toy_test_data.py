from netlab import atomic
from netlab.joblog import logged
from netlab.toy import datasets

with logged(snakemake.log[0]) as log:
    spec = snakemake.params.spec
    x, labels = datasets.obtain_test(spec, snakemake.params.seed, snakemake.input.source)
    floor = datasets.floor_errors(spec, x, labels)
    log.info("%s test set: %d points, floor %s errors", snakemake.wildcards.dataset, len(x), floor)
    atomic.write_text(snakemake.output.data, datasets.format_points(x, labels))
