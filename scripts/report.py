from netlab.joblog import logged
from netlab.report.build import build_report
from netlab.report.inputs import collect

with logged(snakemake.log[0]) as log:
    i, p = snakemake.input, snakemake.params
    inputs = collect(
        p.config,
        data=i.data,
        plots=i.plots,
        tables=i.tables,
        best=i.best,
        boundaries=i.boundaries,
        trials=i.trials,
        handbuilt_table=i.handbuilt_table,
        handbuilt_summary=i.handbuilt_summary,
        features=i.features,
        features_meta=i.features_meta,
        metrics=i.metrics,
        metrics_table=i.metrics_table,
        image_root=i.images,
        downloads=i.downloads,
        benchmarks=p.benchmarks,
        snakemake_version=p.snakemake_version,
    )
    written = build_report(inputs, snakemake.output.html)
    log.info("report: %d files written, page %s", len(written), snakemake.output.html)
