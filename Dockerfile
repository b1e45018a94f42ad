# One image for every Python process of the kit: the monolith (web, Celery worker, gRPC),
# Flower, the gateway and, from later stages on, each extracted service. docker-compose.yml
# picks the command of each container.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STRANGLER_VAR_DIR=/var/lib/shop

WORKDIR /app
COPY . .
RUN pip install . \
    && useradd --system --home-dir /app shop \
    && mkdir -p /var/lib/shop \
    && chown shop /var/lib/shop
USER shop
EXPOSE 8000 8001 5555 9001
CMD ["python", "-m", "gunicorn", "monolith.shop.wsgi:application", "--bind", "0.0.0.0:8001"]
