#!/usr/bin/env bash
# Until the first release there is one initial revision; it is regenerated from the
# models whenever they change (`make migration`). After a release, add revisions instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migrations/versions/0001_initial.py
PARTNERHUB_DATABASE_URL="sqlite:///$tmp/empty.db" .venv/bin/alembic revision --autogenerate \
  --rev-id 0001 -m "initial schema" >/dev/null
mv migrations/versions/0001_initial_schema.py migrations/versions/0001_initial.py
rm -rf "$tmp"
echo "migrations/versions/0001_initial.py regenerated"
