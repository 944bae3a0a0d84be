"""The GPU path's step bookkeeping in a few whole-buffer kernels (used by :mod:`.trainer`).

On an accelerator a step's cost is mostly the host launching kernels, so what matters is how
many there are, not how much memory they touch. :class:`DeviceMeter` keeps the weights before
a step and after it side by side in one ``(2, N)`` buffer: one ``cat`` each, one ``where`` to
undo a step the run did not survive (decided on the device, no read-back), one copy back,
one subtraction for the update, and one multi-tensor norm for both rows. A loop over the
parameters (a ``where`` and a copy each) took two launches per tensor.
"""

from __future__ import annotations

import torch


class DeviceMeter:
    """Measures a step's update and weight norms per parameter, undoing a dead step.

    The parameters stay where their module put them (cuDNN keeps a recurrent network's
    weights in its own contiguous chunk): the buffer holds copies.
    """

    def __init__(self, params: list[torch.Tensor]):
        self.params = params
        n = sum(p.numel() for p in params)
        self._pair = torch.empty((2, n), dtype=params[0].dtype, device=params[0].device)
        self._prev, self._now = self._pair.unbind()
        sizes = [p.numel() for p in params]
        self._prev_parts = list(self._prev.split(sizes))
        self._now_parts = list(self._now.split(sizes))
        self._parts = self._prev_parts + self._now_parts  # both rows, per parameter
        self._views()

    def _views(self) -> None:
        self._flat = [p.detach().view(-1) for p in self.params]
        self._ptrs = [p.data_ptr() for p in self.params]

    def before_step(self) -> None:
        """Keep the weights before the optimizer step (row 0)."""
        if [p.data_ptr() for p in self.params] != self._ptrs:
            self._views()  # a module moved its weights (flatten_parameters, p.data = ...)
        torch.cat(self._flat, out=self._prev)

    def after_step(self, alive: torch.Tensor) -> list[torch.Tensor]:
        """After the step: put the weights back where ``alive`` is False; returns the norms.

        Returns ``2P`` 0-d tensors on the device: the update's norm per parameter, then the
        weights'. For a dead step the update is 0 and the weights are the ones it began from.
        """
        torch.cat(self._flat, out=self._now)
        torch.where(alive, self._now, self._prev, out=self._now)
        torch._foreach_copy_(self._flat, self._now_parts)
        torch.sub(self._prev, self._now, out=self._prev)  # -(update): the same norm
        return list(torch._foreach_norm(self._parts))
