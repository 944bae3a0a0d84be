"""What a clause that only places something ("right after backward(), ...") places, when no clip
is named before it in its sentence (:func:`placed`, used by :mod:`.call_order`):

- a clip written as code later in the sentence, no object of an order word: "one extra line
  goes after backward() and before step(), namely clip_grad_norm_(...)";
- the answer's topic, the clip, rather than a later call that is itself the object of an order
  word, in a sentence that places by both "after" and "before": in "once per update, right
  after the last backward() and right before optimizer.step(), because ... the step uses that
  sum" the clause places the clip, not the step (a call is not placed against itself);
- else the subject found before; with none, nothing when the clause tells the state of the
  gradients instead ("before backward the gradient is None", "after step it was applied").
"""

from __future__ import annotations

_STATE = frozenset(
    {"none", "stale", "empty", "undefined", "applied", "consumed", "exist", "missing"}
)
_GRADS = frozenset(["grad", "grads", "gradient", "gradients"])


def placed(reader, subj, i: int, clause, n: int):
    """The mention a placing clause with its marker at answer index ``i`` places.

    Args:
        reader: the :class:`.call_order._Reader` of the answer.
        subj: the subject found the usual way (the mention before, or the next one), or None.
        i: the answer index of the marker ("after", "before", ...).
        clause: the placing clause; n: its index.
    """
    from gradclip_core.quiz.call_order import TOPIC, Mention  # (call_order imports this)

    sentence, topic = clause.sentence, Mention(TOPIC, n, -1, -1, False)

    def free(m) -> bool:
        return reader.sentence(m) == sentence and m.i not in reader.objects

    later = next(
        (m for m in reader.said if m.call == topic.call and m.code and m.i > i and free(m)), None
    )
    if later is not None:
        return later
    if subj is None:
        words = {t.raw for t in clause.toks}
        return None if words & _STATE and words & _GRADS else topic
    objects = [m for m in reader.said if m.i in reader.objects and reader.sentence(m) == sentence]
    both = {m.i in reader.earlier for m in objects} == {True, False}  # "after a ... before b"
    ordered = both and any(m.call == subj.call for m in objects)
    return topic if subj.i > i and ordered else subj
