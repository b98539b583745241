from netlab.joblog import logged
from netlab.plotting import save_figure
from netlab.toy import datasets
from netlab.toy.figures import plane

with logged(snakemake.log[0]) as log:
    x, labels = datasets.read_points(snakemake.input.data)
    figure = plane.scatter(x, labels, snakemake.wildcards.dataset)
    save_figure(figure, snakemake.output.plot, dpi=110)
    log.info(
        "%s: %d points drawn in %s", snakemake.wildcards.dataset, len(x), snakemake.output.plot
    )
