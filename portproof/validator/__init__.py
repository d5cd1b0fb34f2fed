"""Normalize, check, decide (the only place importing z3), confirm by execution, report."""
