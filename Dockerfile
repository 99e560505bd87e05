# One image for all four services; docker-compose.yml picks the service with its `command`
# (python -m services.identity | projects | hours | notifications).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first (pinned in pyproject.toml) so code changes reuse this layer.
COPY pyproject.toml ./
RUN mkdir -p shared services \
    && touch shared/__init__.py services/__init__.py \
    && pip install . \
    && pip uninstall -y volunteer-hours \
    && rm -rf shared services build *.egg-info

COPY shared ./shared
COPY services ./services
RUN pip install --no-deps . && rm -rf build *.egg-info

RUN useradd --system --create-home --home-dir /home/app --uid 10001 app \
    && mkdir -p /app/.data && chown app:app /app/.data
USER app

ENV HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8000 \
    LOG_FORMAT=json
EXPOSE 8000

# Embedded mode by default; compose overrides this per service.
CMD ["python", "-m", "services"]
