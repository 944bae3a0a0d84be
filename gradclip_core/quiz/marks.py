"""What an answer's words are checked for before they are read, in the order it is done.

The body of a code branch that handles a bad batch and leaves the iteration is dropped first
(:mod:`.skipbranch`), and so are hedges ("I reckon", "if I remember right": :mod:`.hedged`), and
"each other" is read as no "each" (:mod:`.reciprocal`); a comment just above a clipping call is
given that call as its subject (:mod:`.overhead`) and steps labelled by letters are read as numbered
(:mod:`.lettered`). Worked examples are checked by arithmetic (:mod:`.arith`, :mod:`.examples`,
:mod:`.angles`, :mod:`.effective`, :mod:`.growth`, :mod:`.agcmath`, :mod:`.factored`,
:mod:`.figures`, :mod:`.scalars`, :mod:`.stats`, :mod:`.vecnorm`, :mod:`.unsquared`; products
written with "x" and vector entries first read by :mod:`.numerals`), formulas in symbols
(:mod:`.formulas`, :mod:`.ratios`, :mod:`.padded`, :mod:`.rescaled`, :mod:`.updates`; superscript
powers first read by :mod:`.powers`), conditions turned round (:mod:`.conditions`, after
:mod:`.arrowcond` reads "x > c → act", in code :mod:`.codecond`), a total norm summed in code
(:mod:`.summed`), calls and stated defaults against torch's signatures (:mod:`.api`,
:mod:`.defaults`), the norm a clip sees before unscale_ (:mod:`.inflated`), a norm said to come back
from clip_grad_value_ (:mod:`.returned`), a value range from zero (:mod:`.onesided`), a threshold
said to lie between two numbers it is not between (:mod:`.ranged`), what a clipping call is given
(:mod:`.argued`), AGC's factor said to be λ alone (:mod:`.bylambda`) and weights clamped in code
(:mod:`.paramclamp`), norm clipping told as an entry-by-entry cap and wrong definitions
(:mod:`.entrywise`, :mod:`.definitions`), and questions, headings and the turns of a dialogue that
the next turn rejects are read as suppositions (:mod:`.asked`, :mod:`.headed`, :mod:`.dialogue`),
and so are beliefs the answer retracts, clauses it repairs in mid-sentence ("x, no wait, y":
:mod:`.retracted`) or ways it rejects by a verdict after them (:mod:`.avoided`), worked cases it
labels (:mod:`.cases`) or works through for per-micro-batch clipping (:mod:`.perclip`), mistakes
it tells as stories (:mod:`.reported`) or narrates in an incident report (:mod:`.incident`) and
mistakes it confesses or puts down to others
(:mod:`.confessed`) or names under a label (:mod:`.pitfalls`), ways quoted only to be denied
(:mod:`.quoted`), beliefs denied at once and bugs told from past projects (:mod:`.hindsight`),
practices likened to something (:mod:`.likened`), the code an answer reviews (:mod:`.reviewed`) and
what it says of another framework or an older PyTorch (:mod:`.foreign`), and a sentence led by
"either way" goes on from a choice (:mod:`.eitherway`); a span between two calls names no call
(:mod:`.spans`); an accumulation loop that zeroes every micro-batch is marked (:mod:`.loopzero`),
and so is one that steps on micro-batch 0 (:mod:`.offbyone`); what goes wrong when a step is skipped
is marked as such (:mod:`.omitted`), a gradient sign read as a word (:mod:`.nabla`), the 1 in
"min(1, ...)" (:mod:`.minone`), a norm's type subscript (:mod:`.normtypes`), a direction as a unit
vector (:mod:`.unitdir`), the verb "means" as "implies" (:mod:`.meant`), "inf/nan" as "inf or nan"
(:mod:`.slashed`), "as if the learning rate were smaller" as a comparison (:mod:`.asif`) and
"raises" said of the loss scale as "grows" (:mod:`.raised`), "bigger ones" as the noun they stand
for (:mod:`.sizedones`), a bare "in between" as between the two calls named before
(:mod:`.inbetween`), "after that <call>" as "then" (:mod:`.afterthat`), the call an "and then
again ..." repeats (:mod:`.again`), an analogy glossed in brackets by the mode it stands for
(:mod:`.glossed`) and "tanh'" as tanh's derivative (:mod:`.primed`), a function's signature is
read as a supposition (:mod:`.signature`), and the wordings of long answers' tangents,
such as "they mean", "large-scale", "as insurance against", "number of parameters" and
"foreach=None" (:mod:`.tangents`). Once checked, a short fraction is read as its value
(:mod:`.quotients`). Each leaves a marker word the bank's misconceptions can name ("miscomputed",
"misnamed", "misdefaulted", "misclamped", "misconditioned", "misweighted", "suppose", ...), or a
concept can ("onefactor"). Reads the lower-cased answer.
"""

