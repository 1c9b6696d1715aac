"""Statevector simulation: the backend registry, :func:`simulate`, and cross-backend comparison."""
