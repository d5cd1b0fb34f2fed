"""portproof: translation validation for HPC code ports."""
__version__ = "0.1.0"
