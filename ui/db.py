"""The app's database: class sessions and saved progress, through ``st.connection("sql")``.

A SQLite file next to the app by default (nothing to install). Set ``GRADCLIP_DATABASE_URL``
(e.g. ``postgresql+psycopg://user:password@host:5432/gradclip``) or a ``[connections.sql]``
``url`` in ``.streamlit/secrets.toml`` to share one PostgreSQL database between several
servers (a school). The stores are made once per server process and URL.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from gradclip_core.classroom import ClassStore
from gradclip_core.progress_store import ProgressStore

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = f"sqlite:///{ROOT / 'gradclip.db'}"
ENV = "GRADCLIP_DATABASE_URL"


def database_url() -> str:
    """The URL in force: the environment, then Streamlit's secrets, then the SQLite file."""
    if url := os.environ.get(ENV, "").strip():
        return url
    try:
        url = st.secrets.get("connections", {}).get("sql", {}).get("url")
    except (FileNotFoundError, KeyError, AttributeError):  # no secrets file: the default
        url = None
    except Exception:  # noqa: BLE001 - a broken secrets file must not stop the app
        url = None
    return str(url) if url else DEFAULT_URL


@st.cache_resource(show_spinner=False)
def _stores(url: str) -> tuple[ClassStore, ProgressStore]:
    engine = st.connection("sql", type="sql", url=url).engine
    return ClassStore(engine), ProgressStore(engine)


def class_store() -> ClassStore:
    return _stores(database_url())[0]


def progress_store() -> ProgressStore:
    return _stores(database_url())[1]
