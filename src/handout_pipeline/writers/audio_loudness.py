"""Loudness for speech: EBU R128 / ITU-R BS.1770 integrated loudness (pyloudnorm) brought to -16 LUFS, peaks limited."""

from __future__ import annotations

TARGET_LUFS = -16.0      # the spoken-word (podcast) convention; EBU R128's -23 is for broadcast programmes
TOLERANCE_LU = 1.0       # what the check accepts around the target (after MP3 encoding)
CEILING_DBFS = -1.5      # sample peak after limiting: room for the MP3 encoder's overshoot (about -1 dBTP)
_LOOKAHEAD_MS = 5        # the limiter lowers the gain this long before a peak ...
_RELEASE_MS = 40         # ... and lets it back up over this long


def _floats(pcm: bytes):
    import numpy as np

    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0


def loudness(samples, rate: int) -> float:
    """Integrated loudness in LUFS of float samples in [-1, 1] (-inf for silence).

    pyloudnorm's Meter(rate).integrated_loudness, the same operations on the same values in the same order (the
    same float, bit for bit: tests/test_loudness.py), without its copies and its Python loops over the blocks: a
    narration's loudness is measured a dozen times while its level is searched for."""
    import numpy as np
    import pyloudnorm
    from scipy.signal import lfilter

    if len(samples) < rate // 2:     # BS.1770 gates 400 ms blocks: shorter audio has no measure
        return float("-inf")
    meter = pyloudnorm.Meter(rate)
    if not (isinstance(samples, np.ndarray) and samples.ndim == 1 and samples.dtype == np.float64):
        return float(meter.integrated_loudness(samples))
    filtered = samples
    for stage in meter._filters.values():   # K-weighting: the head's high shelf, then the high pass
        filtered = stage.passband_gain * lfilter(stage.b, stage.a, filtered)
    block, step = meter.block_size, 1.0 - meter.overlap
    count = int(np.round(((filtered.shape[0] / rate - block) / (block * step)))) + 1
    squares = np.square(filtered)
    scale = 1.0 / (block * rate)
    power = np.empty(count)          # mean square of each 400 ms block, 75 % overlapping (BS.1770 eq. 1)
    for j in range(count):
        power[j] = scale * np.sum(squares[int(block * (j * step) * rate):int(block * (j * step + 1) * rate)])
    with np.errstate(divide="ignore", invalid="ignore"):
        blocks = -0.691 + 10.0 * np.log10(1.0 * power)
        absolute = power[blocks >= _ABSOLUTE_GATE]
        relative = -0.691 + 10.0 * np.log10(1.0 * (absolute.mean() if absolute.size else np.nan)) - 10.0
        gated = power[(blocks > relative) & (blocks > _ABSOLUTE_GATE)]
        mean = np.nan_to_num(gated.mean() if gated.size else np.nan)
        return float(-0.691 + 10.0 * np.log10(1.0 * mean))


_ABSOLUTE_GATE = -70.0   # LUFS: blocks below it are silence (BS.1770)


def pcm_loudness(pcm: bytes, rate: int) -> float:
    return loudness(_floats(pcm), rate)


def _limit(samples, rate: int, ceiling: float, gain_db: float = 0.0):
    """A look-ahead peak limiter on `samples` raised by `gain_db`: the gain falls to keep |x| under the ceiling
    before each peak, then recovers (computed in place where it can: a narration is 60 MB of floats)."""
    import numpy as np
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    raised = samples * 10 ** (gain_db / 20)
    needed = np.abs(raised)
    np.maximum(needed, 1e-12, out=needed)
    np.divide(ceiling, needed, out=needed)
    np.minimum(1.0, needed, out=needed)
    ahead = max(1, rate * _LOOKAHEAD_MS // 1000)
    release = max(1, rate * _RELEASE_MS // 1000)
    gain = minimum_filter1d(needed, size=2 * ahead + release, origin=0, mode="nearest")
    gain = uniform_filter1d(gain, size=2 * ahead + 1, mode="nearest", output=gain)
    np.minimum(gain, needed, out=gain)      # smoothing may lift the gain a little at a peak: never above it
    return np.multiply(raised, gain, out=raised)


def normalise(pcm: bytes, rate: int, target: float = TARGET_LUFS, current: float | None = None) -> tuple[bytes, float]:
    """16-bit mono PCM brought to `target` LUFS with peaks under CEILING_DBFS; returns it and its loudness.
    `current`: pcm_loudness(pcm, rate), when the caller has measured it already."""
    import numpy as np

    samples = _floats(pcm)
    if current is None:
        current = loudness(samples, rate)
    if not np.isfinite(current):
        return pcm, current
    ceiling = 10 ** (CEILING_DBFS / 20)

    def error(gain_db: float):   # how far from the target, and the limited signal with its loudness
        limited = _limit(samples, rate, ceiling, gain_db)
        level = loudness(limited, rate)
        return level - target, (limited, level)

    # Limiting takes loudness away as the gain rises, so the gain is searched for between the plain gain (which
    # limiting leaves short of the target) and 24 dB more: regula falsi (Illinois), which keeps the bracket, so it
    # also holds where BS.1770's gating makes a short take's loudness jump about; 3-5 steps for a narration.
    low, high = target - current, target - current + 24.0
    low_miss, out = error(low)
    if low_miss < -0.05:
        high_miss, high_out = error(high)
        if high_miss <= 0 or not np.isfinite(high_miss):
            out = high_out
        else:
            side = 0
            for _ in range(12):
                middle = high - high_miss * (high - low) / (high_miss - low_miss)
                miss, out = error(middle)
                if abs(miss) < 0.05 or not np.isfinite(miss):
                    break
                if miss < 0:
                    low, low_miss = middle, miss
                    high_miss = high_miss / 2 if side == -1 else high_miss
                    side = -1
                else:
                    high, high_miss = middle, miss
                    low_miss = low_miss / 2 if side == 1 else low_miss
                    side = 1
    out, level = out
    ints = np.clip(np.round(out * 32768.0), -32768, 32767).astype("<i2")
    return ints.tobytes(), level
