"""The ``process`` Lambda runtime executor.

LocalStack 4.14 prepares and runs every function in a Docker container. On a host without Docker the
function goes to state ``Failed`` and nothing that waits for ``Active`` works. This executor runs each
execution environment as a local process instead: the AWS Lambda Runtime Interface Emulator (RIE)
with the function's ``bootstrap``, on loopback ports of its own, so environments run side by side.

Only ``provided.*`` runtimes can work this way (the others need the runtime images), and only a
bootstrap built for the host's architecture; both are refused with a reason the function's
``StateReason`` shows.
"""

import json
import logging
import os
import random
import signal
import socket
import subprocess
import threading
import time
from collections import deque
from pathlib import Path

import requests
from localstack import config
from localstack.aws.api.lambda_ import PackageType
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)

from secretsbundle_localstack.elf import executable_architecture, host_architecture

LOG = logging.getLogger(__name__)

# Set by scripts/localstack.sh: the emulator binary, the AWS endpoint functions must use (LocalStack,
# or the harness's AWS proxy in front of it), and where to record environments' process groups so
# `localstack.sh down` can stop them even when LocalStack itself was killed.
RIE_ENV = "SECRETSBUNDLE_RIE"
ENDPOINT_ENV = "SECRETSBUNDLE_LAMBDA_ENDPOINT_URL"
PIDDIR_ENV = "SECRETSBUNDLE_LAMBDA_PIDDIR"

INVOKE_PATH = "/2015-03-31/functions/function/invocations"
# Lambda's PATH for provided runtimes, plus the host's for tools a bootstrap may call.
LAMBDA_PATH = "/usr/local/bin:/usr/bin:/bin:/opt/bin"

STARTUP_TIMEOUT_SECONDS = 10
STOP_GRACE_SECONDS = 2
# The emulator enforces the function timeout itself; this margin only guards against an emulator
# that stops answering.
INVOKE_TIMEOUT_MARGIN_SECONDS = 10
# The emulator prints an invocation's END/REPORT lines around the time it answers; wait a moment for
# them so the invocation's logs are complete.
REPORT_WAIT_SECONDS = 2
MAX_LOG_LINES = 10_000

# Every environment that runs, so LocalStack's shutdown stops them all.
_live_executors: set["ProcessRuntimeExecutor"] = set()
_live_lock = threading.Lock()


def stop_all() -> None:
    """Stops every execution environment this LocalStack process started."""
    with _live_lock:
        executors = list(_live_executors)
    for executor in executors:
        executor.stop()


