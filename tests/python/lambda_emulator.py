"""A Lambda function binary run under cargo-lambda's Lambda runtime API emulator on loopback.

`cargo lambda watch --only-lambda-apis` (PyPI `cargo-lambda`) serves the runtime API (the one
`lambda_runtime` polls for events) and the Invoke API (`POST /2015-03-31/functions/_/invocations`);
the function binary, built by cargo as usual, is started by us against it. So an invocation
goes through the real runtime client, the real event deserialisation and the real handler.

Also usable as a script: `python lambda_emulator.py BINARY EVENT.json` prints the cold start
(spawn → first answer) and the answer.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cargo_lambda() -> str:
    """The `cargo-lambda` executable next to this Python (the test venv), or on PATH."""
    here = Path(sys.executable).parent / "cargo-lambda"
    found = str(here) if here.exists() else shutil.which("cargo-lambda")
    if not found:
        raise RuntimeError("cargo-lambda is not installed (pip install cargo-lambda)")
    return found


class Function:
    """One function: an emulator process and the function binary polling it."""

    def __init__(self, binary: str, env: dict[str, str], log_dir: Path, name: str,
                 memory_mb: int = 2048):
        self.binary, self.name, self.memory_mb = binary, name, memory_mb
        self.env = env
        self.port = free_port()
        self.log = log_dir / f"{name}.log"
        self.emulator_log = log_dir / f"{name}-emulator.log"
        self.emulator: subprocess.Popen | None = None
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0

    def start_emulator(self) -> None:
        self.emulator = subprocess.Popen(
            [cargo_lambda(), "lambda", "watch", "--only-lambda-apis", "--ignore-changes",
             "-A", "127.0.0.1", "-P", str(self.port), "--timeout", "600"],
            cwd=ROOT, stdout=open(self.emulator_log, "w"), stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.emulator.poll() is not None:
                raise RuntimeError(f"emulator exited:\n{self.emulator_log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"emulator did not listen:\n{self.emulator_log.read_text()}")

    def start_function(self) -> None:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MINERVA_"))},
            "AWS_LAMBDA_RUNTIME_API": f"http://127.0.0.1:{self.port}/.rt",
            "AWS_LAMBDA_FUNCTION_NAME": "_",
            "AWS_LAMBDA_FUNCTION_VERSION": "1",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "RUST_LOG": "info",
            **self.env,
        }
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen([self.binary], stdout=open(self.log, "a"),
                                     stderr=subprocess.STDOUT, env=env)

    def start(self) -> "Function":
        self.start_emulator()
        self.start_function()
        return self

    def invoke(self, payload, timeout: float = 600):
        """Invokes the function; returns its JSON answer. A function error raises."""
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/2015-03-31/functions/_/invocations",
            data=json.dumps(payload).encode(), method="POST",
            headers={"Content-Type": "application/json"})
        result: dict = {}

        def call() -> None:
            try:
                with urllib.request.urlopen(req, timeout=timeout) as resp:
                    result["body"] = resp.read()
            except urllib.error.HTTPError as e:
                result["http_error"] = (e.code, e.read().decode(errors="replace"))
            except Exception as e:  # noqa: BLE001 - re-raised below on the caller's thread
                result["error"] = e

        caller = threading.Thread(target=call, daemon=True)
        caller.start()
        # The emulator holds an invocation until a function answers it: if the function
        # process dies (a config error, a panic), fail now with its log instead of waiting.
        while caller.is_alive():
            caller.join(0.2)
            if caller.is_alive() and not self.alive():
                caller.join(1.0)
                if caller.is_alive():
                    raise FunctionError(0, f"function process exited ({self.proc.returncode})",
                                        self.log_text())
        if "http_error" in result:
            code, text = result["http_error"]
            raise FunctionError(code, text, self.log_text())
        if "error" in result:
            raise FunctionError(0, repr(result["error"]), self.log_text())
        body = result["body"]
        answer = json.loads(body) if body else None
        if isinstance(answer, dict) and "errorType" in answer and "errorMessage" in answer:
            raise FunctionError(200, json.dumps(answer), self.log_text())
        return answer

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        for proc in (self.proc, self.emulator):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


class FunctionError(Exception):
    def __init__(self, status: int, body: str, log: str):
        super().__init__(f"function error ({status}): {body}\n--- function log ---\n{log[-4000:]}")
        self.status, self.body = status, body


def cold_start(binary: str, event, env: dict[str, str], log_dir: Path) -> tuple[float, object]:
    """Seconds from spawning `binary` to its first answer (init + one invocation)."""
    fn = Function(binary, env, log_dir, Path(binary).name)
    fn.start_emulator()
    try:
        fn.start_function()
        answer = fn.invoke(event)
        return time.monotonic() - fn.started_at, answer
    finally:
        fn.stop()


if __name__ == "__main__":
    import tempfile

    binary, event_file = sys.argv[1], sys.argv[2]
    extra = dict(a.split("=", 1) for a in sys.argv[3:])
    with tempfile.TemporaryDirectory() as tmp:
        seconds, answer = cold_start(binary, json.loads(Path(event_file).read_text()), extra,
                                     Path(tmp))
        print(json.dumps({"binary": binary, "cold_start_ms": round(seconds * 1000, 1),
                          "answer": answer})[:2000])
