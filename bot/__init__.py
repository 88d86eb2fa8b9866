"""The outer layer of partnerhub: the Slack app, the worker and the CLI."""
