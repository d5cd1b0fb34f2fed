"""One diagnostics module: an error class per kind of bad input, each with a location and an exit status."""
from __future__ import annotations

import argparse
import sys
from typing import Optional

from portproof.ir.nodes import SourceLoc

EXIT_EQUIVALENT = 0
EXIT_NOT_EQUIVALENT = 1
EXIT_UNKNOWN = 2
EXIT_BAD_INPUT = 3


class PortproofError(Exception):
    """Bad input or usage: reported as one message, verdict `error`, exit status 3."""
    kind = "error"
    exit_status = EXIT_BAD_INPUT

    def __init__(self, message: str, loc: Optional[SourceLoc] = None, snippet: str = ""):
        super().__init__(message)
        self.message = message
        self.loc = loc
        self.snippet = snippet

    def __str__(self) -> str:
        where = f"{self.loc}: " if self.loc else ""
        text = f"{where}{self.kind}: {self.message}"
        return f"{text}\n    {self.snippet.strip()}" if self.snippet.strip() else text


class UsageError(PortproofError):
    kind = "usage error"


class InputFileError(PortproofError):
    """A file that cannot be read, or is empty."""
    kind = "input error"


class ParseError(PortproofError):
    kind = "parse error"


class CompileError(PortproofError):
    """A program the real compiler rejects; the message carries the compiler's output."""
    kind = "compile error"


class MissingLaunchConfig(PortproofError):
    kind = "missing launch configuration"


class ContractError(PortproofError):
    kind = "contract error"


class Unsupported(PortproofError):
    """A construct the frontends or the decision procedures do not handle: verdict `unknown`, exit 2."""
    kind = "unsupported"
    exit_status = EXIT_UNKNOWN

    def __init__(self, construct: str, loc: Optional[SourceLoc] = None, snippet: str = ""):
        super().__init__(construct, loc, snippet)
        self.construct = construct


class UsageParser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit with status 3, like every other bad input."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")
