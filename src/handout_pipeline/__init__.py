"""handout-pipeline: one patient-care handout, every language, every format, no warning sign lost."""

__version__ = "0.1.0"
