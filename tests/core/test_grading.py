"""Explanation grading against the real explain bank: answers written the way people write them.

Good answers (typos, plurals, other word orders, synonyms) must earn every concept; wrong, empty
or question-repeating answers must not.
"""

from pathlib import Path

import pytest

from gradclip_core.quiz import Concept, ExplainPrompt, load_bank
from gradclip_core.quiz_grading import MAX_ANSWER_CHARS, dead_phrases, grade_explanation

QUIZ = Path(__file__).resolve().parents[2] / "lessons" / "quiz"

GOOD = {
    "cs-ex-what-why": [
        "Gradient clipping caps the gradients at a maximum size so they can't explode, which "
        "keeps training stable.",
        "It limits the norm of the gradient to a threshold. Without it, exploding gradients give "
        "huge weight updates and training diverges; with it training stays stable.",
        "clipping rescales the gradients when they get too big. this stops exploding gradients "
        "and makes the training more stable",
        "When the gradient norm goes over a threshold it is scaled down. It protects against "
        "exploding gradeints and the model doesnt diverge.",
        "Stops gradients from blowing up by capping them, so the updates stay reasonable.",
        "Large gradients get clamped to a max value. That avoids the exploding gradient problem "
        "and gives stable learning.",
        "Its a way to put a ceiling on gradient magnitude so a single bad batch can't blow the "
        "gradients up and wreck the weights; training is much more stable.",
        "Clipping shrinks any gradient whose norm exceeds a chosen limit. Exploding gradients "
        "would otherwise cause enormous steps and the loss jumps to NaN. It keeps optimisation "
        "steady.",
        "gradients explode sometimes, especially in RNNs. clipping restricts there size to a "
        "threshold so the training process remains stable",
        "Stability: the gradient is cut down to a fixed max norm, so exploding gradiants can't "
        "produce giant updates.",
        "It makes sure the gradients never exceed a threshold. That avoids exploding gradients "
        "and keeps the weight updates from being too large, so training is stable.",
        "It rescales gradients that are too big so that the weights do not get huge updates and "
        "training does not blow up.",
        "Keeps the gradient norm under a limit. Helps against exploding gradients and makes "
        "training more robust.",
    ],
    "cs-ex-how-loop": [
        "Call loss.backward(), then torch.nn.utils.clip_grad_norm_(model.parameters(), "
        "max_norm=1.0), then optimizer.step().",
        "after computing the gradients with loss.backward() you clip them with clip_grad_norm_ "
        "and a max norm, before you call optimizer.step()",
        "Put clip_grad_norm_(params, 1.0) between the backward pass and optimizer.step().",
        "In the loop: zero_grad, forward, loss, backward, then clip the grads with "
        "torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5), and finally step "
        "the optimizer.",
        "Once loss.backward() has filled the .grad fields, call clip_grad_norm_ on "
        "model.parameters() with max_norm set, before calling optimizer.step().",
        "The clipping goes right after backward and right before the optimizer step: "
        "torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)",
        "backprop first (loss.backward()), clip the gradient norm to e.g. 1 with "
        "clip_grad_norm_, then optimiser.step()",
        "you do optimizer.zero_grad(), compute the loss, call loss.backward(), then "
        "clip_grad_value_(model.parameters(), 1.0), then optimizer.step()",
        "Clip after loss.backward but before optimizer.step, using torch.nn.utils.clip_grad_norm_ "
        "with a max_norm like 1.0.",
        "after the backward pass i use nn.utils.clip_grad_norm_(model.parameters(), max_norm=5) "
        "and then the optimizer steps",
        "loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); "
        "optimizer.step()",
        "zero_grad, forward, loss, backward, clip_grad_value_(params, 0.5), step",
        "Right after backpropagation compute and clip the norm with clip_grad_norm_, then update "
        "the weights with optimizer.step().",
    ],
    "ex-norm-vs-value": [
        "By norm scales the whole gradient vector by one factor so its direction is kept; by "
        "value clamps each element separately, which can change the direction.",
        "Norm clipping looks at the total length of all gradients and rescales them together, "
        "keeping the same direction. Value clipping cuts every entry to +/- the limit "
        "individually, so the direction may change.",
        "norm: shrink the entire vector uniformly, direction preserved. value: clamp each "
        "component on its own, direction can be distorted",
        "Clipping by norm multiplies all gradients by the same factor when the overall norm is "
        "above the threshold. Clipping by value caps each individual gradient number at ±c. The "
        "first keeps the direction, the second doesn't.",
        "With value clipping every coordinate is clipped independently, e.g. (3,4) becomes (1,1) "
        "and points somewhere else; with norm clipping (3,4) becomes (0.6,0.8), same direction, "
        "because the whole vector is scaled down.",
        "Norm-based clipping rescales globally, value-based clipping works element-wise. Only "
        "norm clipping keeps the gradient pointing the same way.",
        "clip by norm = one scaling factor for everything, direction unchanged. clip by value = "
        "each entry clamped to [-c, c] separately, so the direction can change",
        "The norm version treats all the gradients as a single vector and shortens it without "
        "changing its direction. The value version limits each number in the gradient "
        "separately, which can alter the direction.",
        "Norm clipping: if ||g|| > max_norm, g = g * max_norm/||g||, so all entries are scaled "
        "by the same amount and the direction stays the same. Value clipping: every entry is "
        "clamped on its own, changing the direction.",
        "value clipping clamps each elemnt to a max absolute value, so big components get cut "
        "more than small ones and the direction changes; norm clipping shrinks the full vector "
        "proportionally, keeping the direction",
    ],
    "ex-rnn-explode": [
        "Backprop multiplies the gradient by the same recurrent weight matrix at every time step; "
        "if its largest eigenvalue is above 1 the product grows exponentially.",
        "The chain rule gives a product of many Jacobians, one per layer or time step. When "
        "those factors are bigger than one, it blows up exponentially.",
        "In an RNN you multiply by W again and again over a long sequence, and a spectral radius "
        "> 1 makes the gradient grow geometrically.",
        "Deep nets have lots of layers and the gradient is multiplied by each layer's weights on "
        "the way back; if those are larger than 1, the gradients grow exponentially.",
        "Because of repeated multiplication by the same matrix through many time steps: if its "
        "singular values exceed 1 the gradient explodes exponentially.",
        "The gradient at early layers is a product of many terms. With many layers or time "
        "steps, terms > 1 compound exponentially.",
        "RNNs apply the same weights at each timestep, so backpropagation through time raises "
        "the recurrent matrix to a high power; when its spectral radius is bigger than 1 this "
        "explodes.",
        "backpropagation multiplies many factors together, one for every layer, and if they are "
        "mostly greater than one the result grows exponentially",
        "Each step back through time multiplies the gradient by the recurrent matrix; with "
        "eigenvalues above one this compounds exponentially over long sequences.",
        "Because the gradient is multiplied layer after layer (or time step after time step) by "
        "weights larger than one, so it grows exponentialy with depth.",
    ],
    "ex-amp": [
        "Call scaler.unscale_(optimizer) after backward, then clip_grad_norm_, then "
        "scaler.step(optimizer) and scaler.update(). Otherwise you'd clip gradients that are "
        "still multiplied by the loss scale.",
        "First unscale the grads with scaler.unscale_(opt) so they're the real gradients, clip, "
        "then scaler.step and scaler.update.",
        "The scaled gradients are huge because of the scale factor, so unscale them first, clip, "
        "and then let scaler.step(optimizer) and scaler.update() finish.",
        "scaler.scale(loss).backward(); scaler.unscale_(optimizer); clip_grad_norm_(...); "
        "scaler.step(optimizer); scaler.update() - unscaling matters because the threshold is "
        "meant for the true gradient values.",
        "You must unscale before clipping, since the scaler inflated the gradients; clipping "
        "them inflated would compare the wrong values to max_norm. Afterwards call scaler.step "
        "and update.",
        "unscale_ first (the grads are multiplied by the loss scale, e.g. 65536), then clip, "
        "then step with the scaler and update it.",
        "Gradients are scaled by the GradScaler, so divide the scale out via "
        "scaler.unscale_(optimizer) before clip_grad_norm_; then do scaler.step(optimizer) and "
        "scaler.update().",
        "Use scaler.unscale_ before clipping so the clipping threshold applies to the actual "
        "gradients and not the scaled ones; then scaler.step() and scaler.update().",
        "Unscale, clip, step, update: the scaler's step and update come last, and unscaling is "
        "needed because otherwise max_norm would be checked against gradients multiplied by the "
        "scale factor.",
        "after scaler.scale(loss).backward() I call scaler.unscale_(optimizer) so the grads are "
        "back to their true size, then clip, then scaler.step(optimizer), scaler.update()",
    ],
    "ex-accumulation": [
        "Clip once, after the last micro-batch's backward and right before optimizer.step(), "
        "because the optimizer uses the total accumulated gradient.",
        "Only one time per update: after all the micro-batches have been accumulated. The sum is "
        "what gets applied, so that's what you limit.",
        "After the final micro batch, just before step. Clipping each partial sum doesn't limit "
        "the total, so clip once.",
        "Once per optimizer step, when accumulation is finished, on the full gradient.",
        "you clip a single time at the end of accumulation, on the whole summed gradient, then "
        "call step",
        "Not after every micro-batch: wait until the last backward() is done, clip once, then "
        "optimizer.step(). The optimizer only sees the combined gradient.",
        "Clip the complete accumulated gradient once, after the last micro-batch, before "
        "optimizer.step().",
        "After accumulating all micro-batches, clip once right before the step, since the "
        "gradients add up and the total is what matters.",
        "Clipping goes after the last micro batch's backward, once, because gradients from all "
        "micro-batches add up into one sum that the optimizer uses.",
        "once per real update, after the final micro-batch; clipping partial sums would not "
        "bound the full gradient",
    ],
    "ex-threshold": [
        "Log the gradient norms for a while, then set max_norm around the median or the 90th "
        "percentile; too small a value slows learning down.",
        "Train without clipping first and record the norm each step. Pick something near the "
        "typical norm so only spikes are cut. If it's too low every step gets clipped and "
        "training crawls.",
        "Look at the history of gradient norms (clip_grad_norm_ returns it), choose roughly the "
        "p90, and don't go much lower or learning slows like with a tiny learning rate.",
        "Monitor the norm during a short run, take a percentile of it as the threshold, and "
        "check it isn't so tight that all updates are clipped.",
        "I'd plot the gradient norm over steps, start at about the average value, and raise it "
        "if the model learns too slowly.",
        "Measure first: track clip_grad_norm_'s return value, use the median norm as a starting "
        "threshold (1.0 is a common guess), and avoid a very small threshold because it acts "
        "like a small learning rate.",
        "Record the norms, pick a value near what is usual, not much below it, otherwise "
        "clipping fires all the time and training is slow.",
        "Run a few hundred steps, print the grad norm, and set max_norm a bit above the mean. "
        "Too small a limit makes learning crawl.",
        "Watch the norm history, choose a threshold close to the typical values, and don't make "
        "it too tight or progress will be slow.",
        "Track the gradient norm, take the median as the starting point, and check clipping "
        "isn't active on every step, which would slow training like a lower lr.",
    ],
    "ex-agc": [
        "For each unit, AGC divides the gradient norm by the weight norm and if that ratio is "
        "above λ it rescales the gradient down to λ.",
        "It compares the size of each row's gradient with the size of that row's weights; when "
        "the ratio exceeds a threshold the gradient is scaled back.",
        "Unit-wise: ||G_i|| / max(||W_i||, 1e-3) is compared against lambda, and gradients that "
        "are too large relative to their weights get clipped.",
        "AGC looks at the gradient-to-weight ratio per neuron and shrinks the gradient when it "
        "goes over the threshold λ.",
        "it clips per output unit based on how large the gradient is compared to the weight "
        "norm, scaling down units where the ratio is greater than lambda",
        "AGC checks, for every row of every weight matrix, whether ||grad|| / ||weight|| exceeds "
        "λ; if so that row's gradient is rescaled so the ratio equals λ.",
        "Per unit, the norm of the gradient relative to the norm of the weights; above the "
        "threshold it is cut back to the threshold.",
        "It measures each neuron's gradient as a fraction of its weight and caps that fraction "
        "at lambda.",
        "AGC compares gradient norm to parameter norm for each unit separately; if the ratio is "
        "bigger than λ, the gradient is scaled down.",
        "rows of the weight matrix are handled one by one: the grad/weight norm ratio is "
        "computed and, when it exceeds the clipping threshold λ, the grad is shrunk",
    ],
}

