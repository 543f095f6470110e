"""Synthetic park submissions: a calibrated truth (`synthetic_truth`) written as messy or tidy files (`write_submissions`)."""

from nhtz.synth.submissions import SynthResult, write_submissions
from nhtz.synth.truth import synthetic_truth

__all__ = ["SynthResult", "synthetic_truth", "write_submissions"]
