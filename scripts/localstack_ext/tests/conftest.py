"""Fixtures for the tests of the process executor and the LocalStack fixes.

They run against a real LocalStack 4.14.0 started by `scripts/localstack.sh up` (reused when it
runs) and a real Go Lambda function built from tests/testfunc. Run them with the harness's venv:

    .harness/venv/bin/python -m pytest scripts/localstack_ext/tests
"""

import io
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parents[2]
HARNESS = REPO / ".harness"

REGION = "us-east-1"
ACCOUNT = "000000000000"
GO_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
LAMBDA_ARCH = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


def host_lambda_architecture() -> str:
    return LAMBDA_ARCH[platform.machine().lower()]


def foreign_lambda_architecture() -> str:
    return "arm64" if host_lambda_architecture() == "x86_64" else "x86_64"


def localstack_port() -> int:
    return int(os.environ.get("LOCALSTACK_PORT", "4566"))


def client(service: str, endpoint: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        # Invocations that time out on purpose take a while; no retries hide failures.
        config=Config(read_timeout=120, retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="session")
def endpoint() -> str:
    """LocalStack's URL, started (or reused) through the harness; the run fails if it cannot."""
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "localstack.sh"), "up"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        pytest.fail(
            f"scripts/localstack.sh up failed with status {result.returncode}:\n{result.stdout}{result.stderr}",
            pytrace=False,
        )
    return f"http://127.0.0.1:{localstack_port()}"


@pytest.fixture(scope="session")
def lambda_endpoint(endpoint) -> str:
    """The AWS endpoint LocalStack hands to the functions it runs (LocalStack, or the AWS proxy)."""
    state = (HARNESS / "run" / "localstack.state").read_text()
    for line in state.splitlines():
        if line.startswith("endpoint="):
            return line.removeprefix("endpoint=")
    pytest.fail(f"no endpoint= line in {HARNESS / 'run' / 'localstack.state'}", pytrace=False)


@pytest.fixture(scope="session")
def bootstrap_zip(tmp_path_factory) -> bytes:
    """The test function, built for this host as Lambda's provided runtimes expect it."""
    out = tmp_path_factory.mktemp("testfunc") / "bootstrap"
    env = dict(os.environ, GOOS="linux", GOARCH=GO_ARCH[platform.machine().lower()], CGO_ENABLED="0")
    result = subprocess.run(
        [
            "go",
            "build",
            "-tags",
            "lambda.norpc",
            "-trimpath",
            "-o",
            str(out),
            "./scripts/localstack_ext/tests/testfunc",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        pytest.fail(f"building tests/testfunc failed:\n{result.stderr}", pytrace=False)
    return zip_bootstrap(out.read_bytes())


def zip_bootstrap(content: bytes, name: str = "bootstrap") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name)
        info.external_attr = 0o755 << 16
        archive.writestr(info, content)
    return buffer.getvalue()


def fake_elf(architecture: str) -> bytes:
    """An ELF header for the given Lambda architecture: enough for the executor to read, never run."""
    machine = {"x86_64": 62, "arm64": 183}[architecture]
    header = bytearray(64)
    header[0:4] = b"\x7fELF"
    header[4] = 2  # 64-bit
    header[5] = 1  # little endian
    header[6] = 1  # version
    header[16:18] = (2).to_bytes(2, "little")  # executable
    header[18:20] = machine.to_bytes(2, "little")
    return bytes(header)


def make_role(endpoint: str):
    """A Lambda execution role on this LocalStack (a generator: yields its ARN, then deletes it)."""
    iam = client("iam", endpoint)
    name = f"secretsbundle-executor-test-{uuid.uuid4().hex[:8]}"
    role = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
    )
    # IAM is enforced (iam_enforcement.py): Lambda assumes the role only as its trust policy allows,
    # writes the function's logs with it, and the test function's rotation steps call Secrets
    # Manager with it.
    iam.put_role_policy(
        RoleName=name,
        PolicyName="logs",
        PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Action":["logs:CreateLogStream","logs:PutLogEvents","secretsmanager:*"],"Resource":"*"}]}',
    )
    yield role["Role"]["Arn"]
    iam.delete_role_policy(RoleName=name, PolicyName="logs")
    iam.delete_role(RoleName=name)


