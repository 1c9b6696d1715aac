r"""Spectra of sampled functions, per-frequency errors over training, convergence steps, power laws.

**Convention.** A signal is sampled on a uniform periodic grid ``x_j = j * period / N``
(``j = 0..N-1``, the endpoint excluded). Its Fourier coefficients are
``c_k = numpy.fft.fft(f)[k] / N``, so that :math:`f(x_j) = \sum_k c_k e^{+2\pi i k x_j / P}` and
frequency ``k`` means ``k`` cycles per period (``k / period`` cycles per unit of ``x``).
The *amplitude* at ``k > 0`` is ``2 |c_k|`` (``|c_0|`` at DC and ``|c_{N/2}|`` at Nyquist), so
``A sin(2 pi k x / P + phi)`` has amplitude exactly ``A`` at ``k``.

The per-frequency relative error of Rahaman et al. (2019), tracked over training, is
:math:`\Delta_k = |\hat f_k - \hat g_k| / |\hat g_k|` for a model ``f`` and target ``g``;
a frequency has *converged* at the first recorded step after which :math:`\Delta_k` stays below a
threshold.

Example:
    >>> import numpy as np
    >>> x = np.arange(64) / 64
    >>> freqs, amp = spectrum_1d(3 * np.sin(2 * np.pi * 5 * x))
    >>> int(freqs[np.argmax(amp)]), round(float(amp.max()), 12)
    (5, 3.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qspectral.errors import InvalidSignalError

# scipy.stats (about 0.5 s to import) is imported inside the functions that use it.


def _real_samples(samples: Any, name: str = "samples", min_length: int = 2) -> np.ndarray:
    array = np.asarray(samples)
    if np.iscomplexobj(array):
        raise InvalidSignalError(
            f"{name} must be real, got dtype {array.dtype}; pass the real part (or real and "
            "imaginary parts separately)"
        )
    array = array.astype(np.float64)
    if array.ndim == 0 or array.shape[-1] < min_length:
        raise InvalidSignalError(
            f"{name} needs at least {min_length} samples along its last axis, got shape "
            f"{array.shape}; sample the function on a finer grid"
        )
    if not np.all(np.isfinite(array)):
        raise InvalidSignalError(f"{name} has NaN or infinite values; check what produced them")
    return array


def _check_period(period: float) -> float:
    if not np.isfinite(period) or period <= 0:
        raise InvalidSignalError(f"period must be a positive number, got {period!r}")
    return float(period)


def spectrum_1d(samples: Any, *, period: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """One-sided amplitude spectrum of real samples along the last axis.

    Returns ``(frequencies, amplitudes)``: ``frequencies = numpy.fft.rfftfreq(N, period / N)``
    (cycles per unit of ``x``) and the amplitudes of the module docstring, so a sinusoid of
    amplitude ``A`` shows a single peak of height ``A``. Parseval reads
    ``mean(f**2) = a_0**2 + sum(a_k**2) / 2 (+ a_Nyq**2 / 2 for even N)``.

    Example:
        >>> import numpy as np
        >>> x = np.arange(8) / 8
        >>> f, a = spectrum_1d(1 + np.cos(2 * np.pi * x))
        >>> f.tolist(), np.round(a, 12).tolist()
        ([0.0, 1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 0.0, 0.0, 0.0])
    """
    f = _real_samples(samples)
    period = _check_period(period)
    n = f.shape[-1]
    amplitudes = np.abs(np.fft.rfft(f, axis=-1)) / n
    amplitudes[..., 1 : (n + 1) // 2] *= 2  # fold the negative frequencies in; not DC or Nyquist
    return np.fft.rfftfreq(n, period / n), amplitudes


def power_spectrum_2d(image: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centred power spectrum ``|fft2(image)|**2 / (H*W)**2`` of a real 2-D array.

    Returns ``(freqs_y, freqs_x, power)`` with integer frequencies (cycles per image side) in
    ``numpy.fft.fftshift`` order, so DC sits at index ``(H//2, W//2)``. Parseval:
    ``power.sum() == mean(image**2)``.

    Example:
        >>> import numpy as np
        >>> fy, fx, p = power_spectrum_2d(np.ones((4, 4)))
        >>> float(p[2, 2]), float(p.sum())
        (1.0, 1.0)
    """
    img = _real_samples(image, "image")
    if img.ndim != 2:
        raise InvalidSignalError(f"image must be 2-D, got shape {img.shape}; pass one channel")
    h, w = img.shape
    power = np.abs(np.fft.fftshift(np.fft.fft2(img))) ** 2 / (h * w) ** 2
    fy = np.fft.fftshift(np.fft.fftfreq(h, 1 / h))
    fx = np.fft.fftshift(np.fft.fftfreq(w, 1 / w))
    return fy, fx, power


