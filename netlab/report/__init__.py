"""The report: one self-contained HTML page (with CSV tables and PNG figures beside it) of a workflow run.

``inputs`` names the files the rule hands over and reads them back by name;
``build.write_report`` writes the page from ``templates/`` through ``render``;
each section is a module returning its ``render.Part`` (overview, toy, images,
handbuilt) and a partial in ``templates/``.
"""