@pytest.fixture(scope="session")
def role_arn(endpoint) -> str:
    yield from make_role(endpoint)


@pytest.fixture(scope="module")
def unpatched_role_arn(unpatched_endpoint) -> str:
    """The execution role on the unpatched LocalStack, which has an IAM of its own: as on AWS, Lambda
    cannot assume a role that does not exist there."""
    yield from make_role(unpatched_endpoint)


def log_messages(endpoint: str, function: str) -> list[str]:
    """The messages in the function's CloudWatch log group; none while the group does not exist yet."""
    logs = client("logs", endpoint)
    try:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function}").get("events", [])
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [event["message"] for event in events]


class Functions:
    """Creates functions through LocalStack's Lambda API and deletes them after the test."""

    def __init__(self, endpoint: str, role_arn: str) -> None:
        self.lambda_ = client("lambda", endpoint)
        self.endpoint = endpoint
        self.role_arn = role_arn
        self.names: list[str] = []

    def create(
        self,
        code: bytes,
        runtime: str = "provided.al2023",
        architecture: str | None = None,
        timeout: int = 10,
        environment: dict[str, str] | None = None,
        handler: str = "bootstrap",
    ) -> str:
        name = f"executor-test-{uuid.uuid4().hex[:10]}"
        self.lambda_.create_function(
            FunctionName=name,
            Runtime=runtime,
            Role=self.role_arn,
            Handler=handler,
            Code={"ZipFile": code},
            Architectures=[architecture or host_lambda_architecture()],
            Timeout=timeout,
            MemorySize=128,
            Environment={"Variables": environment or {}},
        )
        self.names.append(name)
        return name

    def wait_settled(self, name: str, timeout: float = 30) -> dict:
        """The function's configuration once it left state Pending."""
        deadline = time.monotonic() + timeout
        while True:
            configuration = self.lambda_.get_function_configuration(FunctionName=name)
            if configuration["State"] != "Pending" or time.monotonic() > deadline:
                return configuration
            time.sleep(0.1)

    def delete_all(self) -> None:
        for name in self.names:
            try:
                self.lambda_.delete_function(FunctionName=name)
            except self.lambda_.exceptions.ResourceNotFoundException:
                pass


@pytest.fixture
def functions(endpoint, role_arn):
    created = Functions(endpoint, role_arn)
    yield created
    created.delete_all()


@pytest.fixture
def active_function(functions, bootstrap_zip) -> str:
    name = functions.create(bootstrap_zip, timeout=10, environment={"TESTFUNC_GREETING": "hello"})
    configuration = functions.wait_settled(name)
    assert configuration["State"] == "Active", configuration.get("StateReason")
    return name


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def unpatched_endpoint(endpoint):
    """A second LocalStack, started like the harness's but with this package's fixes disabled.

    It shows that each fix is still needed: the tests that use it expect LocalStack's bug.
    """
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="secretsbundle-localstack-unpatched."))
    (workdir / "volume").mkdir()
    (workdir / "tmp").mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(workdir)),
        "GATEWAY_SERVER": "hypercorn",
        "GATEWAY_LISTEN": f"127.0.0.1:{port}",
        "SERVICES": "secretsmanager,lambda,iam,sts,logs",
        "DISABLE_EVENTS": "1",
        "DNS_ADDRESS": "0",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "LOCALSTACK_VOLUME_DIR": str(workdir / "volume"),
        "TMPDIR": str(workdir / "tmp"),
        "LAMBDA_RUNTIME_EXECUTOR": "process",
        "SECRETSBUNDLE_RIE": str(HARNESS / "bin" / "aws-lambda-rie"),
        "SECRETSBUNDLE_LAMBDA_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "SECRETSBUNDLE_LOCALSTACK_PATCHES": "0",
    }
    log_path = workdir / "localstack.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "localstack.runtime.main"],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the unpatched LocalStack exited:\n{log_path.read_text()[-4000:]}", pytrace=False)
            try:
                if requests.get(f"{url}/_localstack/health", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the unpatched LocalStack did not start:\n{log_path.read_text()[-4000:]}", pytrace=False)
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)
