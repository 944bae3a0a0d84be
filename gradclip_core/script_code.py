"""The pieces of code a standalone script is made of (:mod:`.script`): the data, the model, the
clipping, the optimizer and the stop rule, as PyTorch source for one run's settings."""

from __future__ import annotations

from .clipping import AGC_EPS
from .config import (
    TrainConfig,
)

_DRAW = """
# ---- the data: synthetic, a fresh batch each step ------------------------------------------
def sample(step, gen):
    \"\"\"The batch of ``step``: the generator is re-seeded from (SEED, step) each time.\"\"\"
    gen.manual_seed(SEED * 1_000_003 + step)
"""
TASK_CODE = {
    "adding": _DRAW
    + """    # The adding problem: add the two marked numbers of each sequence.
    T = SEQ_LEN
    values = torch.rand(BATCH_SIZE, T, generator=gen, device=DEVICE)  # (B, T)
    # One mark in the first half, one in the second, so the answer spans the sequence.
    first = (torch.rand(BATCH_SIZE, generator=gen, device=DEVICE) * (T // 2)).long()
    second = T // 2 + (torch.rand(BATCH_SIZE, generator=gen, device=DEVICE) * (T - T // 2)).long()
    marks = torch.zeros_like(values)
    rows = torch.arange(BATCH_SIZE, device=DEVICE)
    marks[rows, first] = 1.0
    marks[rows, second] = 1.0
    y = (values * marks).sum(dim=1, keepdim=True)  # (B, 1)
    return torch.stack([values, marks], dim=-1), y  # x: (B, T, 2)


def loss_fn(output, y):
    return F.mse_loss(output, y)
""",
    "first-value": _DRAW
    + """    # Remember the first number of the sequence and output it at the end.
    x = torch.rand(BATCH_SIZE, SEQ_LEN, 1, generator=gen, device=DEVICE)  # (B, T, 1)
    return x, x[:, 0].clone()  # y: (B, 1)


def loss_fn(output, y):
    return F.mse_loss(output, y)
""",
    "regression": _DRAW
    + """    # Fit y = sin(2 x1) + x2 x3 + 0.5 x4 from 8 Gaussian features, plus a little noise.
    x = torch.randn(BATCH_SIZE, N_IN, generator=gen, device=DEVICE)  # (B, 8)
    noise = 0.1 * torch.randn(BATCH_SIZE, generator=gen, device=DEVICE)
    y = torch.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2] + 0.5 * x[:, 3] + noise
    return x, y.unsqueeze(1)  # y: (B, 1)


def loss_fn(output, y):
    return F.mse_loss(output, y)
""",
    "spirals": _DRAW
    + """    # Three interleaved 2-D spirals: the label says which one a point is on.
    label = (torch.rand(BATCH_SIZE, generator=gen, device=DEVICE) * N_OUT).long()  # (B,)
    r = torch.rand(BATCH_SIZE, generator=gen, device=DEVICE)  # radius in [0, 1)
    theta = 4.0 * r + label * (2 * math.pi / N_OUT)
    theta = theta + 0.2 * torch.randn(BATCH_SIZE, generator=gen, device=DEVICE)
    x = torch.stack([r * torch.cos(theta), r * torch.sin(theta)], dim=1)  # (B, 2)
    return x * 2.0, label


def loss_fn(output, y):
    return F.cross_entropy(output, y)
""",
}

_ACTIVATIONS = {"tanh": "nn.Tanh()", "relu": "nn.ReLU()", "sigmoid": "nn.Sigmoid()"}


