"""Test-only batch worker: the validate CLI, except that a port marked HANG hangs (with a child process,
as a compiler would be) and a port marked ABORT crashes the worker, to check the batch's isolation."""
import os
import subprocess
import sys
import time
from pathlib import Path

port_text = Path(sys.argv[2]).read_text() if len(sys.argv) > 2 and Path(sys.argv[2]).is_file() else ""
if "HANG_IN_TEST_WORKER" in port_text:
    child = subprocess.Popen(["sleep", "300"])
    Path(os.environ["PORTPROOF_TEST_PIDFILE"]).write_text(str(child.pid))
    while True:
        time.sleep(1)
if "ABORT_IN_TEST_WORKER" in port_text:
    os.abort()

from portproof.validator.cli import main  # noqa: E402

sys.exit(main(sys.argv[1:]))
