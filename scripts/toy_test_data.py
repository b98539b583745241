from netlab import atomic, toydata
from netlab.joblog import logged

with logged(snakemake.log[0]) as log:
    spec = snakemake.params.spec
    x, labels = toydata.obtain_test(spec, snakemake.params.seed, snakemake.input.source)
    floor = toydata.floor_errors(spec, x, labels)
    log.info("%s test set: %d points, floor %s errors", snakemake.wildcards.dataset, len(x), floor)
    atomic.write_text(snakemake.output.data, toydata.format_points(x, labels))
