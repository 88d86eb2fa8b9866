"""partnerhub core: the Partner Hub domain. Knows nothing of Slack."""
