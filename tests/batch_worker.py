"""Test-only batch worker: portproof's worker, except that a port marked HANG hangs (with a child process, as a
compiler would be) and a port marked ABORT crashes the worker, to check the isolation of batch items."""
import os
import subprocess
import time
from pathlib import Path

from portproof import workers

validate = workers.answer


def answer(request: dict) -> dict:
    argv = request.get("argv", [])
    port_text = Path(argv[1]).read_text() if len(argv) > 1 and Path(argv[1]).is_file() else ""
    if "HANG_IN_TEST_WORKER" in port_text:
        child = subprocess.Popen(["sleep", "300"])
        Path(os.environ["PORTPROOF_TEST_PIDFILE"]).write_text(str(child.pid))
        while True:
            time.sleep(1)
    if "ABORT_IN_TEST_WORKER" in port_text:
        os.abort()
    return validate(request)


workers.answer = answer
workers.serve()
