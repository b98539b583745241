from netlab import atomic
from netlab.images import download
from netlab.joblog import logged

with logged(snakemake.log[0]) as log:
    url, pinned = snakemake.params.url, snakemake.params.sha256
    observed = download.download(url, snakemake.output.archive, sha256=pinned)
    atomic.write_json(
        snakemake.output.record,
        download.download_record(url, snakemake.output.archive, observed, pinned),
    )
    if pinned is None:
        log.warning(
            "no sha256 pinned for %s; observed %s (pin it as images.hymenoptera.sha256)",
            url,
            observed,
        )
