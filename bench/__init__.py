"""Benchmarks (`make bench`): measured numbers, not pass/fail tests."""
