"""Orchestration: wires the stages into one benchmark run."""
