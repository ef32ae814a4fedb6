"""Benchmarks: run each as a module from the repository root (see benchmarks/README.md)."""
