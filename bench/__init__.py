"""storyline's benchmarks: run one from the repository root as ``python -m bench.NAME``."""
