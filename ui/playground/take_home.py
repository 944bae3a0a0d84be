"""Take it home: the run's code, settings and history as downloads, and settings loaded back.

Everything is made on the server from the run itself and handed to the browser as a
download: nothing is uploaded anywhere. A settings file the learner loads back is checked
like a shared link: a bad one is named with what is wrong and what is allowed, and the run
keeps its settings.
"""

from __future__ import annotations

import streamlit as st

from gradclip_core.config import ConfigError, TrainConfig
from gradclip_core.export import config_from_toml, config_to_toml, history_csv
from gradclip_core.script import standalone_script
from ui.live import LiveRun
from ui.playground.controls import seed_widgets

VARIANTS = {
    "plain": "This run, step for step",
    "amp": "With mixed precision (AMP)",
    "accumulation": "With gradient accumulation",
}
UPLOAD_KEY = "take_home_upload"  # not "w_…": those are settings, kept across pages
MAX_BYTES = 64 * 1024
SCRIPT_STEPS = 300


def read_settings(name: str, data: bytes) -> tuple[TrainConfig | None, str | None]:
    """A settings file's config, or why it cannot be loaded (what is wrong, what is allowed)."""
    name = name[:60]
    if len(data) > MAX_BYTES:
        return None, (
            f"{name} is {len(data):,} bytes; a settings file is at most {MAX_BYTES:,} bytes "
            "(a small TOML file, like the one “Settings (TOML)” downloads)."
        )
    try:
        return config_from_toml(data.decode("utf-8")), None
    except UnicodeDecodeError:
        return None, (
            f"{name} is not a text file; load a TOML file like the one “Settings (TOML)” downloads."
        )
    except ConfigError as err:
        return None, f"{name} could not be loaded, so the run keeps its settings: {err}"


def load_settings_file() -> None:
    """The uploader's callback: seed the sidebar from the file, or say what is wrong with it."""
    ss = st.session_state
    upload = ss.get(UPLOAD_KEY)
    if upload is None:
        return
    config, error = read_settings(upload.name, upload.getvalue())
    if error:
        ss["take_home_error"] = error
        return
    seed_widgets(config)
    ss["notice"] = f"Loaded the settings of {upload.name[:60]}. Press Start."


def _csv(run: LiveRun) -> bytes:
    with run.locked() as trainer:
        return history_csv(trainer) if trainer is not None else b""


def render_take_home(run: LiveRun) -> None:
    """The "Take it home" expander under the charts."""
    ss = st.session_state
    with st.expander("Take it home: code, settings and history", icon=":material/download:"):
        config = run.config
        code_tab, files_tab = st.tabs(["Code for this run", "Settings and history"])
        with code_tab:
            variant = st.radio(
                "Script",
                list(VARIANTS),
                format_func=VARIANTS.get,
                horizontal=True,
                key="take_home_variant",
                help="A standalone script that needs only PyTorch. The first reproduces this "
                "run's numbers on the CPU; the other two show where the clipping call goes "
                "with mixed precision or with gradient accumulation.",
            )
            script = standalone_script(config, steps=SCRIPT_STEPS, variant=variant)
            st.download_button(
                "Download the script",
                script.encode(),
                file_name=f"gradclip_{config.model}_{config.clip_mode}_{variant}.py",
                mime="text/x-python",
                icon=":material/code:",
                key="take_home_script",
                on_click="ignore",  # a download changes nothing on the page: no rerun
            )
            st.code(script, language="python", line_numbers=True, height=420)
        with files_tab:
            left, right = st.columns(2)
            left.download_button(
                "Settings (TOML)",
                config_to_toml(config).encode(),
                file_name="gradclip_run.toml",
                mime="application/toml",
                icon=":material/tune:",
                key="take_home_toml",
                on_click="ignore",  # a download changes nothing on the page: no rerun
                help="Load it back here, or run it from the command line: "
                "python -m gradclip_core train --config gradclip_run.toml",
            )
            with run.locked() as trainer:
                steps = trainer.steps_done if trainer is not None else 0
            right.download_button(
                f"History (CSV, {steps:,} steps)",
                lambda: _csv(run),  # made when clicked: a long history costs nothing until then
                file_name="gradclip_history.csv",
                mime="text/csv",
                icon=":material/table:",
                key="take_home_csv",
                on_click="ignore",  # a download changes nothing on the page: no rerun
                disabled=steps == 0,
                help="One row per step, the same columns as the command line's --out.",
            )
            st.file_uploader(
                "Load settings from a file",
                type=["toml"],
                key=UPLOAD_KEY,
                on_change=load_settings_file,
                help="A settings file downloaded here (or a preset file). The sidebar takes "
                "its settings; press Start to train them.",
            )
            # Under the uploader, last in its tab: an element added above the tabs would make
            # the browser draw them anew, on their first tab, hiding the uploader just used.
            if error := ss.pop("take_home_error", None):
                st.error(error, icon=":material/error:")