class _Output:
    """The emulator's combined stdout/stderr (its own lines and the function's), kept in memory."""

    def __init__(self, stream) -> None:
        self._lines: deque[str] = deque(maxlen=MAX_LOG_LINES)
        # Lines ever read, so marks stay valid when old lines fall out of the deque.
        self._count = 0
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for raw in stream:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            with self._cond:
                self._lines.append(line)
                self._count += 1
                self._cond.notify_all()
        stream.close()

    def mark(self) -> int:
        with self._cond:
            return self._count

    def since(self, mark: int) -> list[str]:
        with self._cond:
            skip = max(0, len(self._lines) - (self._count - mark))
            return list(self._lines)[skip:]

    def wait_for_line(self, mark: int, prefix: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not any(line.startswith(prefix) for line in self.since(mark)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._cond.wait(remaining)

    def text(self) -> str:
        with self._cond:
            return "\n".join(self._lines)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


# Ports for the emulators come from above Linux's ephemeral range (32768-60999): a port picked from
# that range is often taken by one of LocalStack's own outgoing connections before the emulator
# binds it. The test harness's own emulators and database servers use bands below 32768.
PORT_BAND = (61000, 65000)
SPAWN_ATTEMPTS = 3


def _free_loopback_port() -> int:
    for _ in range(200):
        port = random.randrange(*PORT_BAND)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise LambdaRuntimeException(f"no free loopback port in {PORT_BAND[0]}-{PORT_BAND[1]}")


def _process_start_time(pid: int) -> str:
    """Field 22 of /proc/<pid>/stat: with the pid, it tells this process from a later one."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    return stat.rsplit(")", 1)[1].split()[19]


def _bootstrap_path(function_version: FunctionVersion) -> Path:
    return Path(function_version.config.code.get_unzipped_code_location()) / "bootstrap"


def _function_name(function_version: FunctionVersion) -> str:
    return function_version.id.function_name


def _error_payload(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


class ProcessRuntimeExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self._lock = threading.Lock()
        self._env: dict[str, str] = {}
        self._process: subprocess.Popen | None = None
        self._output: _Output | None = None
        self._rie_port: int | None = None
        self._stopped = False

    # --- version preparation ----------------------------------------------------------------------

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        name = _function_name(function_version)
        fn_config = function_version.config
        if fn_config.package_type != PackageType.Zip:
            raise LambdaRuntimeException(
                f"function {name}: the process executor runs only .zip functions, not container "
                "images; package the function as a zip with a bootstrap"
            )
        runtime = fn_config.runtime or ""
        if not runtime.startswith("provided"):
            raise LambdaRuntimeException(
                f"function {name}: runtime {runtime} is not supported by the process executor, which "
                "runs only provided.* runtimes (a bootstrap executable) without Docker; use "
                "provided.al2023, or run LocalStack with Docker for other runtimes"
            )
        fn_config.code.prepare_for_execution()
        bootstrap = _bootstrap_path(function_version)
        if not bootstrap.is_file():
            raise LambdaRuntimeException(
                f"function {name}: the code has no file named bootstrap at its top level, which a "
                f"{runtime} function needs"
            )
        built_for = executable_architecture(bootstrap)
        host = host_architecture()
        declared = fn_config.architectures[0] if fn_config.architectures else "x86_64"
        if built_for is not None and built_for != host:
            raise LambdaRuntimeException(
                f"function {name}: bootstrap is built for {built_for}, but this host runs {host} and "
                f"the process executor runs functions natively; build the bootstrap for {host} "
                f"(Go: GOARCH={'amd64' if host == 'x86_64' else host}) and create the function with "
                f"architecture {host}"
            )
        if declared != host:
            raise LambdaRuntimeException(
                f"function {name}: its architecture is {declared}, but this host runs {host} and the "
                f"process executor runs functions natively; create the function with architecture "
                f"{host} and a bootstrap built for it"
            )
        # Zip archives do not always carry the executable bit; Lambda runs the bootstrap regardless.
        bootstrap.chmod(bootstrap.stat().st_mode | 0o111)

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        # LocalStack deletes the unzipped code itself; no images or caches exist here.
        pass

    @classmethod
    def validate_environment(cls) -> bool:
        rie = os.environ.get(RIE_ENV, "")
        if not rie or not os.access(rie, os.X_OK):
            LOG.warning(
                "The process Lambda executor needs the AWS Lambda Runtime Interface Emulator: set %s "
                "to its path (scripts/install-rie.sh installs it); Lambda functions cannot run without it",
                RIE_ENV,
            )
            return False
        return True

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self, env_vars: dict[str, str]) -> None:
        self._env = self._environment(env_vars)
        with self._lock:
            self._stopped = False
            self._spawn()
        with _live_lock:
            _live_executors.add(self)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._kill()
        with _live_lock:
            _live_executors.discard(self)

    def _environment(self, env_vars: dict[str, str]) -> dict[str, str]:
        # LocalStack passes some values (memory size, timeout) as ints; a process environment is text.
        env = {key: str(value) for key, value in env_vars.items() if value is not None}
        user_env = self.function_version.config.environment or {}
        if "AWS_ENDPOINT_URL" not in user_env:
            env["AWS_ENDPOINT_URL"] = os.environ.get(ENDPOINT_ENV) or (
                f"http://127.0.0.1:{config.GATEWAY_LISTEN[0].port}"
            )
        code_dir = str(_bootstrap_path(self.function_version).parent)
        # The code is where LocalStack unzipped it, not /var/task.
        env["LAMBDA_TASK_ROOT"] = code_dir
        env.setdefault("PATH", LAMBDA_PATH)
        # This variable switches the emulator into its Lambda Managed Instances mode.
        env.pop("AWS_LAMBDA_MAX_CONCURRENCY", None)
        return env

    def _spawn(self) -> None:
        """Start the emulator; a start that lost a port to another process is tried on others."""
        for attempt in range(1, SPAWN_ATTEMPTS + 1):
            try:
                self._spawn_once()
                return
            except LambdaRuntimeException as e:
                if attempt == SPAWN_ATTEMPTS or "address already in use" not in str(e):
                    raise
                LOG.info("environment %s: a port was taken, starting again (%s)", self.id, attempt)

    def _spawn_once(self) -> None:
        rie = os.environ.get(RIE_ENV, "")
        if not rie or not os.access(rie, os.X_OK):
            raise LambdaRuntimeException(
                f"function {_function_name(self.function_version)}: the Runtime Interface Emulator "
                f"{rie or '(unset)'} is not an executable; set {RIE_ENV} (scripts/localstack.sh does)"
            )
        bootstrap = _bootstrap_path(self.function_version)
        self._rie_port = _free_loopback_port()
        api_port = _free_loopback_port()
        command = [
            rie,
            "--log-level",
            "warn",
            "--runtime-interface-emulator-address",
            f"127.0.0.1:{self._rie_port}",
            "--runtime-api-address",
            f"127.0.0.1:{api_port}",
            str(bootstrap),
        ]
        LOG.debug("Starting %s for environment %s", command, self.id)
        # A session of its own: stopping the group stops the emulator and the bootstrap it spawned.
        self._process = subprocess.Popen(
            command,
            env=self._env,
            cwd=bootstrap.parent,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._output = _Output(self._process.stdout)
        self._record_pid()
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while True:
            status = self._process.poll()
            if status is not None:
                self._output.join(1)
                logs = self._output.text()
                self._kill()
                raise LambdaRuntimeException(
                    f"function {_function_name(self.function_version)}: the Runtime Interface "
                    f"Emulator exited during startup with status {status}: {logs}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self._rie_port), timeout=0.2):
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self._kill()
                raise LambdaRuntimeException(
                    f"function {_function_name(self.function_version)}: the Runtime Interface "
                    f"Emulator did not listen on 127.0.0.1:{self._rie_port} within "
                    f"{STARTUP_TIMEOUT_SECONDS}s"
                )
            time.sleep(0.02)

    def _pid_file(self) -> Path | None:
        piddir = os.environ.get(PIDDIR_ENV)
        return Path(piddir) / f"{self.id}.pid" if piddir else None

    def _record_pid(self) -> None:
        pid_file = self._pid_file()
        if pid_file is None:
            return
        try:
            pid_file.parent.mkdir(parents=True, exist_ok=True)
            pid_file.write_text(f"{self._process.pid} {_process_start_time(self._process.pid)}\n")
        except OSError as e:
            LOG.warning("Could not record environment %s in %s: %s", self.id, pid_file, e)

    def _kill(self) -> None:
        """Stops the emulator's process group: SIGTERM, SIGKILL after a grace period."""
        process = self._process
        if process is None:
            return
        self._process = None
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        # Also when the emulator exited: a bootstrap that ignores SIGTERM would outlive it.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
        if self._output is not None:
            self._output.join(1)
        pid_file = self._pid_file()
        if pid_file is not None:
            pid_file.unlink(missing_ok=True)

    # --- addresses LocalStack asks for -------------------------------------------------------------

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        # The emulator does not call back into LocalStack; this is only put into the environment.
        return f"http://127.0.0.1:{config.GATEWAY_LISTEN[0].port}/_localstack_lambda/{self.id}"

    # --- invocation -------------------------------------------------------------------------------

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        timeout = int(self.function_version.config.timeout or 3)
        with self._lock:
            if self._stopped:
                raise LambdaRuntimeException(
                    f"function {_function_name(self.function_version)}: environment {self.id} is stopped"
                )
            # After an emulator failure the emulator was stopped; start a fresh one, which runs
            # the function's init again, as Lambda does in a new environment.
            if self._process is None or self._process.poll() is not None:
                self._kill()
                self._spawn()
            output = self._output
            url = f"http://127.0.0.1:{self._rie_port}{INVOKE_PATH}"
        mark = output.mark()
        headers = {"X-Amzn-RequestId": request_id}
        if payload.get("trace-id"):
            headers["X-Amzn-Trace-Id"] = payload["trace-id"]
        timed_out = False
        try:
            response = requests.post(
                url,
                data=(payload.get("payload") or "").encode(),
                headers=headers,
                timeout=(STARTUP_TIMEOUT_SECONDS, timeout + INVOKE_TIMEOUT_MARGIN_SECONDS),
                proxies={"http": "", "https": ""},
            )
            status, body = response.status_code, response.content
            timed_out = body.startswith(b"Task timed out after")
        except requests.Timeout:
            status, body, timed_out = 0, b"", True
        except requests.ConnectionError as e:
            status, body = (
                0,
                _error_payload("Runtime.Unknown", f"RequestId: {request_id} Error: the emulator did not answer: {e}"),
            )

        if status != 0:
            output.wait_for_line(mark, f"REPORT RequestId: {request_id}", REPORT_WAIT_SECONDS)
        if timed_out:
            body = _error_payload(
                "Sandbox.Timedout",
                f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds",
            )
            is_error = True
        else:
            is_error = status != 200 or _is_error_body(body)
            if is_error and not _is_error_body(body):
                body = _error_payload(
                    "Runtime.ExitError",
                    f"RequestId: {request_id} Error: the runtime failed (emulator status {status}): "
                    f"{body.decode('utf-8', errors='replace')}",
                )
        logs = "\n".join(output.since(mark)) + "\n"
        if timed_out:
            # The line Lambda writes to the log group when it stops a function at its timeout.
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
            logs += f"{stamp} {request_id} Task timed out after {timeout:.2f} seconds\n"

        if status != 200:
            # The emulator resets the runtime after a timeout by itself; after an emulator failure,
            # or no answer at all, only a fresh one is in a known state.
            with self._lock:
                if self._output is output:
                    self._kill()
        return InvocationResult(request_id, body, is_error, logs)

    def get_logs(self) -> str:
        return self._output.text() if self._output is not None else ""


def _is_error_body(body: bytes) -> bool:
    # The emulator answers 200 for handler errors; only the body tells them from results.
    try:
        document = json.loads(body)
    except ValueError:
        return False
    return isinstance(document, dict) and "errorType" in document
