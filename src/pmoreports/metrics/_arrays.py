"""Small numpy helpers for arrays of Python objects (reason codes, verdicts, flags)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["ObjArray", "pick"]

ObjArray = npt.NDArray[np.object_]


def pick(condition: npt.ArrayLike, yes: Any, no: Any) -> ObjArray:
    """``numpy.where`` for object values: ``yes`` where ``condition`` holds, else ``no``.

    ``yes`` and ``no`` are scalars (``None`` included) or arrays of the condition's shape.
    """
    cond = np.asarray(condition, dtype=bool)
    out = np.empty(cond.shape, dtype=object)
    out[...] = no
    chosen = np.empty(cond.shape, dtype=object)
    chosen[...] = yes
    out[cond] = chosen[cond]
    return out
