"""audio_loudness computes what pyloudnorm and the plain limiter compute (to 1e-9 LU, the same 16-bit samples),
with less work."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from handout_pipeline.writers import audio_loudness

RATE = 22050
_rng = np.random.default_rng(16)


def _speechlike(seconds: float, level: float) -> np.ndarray:
    """Noise bursts (words) with exact silence between them, as a narration joined with pauses is."""
    out = np.zeros(int(seconds * RATE))
    for start in range(0, len(out) - RATE, RATE):
        out[start:start + RATE * 2 // 3] = _rng.normal(0, level, RATE * 2 // 3)
    return out


SIGNALS = {
    "words and pauses": _speechlike(6, 0.1),
    "exact silence": np.zeros(RATE * 2),
    "below the absolute gate": _rng.normal(0, 1e-5, RATE * 2),
    # one loud block among quiet ones: the relative gate (-10 LU) drops the quiet ones
    "one loud block": np.concatenate([_rng.normal(0, 0.001, RATE * 4), _rng.normal(0, 0.5, 8820)]),
    # a staircase of levels 0.5 dB apart: any shift of either gate moves blocks in or out
    "levels across both gates": np.concatenate([_rng.normal(0, 10 ** (-db / 20), RATE // 2)
                                                 for db in np.arange(0.0, 80.0, 0.5)]),
    "quiet levels across the absolute gate": np.concatenate([_rng.normal(0, 10 ** (-db / 20), RATE // 2)
                                                              for db in np.arange(55.0, 85.0, 0.5)]),
    "odd length, block bounds not on samples": np.sin(np.arange(12345) / 7.0) * 0.5,
    "clipped full scale": np.clip(_rng.normal(0, 2, RATE), -1, 1),
    "just long enough": _rng.normal(0, 0.2, RATE // 2),
}


@pytest.mark.parametrize("name", SIGNALS)
def test_loudness_is_pyloudnorms(name):
    samples = SIGNALS[name]
    expected = float(pyloudnorm.Meter(RATE).integrated_loudness(samples.copy()))
    got = audio_loudness.loudness(samples, RATE)
    assert got == expected or abs(got - expected) < 1e-9 or (np.isnan(got) and np.isnan(expected)), (got, expected)
    assert isinstance(got, float)


def test_loudness_of_other_arrays_and_short_audio():
    as_float32 = SIGNALS["words and pauses"].astype(np.float32)
    assert audio_loudness.loudness(as_float32, RATE) == float(pyloudnorm.Meter(RATE).integrated_loudness(as_float32))
    assert audio_loudness.loudness(np.ones(RATE // 2 - 1) * 0.5, RATE) == float("-inf")
    assert np.isfinite(audio_loudness.loudness(SIGNALS["words and pauses"], RATE))


def _limit_as_before(samples, rate, ceiling):
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    needed = np.minimum(1.0, ceiling / np.maximum(np.abs(samples), 1e-12))
    ahead, release = max(1, rate * 5 // 1000), max(1, rate * 40 // 1000)
    gain = minimum_filter1d(needed, size=2 * ahead + release, origin=0, mode="nearest")
    gain = uniform_filter1d(gain, size=2 * ahead + 1, mode="nearest")
    return samples * np.minimum(gain, needed)


@pytest.mark.parametrize("gain_db", [0.0, 7.25, 19.0])
def test_limiter_around_the_peaks_gives_the_same_samples(gain_db):
    """The gain is worked out only around the samples over the ceiling: the same as over the whole signal (to
    1e-11: the whole-signal running mean drifts ~1e-13 off 1 after a peak; here it is exactly 1 away from them),
    the same 16-bit samples, the input untouched."""
    samples = SIGNALS["words and pauses"]
    kept = samples.copy()
    ceiling = 10 ** (audio_loudness.CEILING_DBFS / 20)
    got = audio_loudness._limit(samples, RATE, ceiling, gain_db)
    raised = samples * 10 ** (gain_db / 20)
    expected = _limit_as_before(raised, RATE, ceiling)
    assert np.abs(got - expected).max() < 1e-11 and np.array_equal(samples, kept)   # the input is left alone
    assert np.array_equal(np.round(got * 32768), np.round(expected * 32768))
    assert gain_db == 0.0 or np.abs(got).max() <= ceiling + 1e-12 < np.abs(raised).max()
    # Away from every peak (further than look-ahead, release and smoothing) the samples are the raised ones.
    over = np.flatnonzero(np.abs(raised) > ceiling)
    reach = 2 * (RATE * 5 // 1000) + RATE * 40 // 1000 + 2 * (RATE * 5 // 1000) + 1
    far = np.ones(len(raised), bool)
    for index in over:
        far[max(0, index - reach):index + reach + 1] = False
    assert far.any() and np.array_equal(got[far], raised[far])


def test_limiter_on_separate_and_clustered_peaks_and_at_the_edges():
    """Peaks at the first and last sample, two close together (one run) and one alone: each limited, as the
    whole-signal limiter does."""
    ceiling = 10 ** (audio_loudness.CEILING_DBFS / 20)
    signal = _rng.normal(0, 0.05, RATE * 3)
    for index in (0, 1000, 1100, RATE * 2, len(signal) - 1):
        signal[index] = 0.99 * (-1) ** index
    got = audio_loudness._limit(signal, RATE, ceiling)
    expected = _limit_as_before(signal, RATE, ceiling)
    assert np.abs(got - expected).max() < 1e-11 and np.abs(got).max() <= ceiling + 1e-12


def test_normalise_returns_the_loudness_it_measured_and_a_given_current_level_is_used(monkeypatch):
    words = SIGNALS["words and pauses"] * 0.3
    words[::RATE // 4] = 0.3   # clicks: raised to the target they pass the ceiling, so the limiter takes some away
    pcm = (np.clip(words, -1, 1) * 32767).astype("<i2").tobytes()
    measured = []
    real = audio_loudness.loudness

    def spy(samples, rate):
        measured.append((samples, real(samples, rate)))
        return measured[-1][1]

    monkeypatch.setattr(audio_loudness, "loudness", spy)
    out, level = audio_loudness.normalise(pcm, RATE)
    calls = len(measured)
    assert calls >= 2   # its own measure and a try at least
    result = np.frombuffer(out, dtype="<i2") / 32768.0
    ceiling = 10 ** (audio_loudness.CEILING_DBFS / 20)
    plain = 10 ** ((audio_loudness.TARGET_LUFS - measured[0][1]) / 20)
    assert np.abs(result).max() <= ceiling + 1e-4 < 0.3 * plain   # the limiter mattered: plain gain would clip
    [(signal, value)] = [(s, v) for s, v in measured[1:] if np.array_equal(np.round(s * 32768.0).clip(
        -32768, 32767) / 32768.0, result)][-1:]
    assert level == value and abs(level - audio_loudness.TARGET_LUFS) < 0.05
    measured.clear()
    again = audio_loudness.normalise(pcm, RATE, current=audio_loudness.pcm_loudness(pcm, RATE))
    assert again == (out, level) and len(measured) == calls   # one measure by the caller, one fewer inside


@pytest.mark.parametrize("model", ["flat", "backwards", "wild"])
def test_level_search_reaches_the_target_when_its_model_is_wrong(monkeypatch, model):
    """The model only proposes steps: a model that does not move, moves the wrong way or jumps about costs
    more tries, never a level off the target."""
    words = SIGNALS["words and pauses"] * 0.3
    words[::RATE // 4] = 0.3
    pcm = (np.clip(words, -1, 1) * 32767).astype("<i2").tobytes()
    steps = iter(range(1000))
    wrong = {"flat": lambda m, r, c, g, e: e,
             "backwards": lambda m, r, c, g, e: e / 10 ** (g / 10),
             "wild": lambda m, r, c, g, e: e * 10 ** ((next(steps) % 7) - 3)}[model]
    monkeypatch.setattr(audio_loudness, "_energy_after_limit", wrong)
    out, level = audio_loudness.normalise(pcm, RATE)
    assert abs(level - audio_loudness.TARGET_LUFS) < 0.05
    assert level == audio_loudness.pcm_loudness(out, RATE) or abs(level - audio_loudness.pcm_loudness(out, RATE)) < 0.01


def test_limited_energy_model_matches_the_limiter():
    """The model's energy after limiting is the limiter's output energy (it only skips the untouched samples)."""
    ceiling = 10 ** (audio_loudness.CEILING_DBFS / 20)
    words = SIGNALS["words and pauses"]
    for gain_db in (0.0, 7.25, 19.0):
        limited = audio_loudness._limit(words, RATE, ceiling, gain_db)
        modelled = audio_loudness._energy_after_limit(np.abs(words), RATE, ceiling, gain_db, float(np.dot(words, words)))
        assert modelled == pytest.approx(float(np.dot(limited, limited)), rel=1e-9)


def _wav(path, samples) -> None:
    import wave

    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(22050)
        wav.writeframes(np.asarray(samples, dtype="<i2").tobytes())


def test_check_wav_finds_silence_and_hears_one_loud_sample(tmp_path):
    from handout_pipeline.writers.audio_synth import MIN_PEAK, SynthesisError, check_wav

    quiet = np.zeros(22050, dtype=np.int16)
    quiet[::7] = MIN_PEAK - 1
    _wav(tmp_path / "quiet.wav", quiet)
    with pytest.raises(SynthesisError, match="silence"):
        check_wav(tmp_path / "quiet.wav", "a quiet one")
    check_wav(tmp_path / "quiet.wav", "a quiet one", audible=False)   # the format alone is fine
    for peak in (MIN_PEAK, -MIN_PEAK, -32768, 32767):   # -32768 has no positive 16-bit twin
        one = np.zeros(22050, dtype=np.int16)
        one[11025] = peak
        _wav(tmp_path / "one.wav", one)
        check_wav(tmp_path / "one.wav", "one loud sample")


@pytest.mark.parametrize("predicted, encodings", [(-2.0, 2), (None, 1)])
def test_encoder_loss_is_made_up_in_advance_and_measured_after(monkeypatch, predicted, encodings):
    """One encoding when the prediction of what the encoder takes away is right (noise bursts shaped like
    syllables stand in for speech); a wrong prediction costs a second encoding, never a narration off target."""
    import miniaudio

    from handout_pipeline.writers import audio

    syllables = _speechlike(8, 0.05) * np.abs(np.sin(np.arange(8 * RATE) * 2 * np.pi * 4 / RATE))
    pcm = (np.clip(syllables, -1, 1) * 32767).astype("<i2").tobytes()
    real_loss = audio.ENCODER_LOSS_LU
    if predicted is not None:
        monkeypatch.setattr(audio, "ENCODER_LOSS_LU", predicted)
    else:   # what this signal loses: the prediction is right
        louder, level = audio_loudness.normalise(pcm, RATE)
        loss = level - audio.heard_loudness(audio._encode(louder))
        assert abs(loss - real_loss) < 0.3     # noise loses about what speech does
        monkeypatch.setattr(audio, "ENCODER_LOSS_LU", loss)
    encoded = []
    real = audio._encode
    monkeypatch.setattr(audio, "_encode", lambda p: (encoded.append(p), real(p))[1])
    mp3, heard = audio._encode_normalised(pcm)
    assert len(encoded) == encodings
    decoded = miniaudio.decode(mp3, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1, sample_rate=RATE)
    assert heard == audio_loudness.pcm_loudness(decoded.samples.tobytes(), RATE)
    assert abs(heard - audio_loudness.TARGET_LUFS) <= 0.1
