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
* ``phase`` (the spiked cumulant model behind the paper's N**3 hardness result, coloured to a
  power law): label 0 is Gaussian noise coloured to ``|k|**-beta`` (:func:`coloured`), label 1 the
  same filter applied to white signals with one hidden non-Gaussian direction ``u``
  (:func:`spiked_cumulant`, ``u`` from :func:`hidden_direction` with ``direction_seed``). Both
  classes have the same covariance (the circulant matrix of ``A_k**2``), hence the same expected
  power spectrum; they differ only in fourth- and higher-order statistics along one direction,
  which is delocalised, so direction-free statistics (``max(x)``, ``sum x**4``, the power
  spectrum) differ between the classes by ``O(1/N)`` of their spread: at chance.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> task = SpectralTask("amplitude", 16, beta=1.0)
    >>> x = task.sample(np.array([0, 1]), rng)
    >>> np.round((x**2).sum(axis=1), 10).tolist()          # ||x||^2 = N
    [16.0, 16.0]
    >>> phase = SpectralTask("phase", 16, beta=1.0).sample(np.array([0, 1] * 5000), rng)
    >>> round(float(np.mean(np.sum(phase**2, axis=1))), 1)  # E ||x||^2 = N
    16.0
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


def hidden_direction(n: int, seed: int) -> np.ndarray:
    """A delocalised unit vector of length ``n`` with zero mean: random balanced signs from ``seed``.

    For even ``n`` the entries are ``+-1/sqrt(n)``, half of each sign; zero mean keeps the
    direction clear of the DC component, which the power-law spectra remove.

    Example:
        >>> u = hidden_direction(16, 0)
        >>> round(float(u @ u), 12), bool(np.allclose(np.abs(u), 0.25)), round(float(u.sum()), 12)
        (1.0, True, 0.0)
    """
    n = _length(n)
    signs = np.random.default_rng(int(seed)).permutation(np.resize([1.0, -1.0], n))
    signs -= signs.mean()
    return signs / np.linalg.norm(signs)


def spiked_cumulant(
    n: int, size: int, direction: np.ndarray, snr: float, rng: np.random.Generator | None
) -> np.ndarray:
    """``size`` white signals (``(size, n)``, covariance exactly the identity) with a hidden non-Gaussian direction.

    ``w = S (z + snr * g * u)`` with ``z`` standard Gaussian, ``g = +-1`` (Rademacher), ``u`` the unit
    ``direction`` and ``S = I - (1 - 1/sqrt(1 + snr**2)) u u^T`` the whitening matrix: every
    moment up to the second is that of Gaussian noise, and along ``u`` the fourth cumulant is
    ``-2 snr**4 / (1 + snr**2)**2`` (the spiked cumulant model; ``snr = 0`` gives plain noise).

    Example:
        >>> u = hidden_direction(8, 1)
        >>> w = spiked_cumulant(8, 100_000, u, 3.0, np.random.default_rng(0))
        >>> bool(np.allclose(np.cov(w, rowvar=False), np.eye(8), atol=0.02))
        True
        >>> round(float(np.mean((w @ u) ** 4)), 1)     # Gaussian: 3; here (3 + 6*9 + 81) / 100
        1.4
    """
    n = _length(n)
    u = np.asarray(direction, dtype=np.float64)
    if u.shape != (n,) or not np.isclose(u @ u, 1.0):
        raise InvalidSignalError(f"direction must be a unit vector of length {n}, got shape {u.shape}")
    if not (np.isfinite(snr) and snr >= 0):
        raise InvalidSignalError(f"snr must be a non-negative number, got {snr!r}")
    z = rng.standard_normal((int(size), n))
    g = rng.choice((-1.0, 1.0), int(size))
    spiked = z + snr * g[:, None] * u
    return spiked - (1 - 1 / np.sqrt(1 + snr**2)) * np.outer(spiked @ u, u)


def coloured(white: np.ndarray, amplitudes: np.ndarray) -> np.ndarray:
    """Filter white signals (rows) to the spectrum ``amplitudes``: ``ifft(amplitudes / sqrt(n) * fft(w))``.

    White noise then has ``E |fft(x)_k|**2 = amplitudes_k**2``; a symmetric real filter keeps the
    signals real and leaves their phases' structure to ``w``.

    Example:
        >>> w = np.random.default_rng(0).standard_normal((20_000, 8))
        >>> x = coloured(w, power_law_amplitudes(8, 1.0))
        >>> bool(np.allclose(np.mean(np.abs(np.fft.fft(x)) ** 2, 0), power_law_amplitudes(8, 1.0) ** 2, rtol=0.05,
        ...                  atol=0.05))
        True
    """
    white = np.asarray(white, dtype=np.float64)
    n = white.shape[-1]
    return np.fft.ifft(np.asarray(amplitudes) / np.sqrt(n) * np.fft.fft(white, axis=-1), axis=-1).real


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
            "so no real signal has it; build phases with random_phases"
        )
    return np.fft.ifft(spectrum, axis=-1).real


@dataclass(frozen=True)
class SpectralTask:
    """A two-class task on length-``n`` signals that differ in amplitudes or in phases (module docstring).

    ``task`` is ``"amplitude"`` or ``"phase"``; ``beta`` the power-law exponent (0: flat);
    ``contrast`` the exponent gap of the amplitude task; ``snr`` the strength of the phase task's
    hidden non-Gaussian direction, drawn with ``direction_seed``.

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
    snr: float = 5.0
    direction_seed: int = 0

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise InvalidSignalError(f"unknown task {self.task!r}; choose one of {', '.join(TASKS)}")
        _length(self.n)
        if not np.isfinite(self.beta):
            raise InvalidSignalError(f"beta must be finite, got {self.beta!r}")
        if self.task == "amplitude" and not self.contrast > 0:
            raise InvalidSignalError(f"contrast must be positive for the amplitude task, got {self.contrast!r}")
        if not (np.isfinite(self.snr) and self.snr > 0):
            raise InvalidSignalError(f"snr must be a positive signal strength for the phase task, got {self.snr!r}")

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
            if self.task == "phase":
                snr = self.snr if label == 1 else 0.0
                white = spiked_cumulant(self.n, rows.size, hidden_direction(self.n, self.direction_seed), snr, rng)
                out[rows] = coloured(white, self.amplitudes(label))
            else:
                out[rows] = fourier_signals(self.amplitudes(label), random_phases(self.n, rows.size, rng))
        return out