BAD = {
    "cs-ex-what-why": [
        "Gradient clipping is useful.",
        "It makes gradients larger so the network learns faster.",
        "It fixes vanishing gradients by boosting small gradients.",
        "Gradient clipping is a regularisation technique that reduces overfitting.",
        "clipping gradient useful, training useful",
    ],
    "cs-ex-how-loop": [
        "Call optimizer.step() and then clip the gradients with clip_grad_norm_.",
        "Clip before loss.backward() and after optimizer.step().",
        "Add gradient clipping to the PyTorch training loop.",
        "Use a smaller learning rate in the optimizer.",
        "Clip after optimizer.step(), before the next loss.backward().",
    ],
    "ex-norm-vs-value": [
        "They are the same thing, just different names.",
        "Norm clipping sets gradients to zero and value clipping makes them bigger.",
        "By norm and by value are two ways of clipping.",
        "Value clipping keeps the direction.",
        "Clipping by norm differs from clipping by value.",
    ],
    "ex-rnn-explode": [
        "Because they use ReLU activations.",
        "Because their learning rate is too high.",
        "Recurrent networks and deep networks get exploding gradients.",
        "Because gradients get smaller at every layer.",
        "They have too few parameters.",
    ],
    "ex-amp": [
        "Just call clip_grad_norm_ as usual, mixed precision changes nothing.",
        "Clip after scaler.step(optimizer).",
        "Train with mixed precision and clip correctly.",
        "Turn off the GradScaler.",
        "Call scaler.update() first and then clip the scaled gradients.",
    ],
    "ex-accumulation": [
        "Clip after every micro-batch's backward.",
        "Clip before the first micro-batch.",
        "Gradient accumulation with several micro-batches, clipping goes there.",
        "Clip after each micro-batch, several times per update.",
        "It does not matter where.",
    ],
    "ex-threshold": [
        "Always use 100.",
        "Pick a random value for max_norm.",
        "Pick a value for max_norm on the new model.",
        "Use the largest norm you ever saw.",
        "Copy it from another project.",
    ],
    "ex-agc": [
        "It compares the loss to the previous loss.",
        "AGC uses a percentile of past gradient norms as the threshold.",
        "Adaptive gradient clipping compares and decides to clip.",
        "It clips the whole model's gradient norm to 1.0.",
        "It changes the learning rate each epoch.",
    ],
}


