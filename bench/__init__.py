"""Benchmarks of mmwatch against DuckDB's own reader and grep (``python -m bench.run``; see README)."""
