from netlab import atomic, toydata, toyplots
from netlab.joblog import logged

with logged(snakemake.log[0]) as log:
    x, labels = toydata.read_points(snakemake.input.data)
    figure = toyplots.scatter(x, labels, snakemake.wildcards.dataset)
    atomic.save_figure(figure, snakemake.output.plot, dpi=110)
    log.info(
        "%s: %d points drawn in %s", snakemake.wildcards.dataset, len(x), snakemake.output.plot
    )
