"""Where the shipped folders are: in a checkout, the top-level ``templates/`` and
``migrations/``; in an installed wheel, ``partnerhub_core/templates`` and
``partnerhub_core/migrations`` (pyproject.toml maps the folders there). Every reader of
those folders asks here, so neither layout is assumed anywhere else."""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """The folder ``name`` ("templates" or "migrations"), installed or checked out."""
    installed = _PACKAGE / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


TEMPLATES_DIR = shipped_dir("templates")
MIGRATIONS_DIR = shipped_dir("migrations")
