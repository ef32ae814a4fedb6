# A small image running the CIR bot as a non-root user. Build: docker build -t cir-bot .
# It runs as production: set CIR_TIMELINE_KEY from your secret store (never a file on the same
# volume as the database, or whoever has the data has the key too) and, for more than one
# replica, DATABASE_URL to PostgreSQL.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=3000 \
    CIR_CONFIG_DIR=/app/config \
    CIR_ENV=production \
    DATABASE_URL=sqlite:////app/var/cir.db
RUN groupadd --system cir && useradd --system --gid cir --home-dir /app --shell /usr/sbin/nologin cir
WORKDIR /app
COPY --from=build /install /usr/local
COPY config ./config
RUN mkdir -p /app/var && chown -R cir:cir /app/var
USER cir
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import os,urllib.request;urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=2)"
CMD ["python", "-m", "bot", "serve"]
