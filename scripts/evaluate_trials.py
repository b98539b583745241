from netlab import atomic
from netlab.toy import evaluation
from netlab.workflow.joblog import logged

with logged(snakemake.log[0]) as log:
    i = snakemake.input
    table, summary = evaluation.evaluate_files(
        i.records, i.weights, i.train, i.test, snakemake.params.spec, snakemake.params.setting
    )
    atomic.write_csv(snakemake.output.table, table)
    atomic.write_json(snakemake.output.summary, summary)
    log.info("summary: %s", summary)
