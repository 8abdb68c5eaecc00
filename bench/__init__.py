"""The load and scale benchmark: `python -m bench.generate`, then `python -m bench.run`."""
