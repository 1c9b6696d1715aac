r"""Translation-invariant signals built in Fourier space: amplitude and phase classification tasks.

**Convention.** A signal ``x`` of length ``N`` has the DFT ``X = numpy.fft.fft(x)``, frequencies
in fft order (``0, 1, ..., -1``), ``|k| = abs(numpy.fft.fftfreq(N, 1 / N))``. A real signal needs a
Hermitian spectrum: amplitudes ``A_{-k} = A_k`` and phases ``phi_{-k} = -phi_k`` (mod ``2 pi``),
with the phase of ``k = 0`` and of the Nyquist frequency ``N/2`` equal to ``0`` or ``pi``.
:func:`fourier_signals` returns the real ``x`` with ``fft(x) = A exp(i phi)`` exactly (to rounding).

**Spectra.** :func:`power_law_amplitudes` gives the power spectrum ``A_k**2 ~ |k|**(-beta)``
(``beta = 0``: flat) with ``A_0 = 0`` (zero-mean signals), normalised to ``sum_k A_k**2 = N**2``,
so every signal built from it has ``||x||**2 = N`` (Parseval): one unit of power per sample.

**Tasks** (after Ricci, Merger & Goldt, "A Fourier perspective on the learning dynamics of neural
networks"), two balanced classes of signals, see :class:`SpectralTask`:

* ``amplitude``: the classes differ only in their power spectrum, ``|k|**-(beta + contrast/2)``
  (label 0, redder) against ``|k|**-(beta - contrast/2)`` (label 1, bluer), both with
  independent uniform random phases (:func:`random_phases`).
* ``phase``: both classes share the amplitudes of ``|k|**-beta`` and differ only in their phases:
  label 0 has random phases, label 1 the phases ``-2 pi k s / N`` of a localised peak at a random
  integer shift ``s`` (:func:`shift_phases`), every phase perturbed by Gaussian noise of standard
  deviation ``jitter`` radians. Both classes have the same power spectrum, so no function of
  ``|X_k|`` separates them, and (the shift being uniform) the same covariance: the circulant
  matrix of ``A_k**2``. Only higher-order statistics tell them apart.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> task = SpectralTask("phase", 16, beta=1.0)
    >>> x = task.sample(np.array([0, 1]), rng)
    >>> amp = np.abs(np.fft.fft(x))                       # both classes: the same amplitudes
    >>> bool(np.allclose(amp, task.amplitudes(0)) and np.allclose(amp, task.amplitudes(1)))
    True
    >>> np.round((x**2).sum(axis=1), 10).tolist()          # ||x||^2 = N
    [16.0, 16.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qspectral.errors import InvalidSignalError

TASKS = ("amplitude", "phase")


def _length(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 4:
        raise InvalidSignalError(f"signal length must be an integer >= 4, got {n!r}")
    return int(n)


def frequency_magnitudes(n: int) -> np.ndarray:
    """``|k|`` of each DFT index in fft order (integers).

    Example:
        >>> frequency_magnitudes(6).tolist()
        [0, 1, 2, 3, 2, 1]
    """
    _length(n)
    return np.abs(np.fft.fftfreq(n, 1.0 / n)).round().astype(np.int64)


def power_law_amplitudes(n: int, beta: float) -> np.ndarray:
    """Amplitudes ``A_k ~ |k|**(-beta/2)`` (power ``~ |k|**-beta``), ``A_0 = 0``, ``sum A_k**2 = n**2``.

    Example:
        >>> a = power_law_amplitudes(8, 2.0)
        >>> bool(np.isclose(a[1] / a[2], 2.0)), bool(np.isclose((a**2).sum(), 64))
        (True, True)
    """
    if not np.isfinite(beta):
        raise InvalidSignalError(f"beta must be a finite spectral exponent, got {beta!r}")
    k = frequency_magnitudes(n).astype(np.float64)
    amplitudes = np.zeros(n)
    amplitudes[1:] = k[1:] ** (-float(beta) / 2)
    return amplitudes * (n / np.sqrt(np.sum(amplitudes**2)))


def _hermitian(free: np.ndarray, n: int) -> np.ndarray:
    """Phases in fft order with ``free`` at ``k = 1 .. ceil(n/2)-1`` and ``-free`` at ``-k``; 0 elsewhere."""
    half = (n - 1) // 2
    phases = np.zeros((free.shape[0], n))
    phases[:, 1 : half + 1] = free
    phases[:, n - half :] = -free[:, ::-1]
    return phases


def random_phases(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` rows of independent uniform phases in ``[-pi, pi)``, Hermitian-consistent (``(size, n)``).

    The DC phase is 0 and the Nyquist phase (even ``n``) is 0 or ``pi`` with probability 1/2.

    Example:
        >>> p = random_phases(8, 3, np.random.default_rng(1))
        >>> bool(np.allclose(p[:, 1:4], -p[:, 7:4:-1])), p.shape
        (True, (3, 8))
    """
    n = _length(n)
    phases = _hermitian(rng.uniform(-np.pi, np.pi, (int(size), (n - 1) // 2)), n)
    if n % 2 == 0:
        phases[:, n // 2] = np.pi * rng.integers(0, 2, int(size))
    return phases


def shift_phases(
    n: int, shifts: np.ndarray, *, jitter: float = 0.0, rng: np.random.Generator | None = None
) -> np.ndarray:
    """Phases ``-2 pi k s / n`` of a symmetric peak centred at each integer shift ``s``, plus jitter.

    With ``jitter > 0`` (radians, needs ``rng``) every free phase gets independent Gaussian noise
    (its mirror ``-k`` the opposite noise). Phases are wrapped to ``(-pi, pi]``.

    Example:
        >>> x = fourier_signals(np.ones(8), shift_phases(8, np.array([3])))
        >>> int(np.argmax(x[0]))                         # flat amplitudes: a spike at s = 3
        3
    """
    n = _length(n)
    shifts = np.asarray(shifts)
    if shifts.ndim != 1 or not np.issubdtype(shifts.dtype, np.integer):
        raise InvalidSignalError(
            f"shifts must be a 1-D array of integers (one per signal), got {shifts.dtype} of shape "
            f"{shifts.shape}; a non-integer shift has no real Nyquist component"
        )
    if jitter < 0 or not np.isfinite(jitter):
        raise InvalidSignalError(f"jitter must be a non-negative phase noise in radians, got {jitter!r}")
    if jitter > 0 and rng is None:
        raise InvalidSignalError("jitter > 0 needs a random generator: pass rng=numpy.random.default_rng(seed)")
    k = np.fft.fftfreq(n, 1.0 / n)
    phases = -2 * np.pi * np.outer(shifts, k) / n
    if jitter > 0:
        phases = phases + _hermitian(jitter * rng.standard_normal((shifts.size, (n - 1) // 2)), n)
    return np.angle(np.exp(1j * phases))


def fourier_signals(amplitudes: np.ndarray, phases: np.ndarray) -> np.ndarray:
    """Real signals ``x`` with ``numpy.fft.fft(x) = amplitudes * exp(1j * phases)`` (last axis).

    ``amplitudes`` (length ``n``, non-negative, ``A_{-k} = A_k``) broadcasts against ``phases``
    (``(..., n)``, ``phi_{-k} = -phi_k`` mod ``2 pi``, DC and Nyquist phases in ``{0, pi}`` where
    the amplitude is non-zero). A spectrum that breaks the symmetry has no real signal and raises.

    Example:
        >>> x = fourier_signals(np.array([0.0, 2.0, 0.0, 2.0]), np.array([0.0, 0.5, 0.0, -0.5]))
        >>> bool(np.allclose(np.fft.fft(x), [0, 2 * np.exp(0.5j), 0, 2 * np.exp(-0.5j)]))
        True
    """
    amp = np.asarray(amplitudes, dtype=np.float64)
    ph = np.asarray(phases, dtype=np.float64)
    n = amp.shape[-1]
    _length(n)
    if amp.ndim != 1 or ph.shape[-1] != n:
        raise InvalidSignalError(
            f"amplitudes must be 1-D and phases must end in the same length, got {amp.shape} and {ph.shape}"
        )
    if np.any(amp < 0) or not np.all(np.isfinite(amp)) or not np.all(np.isfinite(ph)):
        raise InvalidSignalError("amplitudes must be finite and non-negative and phases finite")
    spectrum = amp * np.exp(1j * ph)
    mirrored = np.conj(np.roll(spectrum[..., ::-1], 1, axis=-1))  # conj(X_{-k})
    scale = max(float(np.abs(amp).max()), 1e-300)
    if not np.allclose(spectrum, mirrored, atol=1e-9 * scale, rtol=0):
        raise InvalidSignalError(
            "the spectrum is not Hermitian (A_{-k} = A_k and phi_{-k} = -phi_k, DC/Nyquist phases 0 or pi), "
            "so no real signal has it; build phases with random_phases or shift_phases"
        )
    return np.fft.ifft(spectrum, axis=-1).real


@dataclass(frozen=True)
class SpectralTask:
    """A two-class task on length-``n`` signals that differ in amplitudes or in phases (module docstring).

    ``task`` is ``"amplitude"`` or ``"phase"``; ``beta`` the power-law exponent (0: flat);
    ``contrast`` the exponent gap of the amplitude task; ``jitter`` the phase noise (radians) of
    the phase task's peaks.

    Example:
        >>> task = SpectralTask("amplitude", 8, beta=0.0, contrast=1.0)
        >>> p0, p1 = task.amplitudes(0) ** 2, task.amplitudes(1) ** 2
        >>> bool(p0[1] > p0[2] and p1[1] < p1[2])         # class 0 redder, class 1 bluer
        True
    """

    task: str
    n: int
    beta: float = 0.0
    contrast: float = 1.0
    jitter: float = 0.0

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise InvalidSignalError(f"unknown task {self.task!r}; choose one of {', '.join(TASKS)}")
        _length(self.n)
        if not np.isfinite(self.beta):
            raise InvalidSignalError(f"beta must be finite, got {self.beta!r}")
        if self.task == "amplitude" and not self.contrast > 0:
            raise InvalidSignalError(f"contrast must be positive for the amplitude task, got {self.contrast!r}")
        if not (np.isfinite(self.jitter) and self.jitter >= 0):
            raise InvalidSignalError(f"jitter must be a non-negative phase noise in radians, got {self.jitter!r}")

    def amplitudes(self, label: int) -> np.ndarray:
        """The amplitude spectrum ``|X_k|`` of class ``label`` (0 or 1), fft order."""
        if label not in (0, 1):
            raise InvalidSignalError(f"labels are 0 or 1, got {label!r}")
        if self.task == "phase":
            return power_law_amplitudes(self.n, self.beta)
        return power_law_amplitudes(self.n, self.beta + (0.5 - label) * self.contrast)

    def sample(self, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One signal per entry of ``labels`` (0/1), shape ``(len(labels), n)``, drawn with ``rng``."""
        labels = np.asarray(labels)
        if labels.ndim != 1 or not np.all(np.isin(labels, (0, 1))):
            raise InvalidSignalError("labels must be a 1-D array of 0s and 1s")
        out = np.empty((labels.size, self.n))
        for label in (0, 1):
            rows = np.flatnonzero(labels == label)
            if self.task == "phase" and label == 1:
                phases = shift_phases(self.n, rng.integers(0, self.n, rows.size), jitter=self.jitter, rng=rng)
            else:
                phases = random_phases(self.n, rows.size, rng)
            out[rows] = fourier_signals(self.amplitudes(label), phases)
        return out
