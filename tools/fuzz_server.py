"""Fuzzes a running Sieve server from its own OpenAPI document with Schemathesis.

    tools/.venv/bin/python tools/fuzz_server.py http://127.0.0.1:8080 [--max-examples 50] [--seed 1729]

Reads `<url>/openapi.json`, then runs Schemathesis's examples, coverage and fuzzing phases against
every operation it documents, a bounded number of generated requests per operation, with a fixed
seed (the same server sees the same requests). Checks: no 5xx (`not_a_server_error`), and where
the document says what a response is, that it conforms (status code, content type, body schema);
with --strict also that no request the document calls valid is refused.
Prints Schemathesis's report, then one last line `fuzz_server: N requests, exit S` (N counted
from the HAR record of the run). Exit status: Schemathesis's (0: no check failed), 2 when
Schemathesis is not installed.

Needs `schemathesis` (pinned in tools/requirements.txt) in the tools venv.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]
# A request the document calls valid must not be refused. Off by default: the rerank routes refuse
# an empty query and empty texts/documents that their documented schemas allow (a known mismatch,
# reproduced by the skipped test in tools/fuzz-server.int.test.ts).
STRICT_CHECKS = ["positive_data_acceptance"]


def count_requests(har: Path) -> int:
    """Requests Schemathesis sent, from its HAR record (0 when it wrote none)."""
    if not har.exists():
        return 0
    return len(json.loads(har.read_text())["log"]["entries"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the server's base URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--max-examples", type=int, default=50, help="test cases per operation (default 50)")
    parser.add_argument("--seed", type=int, default=1729, help="Hypothesis seed (default 1729)")
    parser.add_argument("--workers", default="1", help="concurrent Schemathesis workers (default 1)")
    parser.add_argument(
        "--strict", action="store_true", help="also fail on schema-valid requests the server refuses (positive_data_acceptance)"
    )
    parser.add_argument("--report-dir", help="keep the HAR and JUnit reports here (default: a temporary folder)")
    arguments = parser.parse_args()

    executable = Path(sys.executable).with_name("schemathesis")
    if not executable.exists():
        found = shutil.which("schemathesis")
        if found is None:
            print("fuzz_server: schemathesis is not installed; pip install -r tools/requirements.txt", file=sys.stderr)
            return 2
        executable = Path(found)

    folder = Path(arguments.report_dir) if arguments.report_dir else Path(tempfile.mkdtemp(prefix="sieve-fuzz-"))
    folder.mkdir(parents=True, exist_ok=True)
    har = folder / "fuzz.har"
    base = arguments.url.rstrip("/")
    command = [
        str(executable),
        "run",
        f"{base}/openapi.json",
        "--url",
        base,
        "--checks",
        ",".join(CHECKS + (STRICT_CHECKS if arguments.strict else [])),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(arguments.max_examples),
        "--seed",
        str(arguments.seed),
        "--workers",
        arguments.workers,
        "--request-timeout",
        "30",
        "--report",
        "har,junit",
        "--report-dir",
        str(folder),
        "--report-har-path",
        str(har),
        "--report-junit-path",
        str(folder / "fuzz.junit.xml"),
        # Hypothesis's health check would fail a run whose generated bodies are large (the
        # rerank routes take up to 1000 texts); those are the requests worth sending.
        "--suppress-health-check",
        "data_too_large,large_base_example,too_slow",
        "--output-truncate",
        "false",
        # Nothing secret is sent; sanitizing would hide fields such as max_tokens_per_doc.
        "--output-sanitize",
        "false",
    ]
    try:
        # Run in the report folder: Schemathesis keeps its example database in the working folder.
        status = subprocess.run(command, check=False, cwd=folder).returncode
        requests = count_requests(har)
    finally:
        if not arguments.report_dir:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"fuzz_server: {requests} requests, exit {status}", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
