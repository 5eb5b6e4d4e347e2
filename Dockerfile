# A small image: dependencies built in one stage, copied into a slim runtime that runs as a non-root user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
COPY cogs ./cogs
COPY models ./models
COPY migrations ./migrations
RUN python -m venv /opt/agora && /opt/agora/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 agora && mkdir /data && chown agora /data
COPY --from=build /opt/agora /opt/agora
ENV PATH=/opt/agora/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib
USER agora
WORKDIR /data
VOLUME ["/data"]
# config.toml (optional) and the SQLite file live in /data. DISCORD_TOKEN comes from the environment:
#   docker run -e DISCORD_TOKEN=... -v agora-data:/data agora
CMD ["python", "-m", "bot"]
