"""Spectral measurement of signals and models: spectra, per-frequency errors, trackers, losses.

Imports neither :mod:`qspectral.quantum` nor :mod:`qspectral.classical`: any callable model can be
measured.
"""
