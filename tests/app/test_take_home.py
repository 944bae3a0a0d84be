"""The Playground's ways out: Step inside, Compare with…, and Take it home (AppTest)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from gradclip_core.compare import Setting
from gradclip_core.export import config_to_toml
from gradclip_core.presets import load_presets
from gradclip_core.script import standalone_script
from ui.playground.take_home import read_settings

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_code_shown_is_the_runs_own_script():
    at = _app({"preset": "healthy"})
    config = at.session_state["run"].config
    code = at.code[0].value
    assert code.strip() == standalone_script(config, steps=300, variant="plain").strip()
    assert "clip_grad_norm_" in code and "gradclip" not in code.split('"""')[-1]
    at.radio(key="take_home_variant").set_value("amp").run()
    assert "scaler.unscale_(optimizer)" in at.code[0].value


def test_compare_with_opens_compare_with_this_run_first():
    at = _app({"preset": "healthy"})
    at.button(key="btn_compare").click().run()
    assert not at.exception, at.exception
    runs = list(at.session_state["cmp_runs"])
    config = load_presets()["healthy"].config
    assert runs[0] == Setting(config.clip_mode, config.threshold).token == "norm:2"
    assert len(runs) == 4 and len(set(runs)) == 4
    assert at.session_state["cmp_base"].seed == config.seed
    assert at.session_state["cmp_base"].model == config.model


def test_a_settings_file_reads_back_and_a_bad_one_says_what_is_wrong():
    wanted = load_presets()["healthy"].config.replace(lr=0.003, seed=11)
    config, error = read_settings("run.toml", config_to_toml(wanted).encode())
    assert config == wanted and error is None
    config, error = read_settings("bad.toml", b"[config]\ndepth = 500\n")
    assert config is None
    assert error.startswith("bad.toml could not be loaded, so the run keeps its settings")
    assert "depth: 500 is out of range (allowed 1 to 24" in error
    assert "not a text file" in read_settings("x.toml", b"\xff\xfe\x00")[1]
    assert "at most 65,536 bytes" in read_settings("big.toml", b"#" * 70_000)[1]
