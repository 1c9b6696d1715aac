r"""Discretised 1-D distributions on ``N`` bins and the distances used to score generative models.

**Bins.** Bin ``j`` (``j = 0..N-1``) is the interval ``[j/N, (j+1)/N)`` of the unit interval; a
continuous density is discretised by integrating it over each bin (differences of its CDF) and
renormalising the mass that falls inside ``[0, 1)``. Bin ``j`` of a Born machine on
``log2 N`` qubits is the basis state ``|j>``.

**Distances.** :func:`kl_divergence` is :math:`KL(p\,\|\,q) = \sum_j p_j \log(p_j/q_j)` (natural
log, ``0 log 0 = 0``, infinite when ``q_j = 0 < p_j``). :func:`mmd` is the maximum mean discrepancy
with a Gaussian kernel on the bin centres, averaged over ``bandwidths``:
:math:`\mathrm{MMD}^2 = (p-q)^\top K (p-q)`, :math:`K_{ij} = \frac1B\sum_b
e^{-(c_i-c_j)^2/(2\sigma_b^2)}`; :func:`mmd` returns its square root.
:func:`binomial_interval` is the exact (Clopper-Pearson) interval of a proportion of counts, used
for accuracies on ``n`` test items and for shot estimates of an outcome probability.

Example:
    >>> p = gaussian_mixture_pmf(64, means=[0.3, 0.7], stds=[0.05, 0.1], weights=[0.5, 0.5])
    >>> round(float(p.sum()), 12), int(p.argmax()) in range(17, 21)
    (1.0, True)
    >>> kl_divergence(p, p), mmd(p, p)
    (0.0, 0.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qspectral.errors import InvalidSignalError

# scipy.stats (about 0.5 s to import) is imported inside the functions that use it.

#: Default MMD kernel bandwidths, in units of the unit interval.
MMD_BANDWIDTHS = (0.02, 0.05, 0.2)


def _bins(num_bins: int) -> int:
    if isinstance(num_bins, bool) or not isinstance(num_bins, (int, np.integer)) or num_bins < 2:
        raise InvalidSignalError(f"num_bins must be an integer >= 2, got {num_bins!r}")
    return int(num_bins)


def _discretise(cdf_values: np.ndarray) -> np.ndarray:
    mass = np.diff(cdf_values)
    total = mass.sum()
    if not total > 0:
        raise InvalidSignalError("the distribution puts no mass on [0, 1); move it inside the unit interval")
    return mass / total


def gaussian_mixture_pmf(
    num_bins: int, means: Sequence[float], stds: Sequence[float], weights: Sequence[float]
) -> np.ndarray:
    """A mixture of Gaussians (positions in ``[0, 1)``) discretised on ``num_bins`` bins.

    Example:
        >>> p = gaussian_mixture_pmf(4, [0.5], [10.0], [1.0])        # nearly flat
        >>> bool(np.allclose(p, 0.25, atol=1e-3))
        True
    """
    from scipy import stats

    n = _bins(num_bins)
    mu, sd, w = (np.asarray(v, dtype=np.float64).ravel() for v in (means, stds, weights))
    if not (mu.size == sd.size == w.size) or mu.size == 0:
        raise InvalidSignalError(
            f"means, stds and weights need one entry per component, got {mu.size}, {sd.size}, {w.size}"
        )
    if np.any(sd <= 0) or np.any(w < 0) or not w.sum() > 0:
        raise InvalidSignalError("stds must be positive and weights non-negative with a positive sum")
    edges = np.arange(n + 1) / n
    cdf = (w[:, None] * stats.norm.cdf(edges[None, :], mu[:, None], sd[:, None])).sum(axis=0)
    return _discretise(cdf)


def student_t_pmf(num_bins: int, location: float, scale: float, df: float) -> np.ndarray:
    """A Student-t density (heavy tails ``~ |x|**-(df+1)``; ``df = 1`` is Cauchy) discretised on bins.

    The tails beyond ``[0, 1)`` are cut off and the rest renormalised.

    Example:
        >>> p = student_t_pmf(32, location=0.5, scale=0.05, df=1.0)
        >>> int(p.argmax()), bool(p[0] > 1e-3)                  # Cauchy: mass far from the centre
        (15, True)
    """
    from scipy import stats

    n = _bins(num_bins)
    if not (scale > 0 and df > 0):
        raise InvalidSignalError(f"scale and df must be positive, got scale={scale!r}, df={df!r}")
    edges = np.arange(n + 1) / n
    return _discretise(stats.t.cdf(edges, df, loc=location, scale=scale))


def _pmf(values: object, name: str) -> np.ndarray:
    p = np.asarray(values, dtype=np.float64)
    if p.ndim != 1 or p.size < 2 or np.any(p < 0) or not np.all(np.isfinite(p)):
        raise InvalidSignalError(f"{name} must be a 1-D array of non-negative finite probabilities")
    if not np.isclose(p.sum(), 1.0, atol=1e-6):
        raise InvalidSignalError(f"{name} must sum to 1, sums to {p.sum():.6g}; normalise it first")
    return p


def _pair(p: object, q: object) -> tuple[np.ndarray, np.ndarray]:
    pa, qa = _pmf(p, "p"), _pmf(q, "q")
    if pa.size != qa.size:
        raise InvalidSignalError(f"p has {pa.size} bins but q has {qa.size}; they must match")
    return pa, qa


def kl_divergence(p: object, q: object) -> float:
    """``KL(p || q)`` in nats (``inf`` if ``q`` misses mass of ``p``).

    Example:
        >>> bool(np.isclose(kl_divergence([0.5, 0.5], [0.25, 0.75]), 0.5 * np.log(2) + 0.5 * np.log(2 / 3)))
        True
    """
    pa, qa = _pair(p, q)
    support = pa > 0
    if np.any(qa[support] == 0):
        return float("inf")
    return float(np.sum(pa[support] * np.log(pa[support] / qa[support])))


def mmd(p: object, q: object, bandwidths: Sequence[float] = MMD_BANDWIDTHS) -> float:
    """Maximum mean discrepancy of ``p`` and ``q`` with the averaged Gaussian kernel (module docstring).

    Example:
        >>> d = mmd([1.0, 0.0], [0.0, 1.0], bandwidths=[0.5])          # centres 0.25, 0.75
        >>> bool(np.isclose(d, np.sqrt(2 - 2 * np.exp(-0.5))))
        True
    """
    pa, qa = _pair(p, q)
    sigma = np.asarray(bandwidths, dtype=np.float64).ravel()
    if sigma.size == 0 or np.any(sigma <= 0):
        raise InvalidSignalError(f"bandwidths must be positive, got {list(sigma)}")
    centres = (np.arange(pa.size) + 0.5) / pa.size
    gap = (centres[:, None] - centres[None, :]) ** 2
    kernel = np.mean(np.exp(-gap[None] / (2 * sigma[:, None, None] ** 2)), axis=0)
    diff = pa - qa
    return float(np.sqrt(max(diff @ kernel @ diff, 0.0)))


def binomial_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) confidence interval of a binomial proportion ``successes / trials``.

    Example:
        >>> lo, hi = binomial_interval(50, 100)
        >>> round(lo, 4), round(hi, 4)
        (0.3983, 0.6017)
    """
    from scipy import stats

    if not (isinstance(trials, (int, np.integer)) and trials >= 1 and 0 <= successes <= trials):
        raise InvalidSignalError(f"need 0 <= successes <= trials and trials >= 1, got {successes}/{trials}")
    if not 0 < confidence < 1:
        raise InvalidSignalError(f"confidence must be in (0, 1), got {confidence!r}")
    interval = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence, method="exact")
    return float(interval.low), float(interval.high)