@pytest.fixture(scope="module")
def prompts() -> dict[str, ExplainPrompt]:
    return {p.id: p for p in load_bank(QUIZ).explain}


def test_every_prompt_has_graded_answers(prompts):
    assert set(prompts) <= set(GOOD), f"add good answers for {set(prompts) - set(GOOD)}"
    assert set(prompts) <= set(BAD), f"add bad answers for {set(prompts) - set(BAD)}"
    assert all(len(v) >= 10 for v in GOOD.values())
    assert all(len(v) >= 5 for v in BAD.values())


@pytest.mark.parametrize(("prompt_id", "answer"), [(k, a) for k, v in GOOD.items() for a in v])
def test_good_answer_gets_full_marks(prompts, prompt_id, answer):
    grade = grade_explanation(prompts[prompt_id], answer)
    assert grade.score == grade.total, f"missing {[m[0] for m in grade.missing]}"
    assert grade.full and not grade.repeats_question


@pytest.mark.parametrize(("prompt_id", "answer"), [(k, a) for k, v in BAD.items() for a in v])
def test_bad_answer_is_not_full_marks(prompts, prompt_id, answer):
    grade = grade_explanation(prompts[prompt_id], answer)
    assert grade.score < grade.total, f"found {grade.found}"


@pytest.mark.parametrize("answer", ["", "   ", "\n\t ", None])
def test_empty_answer_scores_zero_with_a_notice(prompts, answer):
    grade = grade_explanation(prompts["cs-ex-what-why"], answer)
    assert (grade.score, grade.total) == (0, 3)
    assert grade.message == "You got 0/3 concepts"
    assert len(grade.missing) == 3 and grade.notice


