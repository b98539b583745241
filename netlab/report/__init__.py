"""The report: one self-contained HTML page (with CSV tables and PNG figures beside it) of a workflow run.

``reads`` names the files the rule hands over and reads them with errors that
name the file; ``build.write_report`` writes the page from ``templates/``
through ``render``; each section is a function in a module of its own
(overview, toy, generalisation and uncertainty, images, handbuilt) returning
its context and tables, with a partial in ``templates/``. The figures are
drawn by the workflow's plot rules; the report embeds them as they are.
"""
