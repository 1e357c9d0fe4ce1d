#!/usr/bin/env python3
"""Runs a command and prints its wall time and peak resident memory (children's ru_maxrss).

Usage: peak_rss.py OUT.json -- COMMAND [ARGS...]
"""
import json
import resource
import subprocess
import sys
import time


def main() -> int:
    out, sep, *cmd = sys.argv[1:]
    assert sep == "--", __doc__
    started = time.perf_counter()
    code = subprocess.call(cmd)
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(out, "w") as f:
        json.dump({"exit_code": code, "seconds": elapsed, "peak_rss_mib": peak_kib / 1024}, f)
    return code


if __name__ == "__main__":
    sys.exit(main())
