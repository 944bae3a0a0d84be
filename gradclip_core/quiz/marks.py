"""What an answer's words are checked for before they are read, in the order it is done.

Worked examples are checked by arithmetic (:mod:`.examples`, :mod:`.figures`, :mod:`.scalars`,
:mod:`.stats`), calls against torch's signatures (:mod:`.api`), and questions and headings are
read as suppositions (:mod:`.asked`, :mod:`.headed`). Each leaves a marker word the bank's
misconceptions can name ("miscomputed", "misnamed", "suppose", ...). Reads the lower-cased
answer.
"""

from __future__ import annotations

from gradclip_core.quiz import api, asked, examples, figures, headed, scalars, stats


def mark(text: str) -> str:
    """``text`` (lower case) with every marker word set."""
    text = scalars.mark(figures.mark(examples.mark(text)))  # "miscomputed" & co
    return headed.mark(asked.mark(api.mark(stats.mark(text))))
