# gradclip: one replica of the app (`streamlit run app.py`) on port 8501.
# compose.yaml runs three of them behind HAProxy (deploy/haproxy.cfg) with PostgreSQL.
# Alone:  docker build -t gradclip . && docker run --rm -p 8501:8501 gradclip
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# torch from PyTorch's CPU index first, at the version requirements.txt pins: PyPI's Linux
# wheel pulls several GB of CUDA libraries the app does not use.
COPY requirements.txt .
RUN torch="$(sed -n 's/^torch==\([0-9.]*\).*/\1/p' requirements.txt)" \
 && test -n "$torch" \
 && pip install --index-url https://download.pytorch.org/whl/cpu "torch==${torch}" \
 && pip install -r requirements.txt

# Only what the app reads at run time (never .streamlit/secrets.toml: configure the database
# with GRADCLIP_DATABASE_URL).
COPY .streamlit/config.toml ./.streamlit/config.toml
COPY app.py ./
COPY app_pages ./app_pages
COPY ui ./ui
COPY gradclip_core ./gradclip_core
COPY lessons ./lessons
COPY assets/plotly ./assets/plotly

# Plotly's script for the live chart, served from static/ (ui/live_chart.py copies it there
# when missing; here it is in the image). The app runs as an unprivileged user.
RUN mkdir -p static \
 && cp assets/plotly/plotly-cartesian.min.js static/ \
 && useradd --create-home --uid 10001 gradclip \
 && chown -R gradclip /app
USER gradclip

EXPOSE 8501
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=2)"]
# 0.0.0.0 inside the container: the proxy reaches it over the compose network.
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]
