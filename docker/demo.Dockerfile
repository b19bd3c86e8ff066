# The demo's Python services (legacy monolith, notes service, load generator) for docker/compose.yaml.
#   docker build -f docker/demo.Dockerfile -t cutover-demo .      (from the repository root)
# Debian's python3 and python3-jwt, the demo/ folder, a non-root user. Which program runs is the
# compose service's command; without one, the legacy monolith on 0.0.0.0:8000.
FROM debian:12-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-jwt \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10002 demo \
    && useradd --system --uid 10002 --gid demo --no-create-home --shell /usr/sbin/nologin demo
COPY demo/ /opt/cutover-demo/
WORKDIR /opt/cutover-demo
USER demo
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
EXPOSE 8000 9000
CMD ["python3", "legacy_app.py", "--host", "0.0.0.0", "--port", "8000"]
