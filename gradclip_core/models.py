"""Small models whose gradients can be made to explode or vanish with one knob.

``init_scale`` multiplies PyTorch's default init. For a recurrent net the recurrent matrix is
set to an orthogonal matrix times ``init_scale``: every eigenvalue then has modulus
``init_scale``, so backpropagating through T steps multiplies the gradient by roughly
``init_scale ** T`` (lesson 02, "why exploding gradients break training").

Every random draw of the init comes from the run's own ``torch.Generator``: Streamlit runs many
sessions in threads of one process, and torch's global generator is shared by all of them
(DESIGN.md, Live pages: seeding it per session let runs built at once take each other's draws).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .config import TrainConfig

_ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid}


class MLP(nn.Module):
    """``depth`` hidden layers of ``width`` units, then a linear readout."""

    def __init__(self, n_in: int, n_out: int, depth: int, width: int, activation: str):
        super().__init__()
        sizes = [n_in] + [width] * depth
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:], strict=False))
        self.act = _ACTIVATIONS[activation]()
        self.head = nn.Linear(width, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, n_in)
        for layer in self.hidden:
            x = self.act(layer(x))  # (B, width)
        return self.head(x)  # (B, n_out)

    def layer_names(self) -> list[str]:
        return [f"layer {i + 1}" for i in range(len(self.hidden))] + ["readout"]

    def layer_of_parameters(self) -> list[int]:
        """For each parameter, in ``parameters()`` order, the index of its layer."""
        return [i for i in range(len(self.hidden)) for _ in range(2)] + [len(self.hidden)] * 2


class SequenceNet(nn.Module):
    """One recurrent layer (RNN, LSTM or GRU) read out from its last hidden state."""

    def __init__(self, kind: str, n_in: int, n_out: int, hidden: int, activation: str):
        super().__init__()
        self.kind = kind
        if kind == "rnn":
            self.rnn = nn.RNN(n_in, hidden, nonlinearity=activation, batch_first=True)
        else:
            self.rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[kind](n_in, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, T, n_in)
        out, _ = self.rnn(x)  # (B, T, H)
        return self.head(out[:, -1])  # (B, n_out)

    @property
    def recurrent_weight(self) -> torch.Tensor:
        return self.rnn.weight_hh_l0  # (gates * H, H)

    def layer_names(self) -> list[str]:
        return ["input→hidden", "hidden→hidden (recurrent)", "readout"]

    def layer_of_parameters(self) -> list[int]:
        # nn.RNN/LSTM/GRU order: weight_ih, weight_hh, bias_ih, bias_hh; then head weight, bias.
        return [0, 1, 0, 1, 2, 2]


def build_model(
    config: TrainConfig, n_in: int, n_out: int, generator: torch.Generator | None = None
) -> nn.Module:
    """Build and initialise the model a config asks for, on the CPU.

    The modules are made on the meta device (no memory, no random draws), then every tensor
    is initialised from ``generator`` exactly as PyTorch's ``reset_parameters`` would from the
    global generator: the same distributions in the same order, so ``manual_seed(s)`` on the
    global generator and a ``Generator`` seeded with ``s`` give the same weights bit for bit.

    Args:
        config: the run's settings (model, depth, width, activation, init_scale).
        n_in: features per example (per time step for sequence models).
        n_out: outputs (1 for regression, classes for classification).
        generator: a CPU generator for the init; ``None`` seeds a fresh one with
            ``config.seed``.
    """
    if generator is None:
        generator = torch.Generator().manual_seed(config.seed)
    with torch.device("meta"):
        if config.model == "mlp":
            model = MLP(n_in, n_out, config.depth, config.width, config.activation)
        else:
            model = SequenceNet(config.model, n_in, n_out, config.width, config.activation)
    model.to_empty(device="cpu")
    _default_init(model, generator)
    _scale_init(model, config.init_scale, generator)
    return model


@torch.no_grad()
def _default_init(model: nn.Module, gen: torch.Generator) -> None:
    """PyTorch's default init (``reset_parameters``), module by module, drawn from ``gen``."""
    for module in model.modules():
        if isinstance(module, nn.Linear):
            # Linear.reset_parameters: kaiming_uniform_(a=sqrt(5)) is U(-1/sqrt(fan_in), ...).
            nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=gen)
            bound = 1 / math.sqrt(module.in_features) if module.in_features > 0 else 0
            nn.init.uniform_(module.bias, -bound, bound, generator=gen)
        elif isinstance(module, nn.RNNBase):
            # RNNBase.reset_parameters: every tensor U(-1/sqrt(H), 1/sqrt(H)), in order.
            stdv = 1.0 / math.sqrt(module.hidden_size)
            for weight in module.parameters():
                nn.init.uniform_(weight, -stdv, stdv, generator=gen)


@torch.no_grad()
def _scale_init(model: nn.Module, scale: float, gen: torch.Generator) -> None:
    if isinstance(model, SequenceNet):
        w_hh = model.recurrent_weight  # (gates * H, H): one orthogonal block per gate
        hidden = w_hh.shape[1]
        for block in w_hh.split(hidden, dim=0):
            nn.init.orthogonal_(block, gain=scale, generator=gen)
        model.rnn.weight_ih_l0.mul_(scale)
        model.head.weight.mul_(scale)
        return
    for layer in [*model.hidden, model.head]:
        layer.weight.mul_(scale)


def spectral_radius(matrix: torch.Tensor) -> torch.Tensor:
    """Largest eigenvalue modulus of a square matrix, as a 0-d tensor on its device.

    .. math:: \\rho(W) = \\max_i |\\lambda_i(W)|

    Above 1, a vanilla RNN's backpropagated gradient tends to grow with sequence length.
    """
    eig = torch.linalg.eigvals(matrix.detach().float().cpu())
    return eig.abs().max().to(matrix.device)