from __future__ import annotations

from gradclip_core.quiz import (
    afterthat,
    again,
    agcmath,
    angles,
    api,
    argued,
    arith,
    arrowcond,
    asif,
    asked,
    avoided,
    beliefs,
    bylambda,
    cases,
    clipreturn,
    codecond,
    conditions,
    confessed,
    defaults,
    definitions,
    dialogue,
    effective,
    eitherway,
    entrywise,
    examples,
    factored,
    figures,
    foreign,
    formulas,
    glossed,
    growth,
    headed,
    hedged,
    hindsight,
    inbetween,
    incident,
    inflated,
    lettered,
    levelled,
    likened,
    loopzero,
    meant,
    minone,
    nabla,
    normtypes,
    numerals,
    offbyone,
    omitted,
    onesided,
    overhead,
    padded,
    paramclamp,
    perclip,
    pitfalls,
    powers,
    primed,
    projections,
    quoted,
    quotients,
    raised,
    ranged,
    ratios,
    reciprocal,
    reported,
    rescaled,
    retracted,
    returned,
    reviewed,
    scalars,
    scalecause,
    signature,
    sizedones,
    skipbranch,
    slashed,
    spans,
    stats,
    submodule,
    summed,
    tangents,
    unitdir,
    unsquared,
    updates,
    vecnorm,
    worked,
)


