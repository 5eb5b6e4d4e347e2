# A small image: dependencies built in one stage, copied into a slim runtime that runs as a non-root user.
#   docker build -t agora .
#   docker run --rm -v agora-data:/data agora check
#   docker run -d -e DISCORD_TOKEN=... -v agora-data:/data agora
# The base image is pinned to an exact Python release. To pin its exact bytes as well, append the digest that
# `docker buildx imagetools inspect python:3.11.13-slim-bookworm` prints: FROM python:3.11.13-slim-bookworm@sha256:…
# scripts/verify-image.sh performs the install steps below without Docker; keep the two in step.
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY requirements.lock pyproject.toml README.md LICENSE alembic.ini ./
COPY bot ./bot
COPY cogs ./cogs
COPY models ./models
COPY migrations ./migrations
# requirements.lock pins every dependency (scripts/lock-requirements.sh writes it).
RUN python -m venv /opt/agora && /opt/agora/bin/pip install --no-cache-dir -c requirements.lock .

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/agora/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/opt/agora/matplotlib
RUN useradd --create-home --uid 10001 agora && mkdir /data && chown agora /data
COPY --from=build /opt/agora /opt/agora
# matplotlib's font cache, built once here rather than in every new container (about a second at the first chart);
# any user may read it (`docker run --user`).
RUN python -c "import matplotlib.font_manager" && chmod -R a+rwX "$MPLCONFIGDIR"
USER agora
WORKDIR /data
# config.toml (optional), conduct files and the SQLite file live in /data; it must be writable by the user the
# container runs as (uid 10001 unless `--user` says otherwise). DISCORD_TOKEN comes from the environment.
VOLUME ["/data"]
ENTRYPOINT ["agora"]
CMD ["run"]
