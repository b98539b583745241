"""The report: one self-contained HTML page (with CSV tables and PNG figures beside it) of a workflow run.

``inputs.collect`` matches the workflow's files to the config and
``build.build_report`` writes the page; ``outputs`` names what is written.
Each section lives in its own module (overview, toy, images, handbuilt).
"""
