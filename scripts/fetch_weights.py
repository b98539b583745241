from netlab.images import download
from netlab.joblog import logged

with logged(snakemake.log[0]) as log:
    published = download.torchvision_weights_url(snakemake.wildcards.name)
    observed = download.fetch_weights(
        snakemake.output[0], published_url=published, mirror_url=snakemake.params.mirror_url
    )
    log.info(
        "%s: sha256 %s matches the prefix published in %s", snakemake.output[0], observed, published
    )
