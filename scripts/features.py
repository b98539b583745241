from netlab.images.features import split_features
from netlab.joblog import logged

with logged(snakemake.log[0]) as log:
    p = snakemake.params
    sidecar = split_features(
        snakemake.input.images,
        snakemake.wildcards.split,
        weights_spec=p.weights,
        weights_path=snakemake.input.weights or None,
        seed=p.seed,
        batch_size=p.batch_size,
        batchnorm=p.batchnorm,
        device=p.device,
        threads=snakemake.threads,
        on_bad_image=p.on_bad_image,
        image_source=p.image_source,
        precision=p.precision,
        table_path=snakemake.output.table,
        sidecar_path=snakemake.output.sidecar,
    )
    log.info(
        "%d images, %d skipped, %d ignored",
        sidecar["n_images"],
        len(sidecar["skipped"]),
        len(sidecar["ignored"]),
    )
