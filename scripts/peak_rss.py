#!/usr/bin/env python3
"""Runs a command and records its wall time, CPU time (user + sys) and peak resident memory
(children's ru_maxrss).

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
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        json.dump(
            {
                "exit_code": code,
                "seconds": elapsed,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "peak_rss_mib": usage.ru_maxrss / 1024,
            },
            f,
        )
    return code


if __name__ == "__main__":
    sys.exit(main())
