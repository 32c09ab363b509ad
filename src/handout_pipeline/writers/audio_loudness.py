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

    pyloudnorm's Meter(rate).integrated_loudness, the same gating on the same blocks, without its copies and its
    Python loops over the blocks, and with its two K-weighting biquads run as one fourth-order filter (one
    pass over the samples instead of two): within 1e-9 LU of pyloudnorm (tests/test_loudness.py). A narration's
    loudness is measured several times while its level is searched for."""
    import numpy as np
    import pyloudnorm
    from scipy.signal import lfilter

    if len(samples) < rate // 2:     # BS.1770 gates 400 ms blocks: shorter audio has no measure
        return float("-inf")
    meter = pyloudnorm.Meter(rate)
    if not (isinstance(samples, np.ndarray) and samples.ndim == 1 and samples.dtype == np.float64):
        return float(meter.integrated_loudness(samples))
    # K-weighting: the head's high shelf, then the high pass. Recursive filters slow down 3-4x in a narration's
    # pauses, where their output decays into subnormal floats; a +-1e-30 Nyquist ripple keeps it out of them.
    # It is far below the smallest 16-bit step (3e-5, whose float spacing is 7e-21), so every sample of speech
    # is the same float, and its power (1e-60) far below the absolute gate.
    b, a = np.array([1.0]), np.array([1.0])
    for stage in meter._filters.values():
        b, a = np.convolve(b, stage.passband_gain * np.asarray(stage.b)), np.convolve(a, stage.a)
    squares = lfilter(b, a, _rippled(samples))
    np.square(squares, out=squares)
    block, step = meter.block_size, 1.0 - meter.overlap
    count = int(np.round(((squares.shape[0] / rate - block) / (block * step)))) + 1
    scale = 1.0 / (block * rate)
    hop = block * step * rate
    # mean square of each 400 ms block, 75 % overlapping (BS.1770 eq. 1): where the blocks start on whole
    # samples (any rate a multiple of 10 Hz), each is the sum of four 100 ms quarters, each quarter summed once
    if hop == round(hop) and block * rate == 4 * round(hop) and (count + 3) * round(hop) <= squares.shape[0]:
        hop = round(hop)
        quarters = np.add.reduceat(squares[:(count + 3) * hop], np.arange(0, (count + 3) * hop, hop))
        power = scale * (quarters[:count] + quarters[1:count + 1] + quarters[2:count + 2] + quarters[3:count + 3])
    else:
        power = np.empty(count)
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
_RIPPLE = 1e-30


def _rippled(samples):
    """A copy of `samples` with +-_RIPPLE added at alternate samples (see loudness)."""
    out = samples.copy()
    out[0::2] += _RIPPLE
    out[1::2] -= _RIPPLE
    return out


def pcm_loudness(pcm: bytes, rate: int) -> float:
    return loudness(_floats(pcm), rate)


def _windows(rate: int) -> tuple[int, int]:
    """(minimum window, smoothing window) of the limiter's gain, in samples."""
    ahead = max(1, rate * _LOOKAHEAD_MS // 1000)
    return 2 * ahead + max(1, rate * _RELEASE_MS // 1000), 2 * ahead + 1


def _peak_runs(magnitudes, threshold: float, rate: int):
    """(start, end) of each stretch the limiter touches: samples over `threshold` closer together than two
    reaches, with a reach of untouched samples (gain 1) on either side, so each stretch's edges see what the
    whole signal would have shown there."""
    import numpy as np

    over = np.flatnonzero(magnitudes > threshold)
    if not over.size:
        return []
    reach = sum(_windows(rate))          # a peak lowers the gain no further than this from itself
    gaps = np.flatnonzero(np.diff(over) > 2 * reach)
    firsts, lasts = over[np.r_[0, gaps + 1]], over[np.r_[gaps, over.size - 1]]
    return [(max(0, first - reach), min(magnitudes.shape[0], last + reach + 1))
            for first, last in zip(firsts.tolist(), lasts.tolist())]


def _run_gain(magnitudes, ceiling: float, rate: int):
    """The limiter's gain over one stretch, from its samples' magnitudes (overwritten)."""
    import numpy as np
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    window, smooth = _windows(rate)
    needed = magnitudes
    np.maximum(needed, 1e-12, out=needed)
    np.divide(ceiling, needed, out=needed)
    np.minimum(1.0, needed, out=needed)
    gain = minimum_filter1d(needed, size=window, origin=0, mode="nearest")
    gain = uniform_filter1d(gain, size=smooth, mode="nearest", output=gain)
    return np.minimum(gain, needed, out=gain)      # smoothing may lift the gain a little at a peak: never above it


def _limit(samples, rate: int, ceiling: float, gain_db: float = 0.0):
    """A look-ahead peak limiter on `samples` raised by `gain_db`: the gain falls to keep |x| under the ceiling
    before each peak, then recovers. Speech passes the ceiling in a few places (about 0.2 % of a narration's
    samples at its target level), so the gain is only worked out around them: elsewhere it is 1."""
    import numpy as np

    raised = samples * 10 ** (gain_db / 20)
    for low, high in _peak_runs(np.abs(raised), ceiling, rate):
        part = raised[low:high]
        part *= _run_gain(np.abs(part), ceiling, rate)
    return raised


def _energy_after_limit(magnitudes, rate: int, ceiling: float, gain_db: float, energy: float) -> float:
    """The signal's energy once raised by `gain_db` and limited, from its magnitudes and its energy (only the
    stretches the limiter touches are worked through, and no K-weighting: cheaper than a try, if not by much
    once most of the speech is near the ceiling)."""
    import numpy as np

    factor = 10 ** (gain_db / 20)
    kept = factor * factor * energy
    for low, high in _peak_runs(magnitudes, ceiling / factor, rate):
        part = magnitudes[low:high] * factor
        squares = np.square(part)
        gain = _run_gain(part, ceiling, rate)
        kept -= float(np.dot(squares, 1.0 - np.square(gain)))
    return kept


_SEARCH_LU = 0.05        # the level search stops this close to the target


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
    tries: list[tuple[float, float, tuple]] = []     # (gain dB, miss LU, (limited samples, their loudness))

    def attempt(gain_db: float) -> float:
        limited = _limit(samples, rate, ceiling, gain_db)
        level = loudness(limited, rate)
        tries.append((gain_db, level - target, (limited, level)))
        return level - target

    # The plain gain reaches the target unless the limiter takes loudness away, which it does more the higher
    # the gain: the root lies above it. A model picks the first try: the energy left after limiting (worked
    # out only around the peaks) moves with the gain about as the K-weighted loudness does, so the gain at
    # which the limited energy is what the plain gain alone would give usually lands within _SEARCH_LU (5 of
    # 7 shipped narrations) or close. Then secant steps through the tries, inside the bracket once a try has
    # overshot, and bisection where a step would leave it (a wrong model, or BS.1770's gating making a short
    # take's loudness jump about). Never more than 24 dB above the plain gain.
    magnitudes = np.abs(samples)
    energy = float(np.dot(samples, samples))

    def modelled(gain_db: float) -> float:    # dB
        kept = _energy_after_limit(magnitudes, rate, ceiling, gain_db, energy)
        return 10 * np.log10(kept) if kept > 0 else float("-inf")

    def model_gain(plain: float) -> float:
        """The gain at which the model keeps the energy the plain gain gives unlimited (secant steps)."""
        wanted = 10 * np.log10(energy) + plain     # energy > 0: the narration's loudness was finite
        a, at_a = plain, modelled(plain)
        b = plain + (wanted - at_a)
        at_b = modelled(b)
        for _ in range(3):
            if abs(at_b - wanted) < _SEARCH_LU / 3 or at_b == at_a or not np.isfinite(at_b):
                break
            a, at_a, b = b, at_b, b - (at_b - wanted) * (b - a) / (at_b - at_a)
            at_b = modelled(b)
        return b

    plain = target - current
    low, high = plain, plain + 24.0
    first = model_gain(plain)
    miss = attempt(first if low <= first < high else plain)
    for _ in range(16):
        if abs(miss) < _SEARCH_LU or not np.isfinite(miss):
            break
        gain = tries[-1][0]
        if miss < 0:
            low = max(low, gain)
        else:
            high = min(high, gain)
        step = -miss      # limiting only takes away: a step of the miss itself falls short or lands
        if len(tries) > 1:
            slope = (miss - tries[-2][1]) / (gain - tries[-2][0]) if gain != tries[-2][0] else 0.0
            if np.isfinite(slope) and slope > 0.05:
                step = -miss / slope
        following = gain + step
        if not low < following < high:
            following = (low + high) / 2
        miss = attempt(following)
    finite = [t for t in tries if np.isfinite(t[1])] or tries
    out, level = min(finite, key=lambda t: abs(t[1]))[2]
    ints = np.clip(np.round(out * 32768.0), -32768, 32767).astype("<i2")
    return ints.tobytes(), level