def radial_average(power: Any) -> tuple[np.ndarray, np.ndarray]:
    """Mean of a centred 2-D spectrum over rings of integer radius ``round(sqrt(ky**2 + kx**2))``.

    ``power`` is laid out as :func:`power_spectrum_2d` returns it (DC at ``(H//2, W//2)``).
    Returns ``(radii, profile)`` for radii ``0..max``; a radius with no grid point gets NaN.

    Example:
        >>> import numpy as np
        >>> r, prof = radial_average(np.ones((5, 5)))
        >>> r.tolist(), prof.tolist()
        ([0, 1, 2, 3], [1.0, 1.0, 1.0, 1.0])
    """
    p = _real_samples(power, "power")
    if p.ndim != 2:
        raise InvalidSignalError(f"power must be 2-D, got shape {p.shape}")
    h, w = p.shape
    ky, kx = np.meshgrid(np.arange(h) - h // 2, np.arange(w) - w // 2, indexing="ij")
    radius = np.rint(np.hypot(ky, kx)).astype(int).ravel()
    sums = np.bincount(radius, weights=p.ravel())
    counts = np.bincount(radius)
    with np.errstate(invalid="ignore", divide="ignore"):
        profile = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return np.arange(profile.size), profile


def _frequency_indices(frequencies: Sequence[float], n: int, period: float) -> np.ndarray:
    freqs = np.asarray(frequencies, dtype=np.float64).ravel()
    if freqs.size == 0:
        raise InvalidSignalError("frequencies is empty; pass the frequencies to measure")
    index = np.rint(freqs * period)
    if not np.allclose(index, freqs * period, atol=1e-9) or np.any(index < 0) or np.any(index >= n / 2):
        raise InvalidSignalError(
            f"frequencies {freqs.tolist()} must be whole numbers of cycles per period ({period}) "
            f"between 0 and {n / (2 * period)} (exclusive, Nyquist of {n} samples); "
            "sample on a finer grid or choose grid frequencies"
        )
    return index.astype(int)


def frequency_errors(
    prediction: Any, target: Any, frequencies: Sequence[float], *, period: float = 1.0
) -> np.ndarray:
    """Relative error ``|c_k(prediction) - c_k(target)| / |c_k(target)|`` at each frequency.

    Both are real samples on the same periodic grid (last axis); leading axes broadcast.
    Frequencies are in cycles per unit of ``x`` and must lie on the grid and below Nyquist; the
    target must contain each of them (a zero coefficient has no relative error).

    Example:
        >>> import numpy as np
        >>> x = np.arange(32) / 32
        >>> g = np.sin(2 * np.pi * x) + np.sin(2 * np.pi * 4 * x)
        >>> np.round(frequency_errors(np.sin(2 * np.pi * x), g, [1, 4]), 12).tolist()
        [0.0, 1.0]
    """
    pred = _real_samples(prediction, "prediction")
    targ = _real_samples(target, "target")
    if pred.shape[-1] != targ.shape[-1]:
        raise InvalidSignalError(
            f"prediction has {pred.shape[-1]} samples but target has {targ.shape[-1]}; "
            "evaluate both on the same grid"
        )
    period = _check_period(period)
    n = targ.shape[-1]
    index = _frequency_indices(frequencies, n, period)
    c_pred = np.fft.rfft(pred, axis=-1)[..., index]
    c_targ = np.fft.rfft(targ, axis=-1)[..., index]
    if np.any(np.abs(c_targ) <= 1e-12 * n * max(np.abs(targ).max(), 1e-300)):
        raise InvalidSignalError(
            "the target has (numerically) no component at some of the requested frequencies; "
            "measure only frequencies present in the target"
        )
    return np.abs(c_pred - c_targ) / np.abs(c_targ)


def convergence_steps(steps: Sequence[int], errors: Any, threshold: float) -> np.ndarray:
    """First recorded step after which each frequency's error stays below ``threshold``.

    ``errors`` has shape ``(len(steps), num_frequencies)`` (one row per recorded step, steps
    increasing). A frequency whose last recorded error is not below the threshold never
    converged and gets NaN.

    Example:
        >>> errors = [[1.0, 1.0], [0.05, 1.0], [0.2, 0.05], [0.05, 0.05]]
        >>> convergence_steps([0, 10, 20, 30], errors, 0.1).tolist()
        [30.0, 20.0]
    """
    step_arr = np.asarray(steps, dtype=np.float64).ravel()
    err = np.asarray(errors, dtype=np.float64)
    if err.ndim == 1:
        err = err[:, None]
    if err.ndim != 2 or err.shape[0] != step_arr.size or step_arr.size == 0:
        raise InvalidSignalError(
            f"errors must have shape (len(steps), num_frequencies) = ({step_arr.size}, F), "
            f"got {np.shape(errors)}"
        )
    if np.any(np.diff(step_arr) <= 0):
        raise InvalidSignalError("steps must be strictly increasing; record steps in order")
    if not threshold > 0:
        raise InvalidSignalError(f"threshold must be positive, got {threshold!r}")
    below = err < threshold
    # stays_below[i] is True when every error from row i to the end is below the threshold
    stays_below = np.flip(np.logical_and.accumulate(np.flip(below, axis=0), axis=0), axis=0)
    first = np.argmax(stays_below, axis=0)
    return np.where(stays_below[-1], step_arr[first], np.nan)


def spearman_rho(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman rank correlation of ``x`` and ``y``; NaN in ``y`` ranks after every finite value.

    That makes a never-converged frequency (NaN from :func:`convergence_steps`) count as the
    slowest. Returns NaN when either side is constant (no ranking exists).

    Example:
        >>> spearman_rho([1, 2, 3, 4], [10, 30, float("nan"), 20])
        0.4
    """
    from scipy import stats

    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    if xa.size != ya.size or xa.size < 2:
        raise InvalidSignalError(
            f"x and y need the same length (at least 2), got {xa.size} and {ya.size}"
        )
    ya = np.where(np.isnan(ya), np.inf, ya)
    if np.ptp(stats.rankdata(xa)) == 0 or np.ptp(stats.rankdata(ya)) == 0:
        return float("nan")
    return round(float(stats.spearmanr(xa, ya).statistic), 12)


def concordance_index(x: Sequence[float], y: Sequence[float]) -> float:
    """Harrell's concordance: the share of comparable pairs whose ``y`` order follows their ``x`` order.

    ``y`` holds convergence steps, NaN for a frequency that never converged (censored at the end
    of training). A pair with ``x_i < x_j`` is *comparable* unless both ``y`` are NaN (their
    order is unknown) or ``x_i = x_j``; it is concordant when ``y_i < y_j`` (a NaN counts as
    later than every finite step), discordant when ``y_i > y_j``, and a tie of equal finite
    ``y`` counts one half. Unlike Spearman's rho with never-converged values tied for last rank,
    a perfect order scores exactly 1 whatever how many frequencies never converged; 0.5 is no
    order, 0 the reversed order. NaN when no pair is comparable.

    Example:
        >>> concordance_index([1, 2, 3, 4], [10, 20, float("nan"), float("nan")])
        1.0
        >>> concordance_index([1, 2, 3], [30, 20, 10])
        0.0
    """
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    if xa.size != ya.size or xa.size < 2:
        raise InvalidSignalError(f"x and y need the same length (at least 2), got {xa.size} and {ya.size}")
    if np.any(~np.isfinite(xa)):
        raise InvalidSignalError("x must be finite (only y may hold NaN for never-converged entries)")
    yy = np.where(np.isnan(ya), np.inf, ya)
    i, j = np.triu_indices(xa.size, 1)
    lo, hi = np.where(xa[i] < xa[j], i, j), np.where(xa[i] < xa[j], j, i)
    comparable = (xa[i] != xa[j]) & ~(np.isinf(yy[lo]) & np.isinf(yy[hi]))
    if not comparable.any():
        return float("nan")
    score = np.where(yy[lo] < yy[hi], 1.0, np.where(yy[lo] > yy[hi], 0.0, 0.5))
    return round(float(score[comparable].mean()), 12)


def paired_effect(values: Sequence[float], *, confidence: float = 0.95) -> dict[str, Any]:
    """Mean of per-seed values (paired differences, per-seed statistics) with a Student-t interval.

    Returns ``{"mean", "ci_low", "ci_high", "confidence", "seeds"}``; with one seed the interval
    is ``None`` (no spread to estimate). NaN entries are dropped (and not counted as seeds).

    Example:
        >>> effect = paired_effect([1.0, 2.0, 3.0])
        >>> effect["mean"], round(effect["ci_low"], 4), round(effect["ci_high"], 4), effect["seeds"]
        (2.0, -0.4841, 4.4841, 3)
    """
    arr = np.asarray(values, dtype=np.float64).ravel()
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        raise InvalidSignalError("paired_effect needs at least one finite per-seed value")
    if not 0 < confidence < 1:
        raise InvalidSignalError(f"confidence must be in (0, 1), got {confidence!r}")
    mean = float(arr.mean())
    low = high = None
    if arr.size > 1:
        from scipy import stats

        half = float(stats.t.ppf(0.5 + confidence / 2, arr.size - 1) * arr.std(ddof=1) / np.sqrt(arr.size))
        low, high = mean - half, mean + half
    return {"mean": mean, "ci_low": low, "ci_high": high, "confidence": confidence, "seeds": int(arr.size)}


@dataclass(frozen=True)
class PowerLawFit:
    """``y = prefactor * x ** exponent`` fitted in log-log space, with confidence intervals."""

    prefactor: float
    exponent: float
    exponent_interval: tuple[float, float]
    prefactor_interval: tuple[float, float]
    r_squared: float
    confidence: float


def fit_power_law(x: Sequence[float], y: Sequence[float], *, confidence: float = 0.95) -> PowerLawFit:
    """Least-squares fit of ``log y = log a + b log x``; Student-t intervals on ``b`` and ``a``.

    Needs at least three points with positive ``x`` and ``y``.

    Example:
        >>> fit = fit_power_law([1, 2, 4, 8], [3.0, 0.75, 0.1875, 0.046875])
        >>> round(fit.exponent, 10), round(fit.prefactor, 10)
        (-2.0, 3.0)
    """
    from scipy import stats

    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    if xa.size != ya.size or xa.size < 3:
        raise InvalidSignalError(
            f"a power-law fit with intervals needs at least 3 (x, y) pairs, got {xa.size} x and "
            f"{ya.size} y values"
        )
    if np.any(~np.isfinite(xa)) or np.any(~np.isfinite(ya)) or np.any(xa <= 0) or np.any(ya <= 0):
        raise InvalidSignalError(
            "power-law fits need finite, positive x and y (they are fitted in log-log space); "
            "drop the zero, negative or NaN points first"
        )
    if not 0 < confidence < 1:
        raise InvalidSignalError(f"confidence must be in (0, 1), got {confidence!r}")
    res = stats.linregress(np.log(xa), np.log(ya))
    t = stats.t.ppf(0.5 + confidence / 2, xa.size - 2)
    b, log_a = float(res.slope), float(res.intercept)
    db, dlog_a = t * float(res.stderr), t * float(res.intercept_stderr)
    return PowerLawFit(
        prefactor=float(np.exp(log_a)),
        exponent=b,
        exponent_interval=(b - db, b + db),
        prefactor_interval=(float(np.exp(log_a - dlog_a)), float(np.exp(log_a + dlog_a))),
        r_squared=float(res.rvalue**2),
        confidence=confidence,
    )


def split_amplitude_phase(signal: Any, axes: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Amplitude ``|F|`` and phase ``angle(F)`` of ``F = numpy.fft.fftn(signal, axes=axes)``.

    ``axes=None`` transforms every axis (an image: both). :func:`combine_amplitude_phase` inverts.

    Example:
        >>> import numpy as np
        >>> amp, phase = split_amplitude_phase(np.array([1.0, 0.0, 0.0, 0.0]))
        >>> amp.tolist(), phase.tolist()
        ([1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0])
    """
    spectrum = np.fft.fftn(_real_samples(signal, "signal", 1), axes=axes)
    return np.abs(spectrum), np.angle(spectrum)


def combine_amplitude_phase(amplitude: Any, phase: Any, axes: Sequence[int] | None = None) -> np.ndarray:
    """Real signal ``real(ifftn(amplitude * exp(i phase)))``: the inverse of :func:`split_amplitude_phase`.

    Example:
        >>> import numpy as np
        >>> s = np.array([0.5, -1.0, 2.0])
        >>> bool(np.allclose(combine_amplitude_phase(*split_amplitude_phase(s)), s))
        True
    """
    amp = np.asarray(amplitude, dtype=np.float64)
    ph = np.asarray(phase, dtype=np.float64)
    if amp.shape != ph.shape:
        raise InvalidSignalError(
            f"amplitude has shape {amp.shape} but phase has {ph.shape}; they must match"
        )
    return np.real(np.fft.ifftn(amp * np.exp(1j * ph), axes=axes))


def swap_amplitude_phase(a: Any, b: Any, axes: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The two hybrids ``(amplitude of a + phase of b, amplitude of b + phase of a)``.

    For real inputs both hybrids are real signals (Hermitian spectra), returned as such.

    Example:
        >>> import numpy as np
        >>> a, b = np.array([1.0, 0.0, 0.0, 0.0]), np.array([0.0, 2.0, 0.0, 0.0])
        >>> ab, ba = swap_amplitude_phase(a, b)
        >>> bool(np.allclose(ab, [0, 1, 0, 0]))       # a's flat amplitude, b's phase: a shifted by 1
        True
    """
    amp_a, phase_a = split_amplitude_phase(a, axes)
    amp_b, phase_b = split_amplitude_phase(b, axes)
    if amp_a.shape != amp_b.shape:
        raise InvalidSignalError(f"a has shape {amp_a.shape} but b has {amp_b.shape}; they must match")
    return combine_amplitude_phase(amp_a, phase_b, axes), combine_amplitude_phase(amp_b, phase_a, axes)


def _to_numpy(values: Any) -> np.ndarray:
    if hasattr(values, "detach"):
        values = values.detach().cpu()
    return np.asarray(values, dtype=np.float64)


class SpectralTracker:
    """Records each frequency's relative error (:func:`frequency_errors`) of a model over training.

    ``inputs`` is what the model is called with (a numpy array, a torch tensor, ...) and
    ``target`` the target's real samples on that periodic grid; ``steps`` the training steps to
    record (``None``: every step passed to :meth:`record`). The model is any callable returning
    the samples (a torch output is detached; call it inside ``torch.no_grad()`` yourself if it
    matters for speed).

    Example:
        >>> import numpy as np
        >>> x = np.arange(32) / 32
        >>> g = np.sin(2 * np.pi * x) + np.sin(2 * np.pi * 3 * x)
        >>> tracker = SpectralTracker(x, g, [1, 3])
        >>> tracker.record(0, lambda t: 0 * t)
        True
        >>> _ = tracker.record(5, lambda t: np.sin(2 * np.pi * t))
        >>> _ = tracker.record(9, lambda t: g)
        >>> tracker.convergence_steps(0.1).tolist()
        [5.0, 9.0]
    """

    def __init__(
        self,
        inputs: Any,
        target: Any,
        frequencies: Sequence[float],
        steps: Sequence[int] | None = None,
        *,
        period: float = 1.0,
    ) -> None:
        self.inputs = inputs
        self.target = _real_samples(target, "target").ravel()
        self.period = _check_period(period)
        self.frequencies = np.asarray(frequencies, dtype=np.float64).ravel()
        _frequency_indices(self.frequencies, self.target.size, self.period)  # fail early
        self.steps_to_record = None if steps is None else frozenset(int(s) for s in steps)
        self._steps: list[int] = []
        self._errors: list[np.ndarray] = []

    def record(self, step: int, model: Callable[[Any], Any]) -> bool:
        """Evaluate ``model(inputs)`` and store its errors if ``step`` is one to record."""
        if self.steps_to_record is not None and int(step) not in self.steps_to_record:
            return False
        if self._steps and step <= self._steps[-1]:
            raise InvalidSignalError(
                f"step {step} is not after the last recorded step {self._steps[-1]}; record in order"
            )
        values = _to_numpy(model(self.inputs)).ravel()
        self._steps.append(int(step))
        self._errors.append(frequency_errors(values, self.target, self.frequencies, period=self.period))
        return True

    @property
    def steps(self) -> np.ndarray:
        """The recorded steps, shape ``(R,)``."""
        return np.asarray(self._steps, dtype=np.int64)

    @property
    def errors(self) -> np.ndarray:
        """The recorded relative errors, shape ``(R, num_frequencies)``."""
        return np.asarray(self._errors, dtype=np.float64).reshape(len(self._steps), self.frequencies.size)

    def convergence_steps(self, threshold: float) -> np.ndarray:
        """:func:`convergence_steps` of the recorded errors."""
        if not self._steps:
            raise InvalidSignalError("nothing recorded yet; call record() during training first")
        return convergence_steps(self.steps, self.errors, threshold)