def model_code(config: TrainConfig) -> str:
    head = "# ---- the model " + "-" * 76
    if config.model == "mlp":
        return f'''{head}
class Net(nn.Module):
    """DEPTH hidden layers of WIDTH units, then a linear readout."""

    def __init__(self):
        super().__init__()
        sizes = [N_IN] + [WIDTH] * DEPTH
        self.hidden = nn.ModuleList(nn.Linear(sizes[i], sizes[i + 1]) for i in range(DEPTH))
        self.act = {_ACTIVATIONS[config.activation]}
        self.head = nn.Linear(WIDTH, N_OUT)

    def forward(self, x):  # x: (B, N_IN)
        for layer in self.hidden:
            x = self.act(layer(x))
        return self.head(x)  # (B, N_OUT)
'''
    if config.model == "rnn":
        layer = f'nn.RNN(N_IN, WIDTH, nonlinearity="{config.activation}", batch_first=True)'
    else:
        layer = f"nn.{config.model.upper()}(N_IN, WIDTH, batch_first=True)"
    return f'''{head}
class Net(nn.Module):
    """One recurrent layer, read out from its last hidden state."""

    def __init__(self):
        super().__init__()
        self.rnn = {layer}
        self.head = nn.Linear(WIDTH, N_OUT)

    def forward(self, x):  # x: (B, T, N_IN)
        out, _ = self.rnn(x)  # (B, T, WIDTH)
        return self.head(out[:, -1])  # (B, N_OUT)
'''


BUILD_CODE = '''
@torch.no_grad()
def build_model():
    """The model with PyTorch's default init, drawn from a generator seeded with SEED.

    Built on the meta device (no memory, no random draws), then each tensor is drawn in the
    order PyTorch's reset_parameters() would, but from our own generator, so the weights do
    not depend on anything else that used torch's global random state.
    """
    gen = torch.Generator().manual_seed(SEED)
    with torch.device("meta"):
        model = Net()
    model.to_empty(device="cpu")
    for module in model.modules():
        if isinstance(module, nn.Linear):
            # kaiming_uniform_(a=sqrt(5)) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
            nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=gen)
            bound = 1 / math.sqrt(module.in_features)
            nn.init.uniform_(module.bias, -bound, bound, generator=gen)
        elif isinstance(module, nn.RNNBase):
            # Every recurrent tensor is U(-1/sqrt(WIDTH), 1/sqrt(WIDTH)), in order.
            stdv = 1.0 / math.sqrt(module.hidden_size)
            for weight in module.parameters():
                nn.init.uniform_(weight, -stdv, stdv, generator=gen)
{scale}
    return model.to(DEVICE)
'''
SCALE_CODE = {
    "mlp": """    # INIT_SCALE multiplies every weight matrix: above about 1 the gradients grow
    # layer by layer on the way back.
    for layer in [*model.hidden, model.head]:
        layer.weight.mul_(INIT_SCALE)""",
    "seq": """    # The recurrent matrix: one orthogonal block per gate, times INIT_SCALE, so every
    # eigenvalue has modulus INIT_SCALE and backpropagating through T steps multiplies the
    # gradient by about INIT_SCALE ** T (above 1: it explodes).
    w_hh = model.rnn.weight_hh_l0  # (gates * WIDTH, WIDTH)
    for block in w_hh.split(WIDTH, dim=0):
        nn.init.orthogonal_(block, gain=INIT_SCALE, generator=gen)
    model.rnn.weight_ih_l0.mul_(INIT_SCALE)
    model.head.weight.mul_(INIT_SCALE)""",
}

AGC_CODE = f'''
# ---- adaptive gradient clipping (Brock et al. 2021), unit by unit ---------------------------
def unitwise_norm(x):
    """L2 norm per output unit: over all dims but the first (the whole tensor for biases)."""
    if x.ndim <= 1:
        return x.norm(2.0)
    return x.norm(2.0, dim=tuple(range(1, x.ndim)), keepdim=True)


@torch.no_grad()
def adaptive_clip_grad_(parameters, clip_factor, eps={AGC_EPS!r}):
    """Shrink each unit's gradient G to at most clip_factor * max(||W||, eps) (as timm's).

    Every layer is clipped here, readout included; the paper leaves the last layer alone.
    """
    for p in parameters:
        g = p.grad.detach()
        max_norm = unitwise_norm(p.detach()).clamp_(min=eps).mul_(clip_factor)
        grad_norm = unitwise_norm(g)
        clipped = g * (max_norm / grad_norm.clamp(min=1e-6))
        g.copy_(torch.where(grad_norm < max_norm, g, clipped))
'''


