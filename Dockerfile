# partnerhub: one image for the Procfile's three processes.
#   docker build -t partnerhub .
#   docker run --rm -e DATABASE_URL=postgresql://... partnerhub partnerhub db upgrade   # release
#   docker run -p 3000:3000 -e DATABASE_URL=... -e SLACK_BOT_TOKEN=... partnerhub       # web (default)
#   docker run -e DATABASE_URL=... partnerhub partnerhub worker                          # worker
# docs/deploy.md has the compose file and the Kubernetes probes.

# --- build: the wheel and the pinned dependencies, as wheels -----------------------------
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY requirements.txt ./
RUN pip wheel --wheel-dir /wheels -r requirements.txt
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY partnerhub_core ./partnerhub_core
COPY templates ./templates
COPY migrations ./migrations
RUN pip wheel --no-deps --wheel-dir /wheels .

# --- run: no compiler, no source tree, not root ---------------------------------------------
FROM python:3.11-slim
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1 \
    PARTNERHUB_ENVIRONMENT=production PORT=3000
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links /wheels /wheels/partnerhub-*.whl && rm -rf /wheels \
 && useradd --create-home --uid 10001 partnerhub
USER partnerhub
WORKDIR /home/partnerhub
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"3000\")}/healthz', timeout=2)"
CMD ["partnerhub", "serve"]
