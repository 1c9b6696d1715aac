"""Circuit builders: the QFT family and circuits that act on a spectrum."""