def clip_code(config: TrainConfig, indent: str) -> str:
    """The lines that measure the norm into ``norm`` and clip (``params`` have gradients)."""
    mode = config.clip_mode
    measure = (
        "norm = torch.nn.utils.get_total_norm([p.grad for p in params])  # L2, before clipping"
    )
    if mode == "none":
        lines = [
            measure,
            "# No clipping in this run. To clip, put it here, after backward(), before step():",
            "# torch.nn.utils.clip_grad_norm_(params, max_norm=1.0)",
        ]
    elif mode == "norm":
        lines = [
            "# clip after backward(), before step()",
            "# One factor min(1, MAX_NORM / (norm + 1e-6)) for every gradient: the direction",
            "# is kept. It returns the total norm from before clipping.",
            "norm = torch.nn.utils.clip_grad_norm_(params, max_norm=MAX_NORM, norm_type=NORM_TYPE)",
        ]
    elif mode == "value":
        lines = [
            measure,
            "# clip after backward(), before step()",
            "# Each element into [-CLIP_VALUE, CLIP_VALUE]: the direction can turn.",
            "torch.nn.utils.clip_grad_value_(params, clip_value=CLIP_VALUE)",
        ]
    elif mode == "layer-norm":
        lines = [
            measure,
            "# clip after backward(), before step()",
            "# Each tensor's gradient on its own to norm MAX_NORM at most.",
            "for p in params:",
            "    torch.nn.utils.clip_grad_norm_([p], max_norm=MAX_NORM)",
        ]
    elif mode == "agc":
        lines = [
            measure,
            "# clip after backward(), before step()",
            "adaptive_clip_grad_(params, CLIP_FACTOR)",
        ]
    else:
        lines = [
            measure,
            "# AutoClip (Seetharaman et al. 2020): the threshold is the PERCENTILE-th percentile",
            "# of the norms seen so far, this one included (a non-finite norm counts as nan,",
            "# which nanquantile skips; the app keeps the last 10,000).",
            "seen.append(torch.where(norm.isfinite(), norm, math.nan))",
            "del seen[:-10_000]",
            "max_norm = torch.nanquantile(torch.stack(seen), PERCENTILE / 100)",
            "# clip after backward(), before step(): clip_grad_norm_'s rule, with max_norm",
            "# the percentile (kept a tensor, as the app does, so the numbers are the same)",
            "coef = (max_norm / (norm + 1e-6)).clamp(max=1.0)",
            "for p in params:",
            "    p.grad.mul_(coef)",
        ]
    return "\n".join(indent + line if line else "" for line in lines)


def optimizer_line(config: TrainConfig) -> str:
    # foreach=True: one call for all tensors, as the app's trainer does (the same numbers).
    if config.optimizer == "adam":
        return "optimizer = torch.optim.Adam(params, lr=LR, foreach=True)"
    return "optimizer = torch.optim.SGD(params, lr=LR, momentum=MOMENTUM, foreach=True)"


STOP_CODE = """
def stop_here(step, loss, norm):
    \"\"\"Say why the run stops at a step whose loss or gradient norm is not finite.\"\"\"
    if not math.isfinite(loss):
        what = f"the loss is {loss} (the forward pass overflowed)"
    elif norm == math.inf:
        what = "the gradient norm is inf (it overflowed float32, or a gradient is inf)"
    else:
        what = f"the gradient norm is {norm} (the backward pass made an inf or nan)"
    print(
        f"stopped at step {step}: {what}; this step's update was not applied. "
        "Clip the gradient, or lower the learning rate or INIT_SCALE."
    )
"""
