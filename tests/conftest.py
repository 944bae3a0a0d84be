"""Every test sees the app's exceptions: ``GRADCLIP_RAISE=1`` makes ``ui/errors.py`` re-raise
instead of showing its message (a learner's server leaves it unset). The browser journeys'
``streamlit run`` inherits it."""

import os

os.environ.setdefault("GRADCLIP_RAISE", "1")