def mark(text: str) -> str:
    """``text`` (lower case) with every marker word set."""
    text = text.replace("\u2212", "-")  # the minus sign "−" as "-": "(6, −8)" is a vector
    text = hedged.mark(skipbranch.mark(text))  # "if bad: ... continue" dropped; "i reckon" too
    text = reciprocal.mark(text)  # "each other" read as "mutually": no "each" entry
    text = afterthat.mark(text)  # "and only after that optimizer.step()": "then"
    text = inbetween.mark(text)  # "goes in between" the two calls named before
    text = glossed.mark(text)  # "capping each one (value clipping: ...)": about value
    text = primed.mark(text)  # "tanh' <= 1": the derivative
    text = again.mark(text)  # "..., and then again right before step()": the call named
    text = sizedones.mark(text)  # "bigger ones" after "gradients": "bigger gradients"
    text = overhead.mark(text)  # "# rescales ...\nclip_grad_value_(...)": said of that call
    text = lettered.mark(text)  # "(a) backward; (b) clip; (c) step": read as (1), (2), (3)
    text = foreign.mark(text)  # "the torch equivalent", "clipnorm there clips ...": "suppose"
    text = projections.mark(text)  # "the ball projection" as "norm clipping"
    text = unitdir.mark(
        normtypes.mark(text)
    )  # "‖g‖_∞" read as "the inf norm", "||g||_1" as "the l1 norm"
    text = unsquared.mark(numerals.products(text))  # "0.01 x 2": a product; "sqrt(6 + 8)"
    text = factored.mark(vecnorm.mark(powers.mark(text)))  # "6·10⁸" read as 6e8; "onefactor"
    text = ratios.mark(formulas.mark(text))  # "misinverted", "misfloored", "misdivided"
    text = rescaled.mark(padded.mark(text))  # "mispadded", "misrescaled": max_norm * scale
    text = updates.mark(text)  # "misformed", "misvalued", "onefactor": g <- g * c / ||g||²
    text = summed.mark(text)  # "missummed": "total = sum(p.grad.norm() for p in ...)"
    text = codecond.mark(text)  # "misconditioned", "mislevelled": "if total < max_norm: mul_"
    text = conditions.mark(
        arrowcond.mark(text)
    )  # "misconditioned": "clips when the ratio is below lambda"
    text = levelled.mark(text)  # "mislevelled": "scales every gradient so its norm is max_norm"
    text = growth.mark(examples.mark(arith.mark(text)))  # "miscomputed": 1.1^100 is not 110
    text = angles.mark(text)  # "miscomputed": "(3, 4) -> (1, 1) rotates it by 45°"
    text = scalars.mark(figures.mark(text))  # "miscomputed" & co
    text = effective.mark(worked.mark(text))  # "miscomputed": aligned sums; an lr
    text = agcmath.mark(text)  # "miscomputed": AGC's norm or factor not λ·max(‖W‖, 1e-3)/‖G‖
    text = defaults.mark(stats.mark(inflated.mark(text)))  # "misdefaulted"; 2 x 1024 unscaled
    text = ranged.mark(returned.mark(text))  # "misreturned": clip_grad_value_'s norm; "misranged"
    text = clipreturn.mark(text)  # "postreturned": clip_grad_norm_ said to return max_norm
    text = onesided.mark(text)  # "onesided": clip_grad_value_ "into [0, 0.5]"
    text = definitions.mark(entrywise.mark(text))  # "misclamped", "misdefined", "misdisabled"
    text = quotients.mark(text)  # "1/4" read as 0.25
    text = argued.mark(text)  # "mispassed", "mislinked": the loss clipped, max_norm=lr
    text = bylambda.mark(text)  # "mislambdaed": AGC multiplying the gradient by λ alone
    text = submodule.mark(text)  # "mislayered": clip_grad_norm_(model.fc.parameters(), ...)
    text = paramclamp.mark(text)  # "misweighted": p.data.clamp_(-1, 1), the weights clamped
    text = headed.mark(dialogue.mark(asked.mark(api.mark(text))))  # "misnamed", "suppose"
    text = retracted.mark(text)  # "suppose": "i first thought ..., but ...", "x, no wait, y"
    text = reported.mark(text)  # "suppose": "a classic bug is ...", "we had ... and it did nothing"
    text = incident.mark(text)  # "suppose": "incident: our clip had been placed before ..."
    text = confessed.mark(text)  # "suppose": "i got this wrong at first: i had ..."
    text = pitfalls.mark(text)  # "suppose": "common mistake: thinking it enlarges ..."
    text = beliefs.mark(text)  # "suppose": "people think ...", "a myth is that ..."
    text = quoted.mark(text)  # "suppose": "it is not 'clip, then backward'"
    text = likened.mark(text)  # "suppose": "clipping every micro-batch is like ..."
    text = hindsight.mark(text)  # "suppose": "thinking it was the same; it isn't"
    text = reviewed.mark(text)  # "suppose": "right now you clip and then unscale"
    text = spans.mark(text)  # "between resets": "between zero_grad() calls" names no call
    text = offbyone.mark(loopzero.mark(text))  # "miszeroed"; "miswindowed": i % k == 0 from 0
    text = eitherway.mark(text)  # "either way, clip once ...": "anyway", no sameness claimed
    text = avoided.mark(scalecause.mark(text))  # "suppose": "x should be avoided"; "misupdated"
    text = perclip.mark(text)  # "suppose": "per-micro-batch clipping gives (0.59, 2.94)"
    text = numerals.entries(cases.mark(text))  # "suppose": "clip each time: ..."; "(00, 5)"
    text = omitted.mark(text)  # "skipcase": "if you skip the unscale, the clip ..."
    text = meant.mark(text)  # "which means ..." read as "which implies ...", no average
    text = asif.mark(text)  # "behaves as if the lr were smaller": "like a smaller lr"
    text = slashed.mark(text)  # "inf/nan" read as "inf or nan", no division
    text = raised.mark(text)  # "update() raises it" (the scale) read as "grows it"
    text = signature.mark(text)  # "suppose": "def adaptive_clip_(weight, ...)" names inputs
    text = tangents.mark(text)  # "keeps x from", "they mean", "large-scale", "doesn't ... again"
    text = minone.mark(text)  # "min(1, c/‖g‖)": the 1 is a cap, not "one factor"
    return nabla.mark(text)  # "∇W_i" read as "grad w_i"
