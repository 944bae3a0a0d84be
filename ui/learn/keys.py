"""Keyboard shortcuts on the Learn page: Space shows a flashcard's answer, 1-4 answer.

Streamlit has no key bindings, so a small ``st.components.v2`` component (no iframe: its
script runs in the page itself) listens to ``keydown`` on the document and clicks the button
the key stands for. Buttons are found by their widget key, which Streamlit writes into the
class of the button's container (``st-key-learn_fc_show``), the same hook the browser tests
use; a label could change with a translation or an icon.

- Space: Show answer (flashcards).
- 1-4: Again, Hard, Good, Easy once the answer is shown; otherwise the multiple-choice
  options from top to bottom (their shuffled order on screen), or True (1) and False (2).

Keys typed into a text box, with Ctrl, Alt or Meta, or held down (repeats) are left alone.
"""

from __future__ import annotations

import functools

import streamlit as st

_JS = """
const TYPING = "input, textarea, select, [contenteditable]:not([contenteditable='false'])";
const RATINGS = ["learn_fc_again", "learn_fc_hard", "learn_fc_good", "learn_fc_easy"];

function byKey(key) {
  return document.querySelector(`.st-key-${key} button:not([disabled])`);
}

function target(event) {
  if (event.code === "Space" || event.key === " ") return byKey("learn_fc_show");
  if (!/^[1-9]$/.test(event.key)) return null;
  const n = Number(event.key) - 1;
  if (n < RATINGS.length && byKey(RATINGS[n])) return byKey(RATINGS[n]);
  const options = document.querySelectorAll(
    "[class*='st-key-learn_mc_option_'] button:not([disabled])"
  );
  if (options.length) return options[n] || null;
  return [byKey("learn_tf_true"), byKey("learn_tf_false")][n] || null;
}

function onKey(event) {
  if (event.defaultPrevented || event.repeat) return;
  if (event.ctrlKey || event.altKey || event.metaKey) return;
  const from = event.target;
  if (from && from.closest && from.closest(TYPING)) return;
  const button = target(event);
  if (!button) return;
  // Ours, not the focused element's: Space would also press a focused button on key-up.
  event.preventDefault();
  event.stopPropagation();
  if (document.activeElement && document.activeElement !== document.body) {
    document.activeElement.blur();
  }
  button.click();
}

export default function () {
  if (window.__gradclipLearnKeys) {
    document.removeEventListener("keydown", window.__gradclipLearnKeys, true);
  }
  window.__gradclipLearnKeys = onKey;
  document.addEventListener("keydown", onKey, true);
}
"""


@functools.cache
def _component():
    return st.components.v2.component("gradclip_learn_keys", js=_JS, html="")


def render_keys() -> None:
    """Mount the listener (once per page; later runs only refresh it)."""
    _component()(key="learn_keys")
