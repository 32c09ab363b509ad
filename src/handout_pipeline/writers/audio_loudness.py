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
    """Integrated loudness in LUFS of float samples in [-1, 1] (-inf for silence)."""
    import pyloudnorm

    if len(samples) < rate // 2:     # BS.1770 gates 400 ms blocks: shorter audio has no measure
        return float("-inf")
    return float(pyloudnorm.Meter(rate).integrated_loudness(samples))


def pcm_loudness(pcm: bytes, rate: int) -> float:
    return loudness(_floats(pcm), rate)


def _limit(samples, rate: int, ceiling: float):
    """A look-ahead peak limiter: the gain falls to keep |x| under the ceiling before each peak, then recovers."""
    import numpy as np
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    needed = np.minimum(1.0, ceiling / np.maximum(np.abs(samples), 1e-12))
    ahead = max(1, rate * _LOOKAHEAD_MS // 1000)
    release = max(1, rate * _RELEASE_MS // 1000)
    gain = minimum_filter1d(needed, size=2 * ahead + release, origin=0, mode="nearest")
    gain = uniform_filter1d(gain, size=2 * ahead + 1, mode="nearest")
    gain = np.minimum(gain, needed)      # smoothing may lift the gain a little at a peak: never above it
    return samples * gain


def normalise(pcm: bytes, rate: int, target: float = TARGET_LUFS) -> tuple[bytes, float]:
    """16-bit mono PCM brought to `target` LUFS with peaks under CEILING_DBFS; returns it and its loudness."""
    import numpy as np

    samples = _floats(pcm)
    current = loudness(samples, rate)
    if not np.isfinite(current):
        return pcm, current
    ceiling = 10 ** (CEILING_DBFS / 20)

    def error(gain_db: float):
        limited = _limit(samples * 10 ** (gain_db / 20), rate, ceiling)
        return loudness(limited, rate) - target, limited

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
    ints = np.clip(np.round(out * 32768.0), -32768, 32767).astype("<i2")
    return ints.tobytes(), loudness(out, rate)
