"""Classical torch models whose spectral behaviour qspectral measures."""
