from netlab.images.archive import safe_extract_zip
from netlab.joblog import logged

with logged(snakemake.log[0]) as log:
    root = snakemake.output[0]
    files = safe_extract_zip(
        snakemake.input.zip, root, max_bytes=snakemake.params.max_bytes, required=("train", "val")
    )
    log.info("%d files from %s in %s", len(files), snakemake.input.zip, root)
