"""``python -m gradclip_core``: see :mod:`gradclip_core.cli`."""

import sys

from .cli import main

sys.exit(main())
