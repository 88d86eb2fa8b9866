"""One module per template: ``<template name without .json.j2>.py`` with ``CASES = {name: values}``.

Include a large case (the longest names and the most rows the feature allows) so that
``tests/bot/test_templates.py`` proves the template stays inside Block Kit's limits.
"""