def test_repeating_the_question_scores_zero_and_is_flagged(prompts):
    grade = grade_explanation(prompts["cs-ex-what-why"], "gradient clipping is useful")
    assert grade.score == 0 and grade.repeats_question and "repeats" in grade.notice


def test_message_and_missing_hints(prompts):
    item = prompts["cs-ex-what-why"]
    grade = grade_explanation(item, "It caps the gradients so they cannot explode.")
    assert grade.message == "You got 2/3 concepts"
    assert grade.missing == ((item.concepts[2].name, item.concepts[2].hint),)


def test_very_long_answer_is_capped(prompts):
    good = GOOD["cs-ex-what-why"][0]
    grade = grade_explanation(prompts["cs-ex-what-why"], good + " blah" * 5000)
    assert grade.full and "5,000" in grade.notice
    late = "x " * MAX_ANSWER_CHARS + good  # the good part lies past the cap
    assert grade_explanation(prompts["cs-ex-what-why"], late).score == 0


def test_no_phrase_is_dead(prompts):
    for item in prompts.values():
        assert dead_phrases(item) == [], item.id


def _item(phrase: str, model_answer: str) -> ExplainPrompt:
    concept = Concept("c", "hint", (phrase,))
    return ExplainPrompt("t", "Explain.", "Think.", model_answer, (concept,))


@pytest.mark.parametrize(
    ("phrase", "answer", "earned"),
    [
        ("limit gradient", "it caps the gradients", True),  # synonym + plural
        ("limit gradient", "the gradeints are restricted", True),  # typo + order + synonym
        ("keep direction", "the direction is preserved", True),
        ("keep direction", "it does not keep the direction", False),  # negated
        ("not change direction", "it doesn't change the direction", True),
        ("after backward", "call it after backward()", True),
        ("after backward", "clip after step and before backward", False),  # order word between
        ("before step", "clip before backward, after step", False),
        ("backward > clip", "backward(); clip_grad_norm_(); clip", True),  # ">" orders words
        ("backward > clip", "clip, then backward", False),
        (
            "limit gradient",
            "limit the loss: red green blue cyan pink gold gray teal gradient",
            False,
        ),
        ("scaler step", "the scale of the step", False),  # a vocabulary word is not a typo
        ("scaler step", "the scaller step", True),  # but another word may be one
    ],
)
def test_matching_rules(phrase, answer, earned):
    item = _item(phrase, "a loss scale")
    assert grade_explanation(item, answer).full is earned
