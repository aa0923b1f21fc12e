"""Fast choice of the QR mask pattern (ISO/IEC 18004:2015 7.8.2, 7.8.3).

An encoder tries the eight data masks and keeps the one with the lowest penalty score:

* N1: each run of five or more same-coloured modules in a row or column scores
  3 + (run length − 5);
* N2: each 2 × 2 block of one colour scores 3;
* N3: each 1:1:3:1:1 finder-like pattern with four light modules on one side scores 40;
* N4: every 5 % that the proportion of dark modules departs from 50 % scores 10.

The ``qrcode`` package does this by building the whole symbol eight times in pure Python,
which costs about 10 ms for a verification URL — most of the time of drawing a certificate's
QR code. Here the symbol is built once; the eight candidates are derived with numpy by
re-applying each mask to the data modules only, and scored with the same rules, in the same
way, as ``qrcode.util.lost_point`` (a test checks that both always pick the same mask).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import qrcode

#: The 1:1:3:1:1 finder-like pattern with four light modules after or before it, as 11-bit numbers.
_PATTERN_VALUES = (int("10111010000", 2), int("00001011101", 2))


@lru_cache(maxsize=40)
def mask_patterns(n: int) -> np.ndarray:
    """The eight mask conditions of ISO/IEC 18004 table 10 on an n × n grid (True = invert; read-only)."""
    i, j = np.indices((n, n))
    return np.stack([
        (i + j) % 2 == 0,
        i % 2 == 0,
        j % 3 == 0,
        (i + j) % 3 == 0,
        (i // 2 + j // 3) % 2 == 0,
        (i * j) % 2 + (i * j) % 3 == 0,
        ((i * j) % 2 + (i * j) % 3) % 2 == 0,
        ((i * j) % 3 + (i + j) % 2) % 2 == 0,
    ])


@lru_cache(maxsize=40)
def _function_modules(version: int) -> np.ndarray:
    """Finder, separator, timing, alignment, format and version areas of ``version`` (True)."""
    code = qrcode.QRCode(version=version)
    n = code.modules_count = version * 4 + 17
    code.modules = [[None] * n for _ in range(n)]
    code.setup_position_probe_pattern(0, 0)
    code.setup_position_probe_pattern(n - 7, 0)
    code.setup_position_probe_pattern(0, n - 7)
    code.setup_position_adjust_pattern()
    code.setup_timing_pattern()
    code.setup_type_info(True, 0)
    if version >= 7:
        code.setup_type_number(True)
    return np.array([[m is not None for m in row] for row in code.modules], dtype=bool)


def _runs_penalty(grids: np.ndarray) -> np.ndarray:
    """N1 over the rows of each grid in a (k, n, n) stack: sum of (length − 2) for runs of 5 or more."""
    k, rows, n = grids.shape
    padded = np.full((k * rows, n + 2), -1, dtype=np.int8)
    padded[:, 1:-1] = grids.reshape(k * rows, n)
    starts = np.flatnonzero((padded[:, 1:] != padded[:, :-1]).ravel())
    lengths = np.diff(starts)
    long_runs = lengths >= 5
    owner = starts[:-1][long_runs] // (rows * (n + 1))
    penalty: np.ndarray = np.bincount(owner, weights=lengths[long_runs] - 2, minlength=k).astype(np.int64)
    return penalty


def _finder_penalty(grids: np.ndarray) -> np.ndarray:
    """N3 over the rows of each grid: 40 per 11-module window equal to either pattern.

    Each window is read as an 11-bit number, so both patterns are two integer comparisons.
    """
    width = grids.shape[2] - 10
    value = np.zeros(grids.shape[:2] + (width,), dtype=np.int16)
    for t in range(11):
        value = (value << 1) | grids[:, :, t:t + width]
    found: np.ndarray = ((value == _PATTERN_VALUES[0]) | (value == _PATTERN_VALUES[1])).sum(axis=(1, 2))
    return 40 * found.astype(np.int64)


def penalties(symbols: np.ndarray) -> np.ndarray:
    """Penalty scores N1 + N2 + N3 + N4 of a (k, n, n) stack of masked symbols (7.8.3.1)."""
    n = symbols.shape[1]
    turned = symbols.transpose(0, 2, 1)
    score: np.ndarray = _runs_penalty(symbols) + _runs_penalty(turned)
    top_left = symbols[:, :-1, :-1]
    uniform = (top_left == symbols[:, 1:, :-1]) & (top_left == symbols[:, :-1, 1:]) & (top_left == symbols[:, 1:, 1:])
    score += 3 * uniform.sum(axis=(1, 2))
    score += _finder_penalty(symbols) + _finder_penalty(turned)
    for i, dark in enumerate(symbols.sum(axis=(1, 2))):
        percent = float(dark) / (n**2)
        score[i] += int(abs(percent * 100 - 50) / 5) * 10
    return score


def penalty(symbol: np.ndarray) -> int:
    """Penalty score of one masked symbol (n × n, True = dark)."""
    return int(penalties(symbol[np.newaxis])[0])


def best_mask(code: qrcode.QRCode[Any]) -> int:
    """The mask (0-7) with the lowest penalty for ``code``, whose version is already fitted.

    Ties go to the lowest mask number, as in ``qrcode.QRCode.best_mask_pattern``.
    """
    code.makeImpl(True, 0)
    symbol = np.array(code.modules, dtype=bool)
    n = symbol.shape[0]
    data = ~_function_modules(code.version)
    masks = mask_patterns(n) & data
    candidates = (symbol ^ masks[0])[np.newaxis] ^ masks
    return int(np.argmin(penalties(candidates)))
