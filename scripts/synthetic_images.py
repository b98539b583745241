from netlab.images.synthetic import write_tree
from netlab.joblog import logged

with logged(snakemake.log[0]) as log:
    spec = snakemake.params.spec
    counts = write_tree(
        snakemake.output[0],
        spec["counts"],
        snakemake.params.seed,
        spec["min_side"],
        spec["max_side"],
    )
    log.info("synthetic images written to %s: %s", snakemake.output[0], counts)
