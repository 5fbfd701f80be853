"""A throwaway PostgreSQL 16 + pgvector server for the tests of @sieve/postgres.

Starts a fresh cluster in a temporary folder with the `pgserver` PyPI package (it ships
PostgreSQL and pgvector; as root it runs the server as its own system user), prints the server's
connection URI as the first line of stdout, and keeps it running until stdin closes or the process
gets SIGTERM/SIGINT; then it stops the cluster and deletes the folder.

    tools/.venv/bin/python tools/pg-test-server.py

The URI uses a Unix socket (`postgresql://postgres:@/postgres?host=/tmp/...`): nothing listens on
TCP, so parallel runs cannot collide on a port. Exit status 2: `pgserver` is not installed.
"""

import shutil
import signal
import sys
import tempfile
import threading
import warnings
from pathlib import Path


def main() -> int:
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); pgserver then uses /tmp.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    try:
        import pgserver
    except ImportError as error:
        print(f"pg-test-server: cannot import pgserver ({error}); pip install pgserver", file=sys.stderr)
        return 2

    folder = Path(tempfile.mkdtemp(prefix="sieve-pg-"))
    stop = threading.Event()
    # Registered before the (slow) start, so a SIGTERM during start still stops the cluster.
    for signal_number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signal_number, lambda *_: stop.set())
    server = None
    try:
        server = pgserver.get_server(folder / "pgdata", cleanup_mode="stop")
        print(server.get_uri(), flush=True)

        def wait_for_stdin_to_close() -> None:
            for _ in sys.stdin:
                pass
            stop.set()

        threading.Thread(target=wait_for_stdin_to_close, daemon=True).start()
        # wait() with a timeout keeps the main thread responsive to signals.
        while not stop.wait(0.5):
            pass
        return 0
    finally:
        if server is not None:
            server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
