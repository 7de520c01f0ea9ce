"""The process executor: Lambda functions created through LocalStack's API run as local processes."""

import base64
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

from conftest import (
    fake_elf,
    foreign_lambda_architecture,
    host_lambda_architecture,
    log_messages,
    zip_bootstrap,
)


def invoke(functions, name: str, event: dict) -> tuple[dict, object]:
    response = functions.lambda_.invoke(FunctionName=name, Payload=json.dumps(event), LogType="Tail")
    body = json.loads(response["Payload"].read() or b"null")
    return response, body


def tail_log(response) -> str:
    return base64.b64decode(response.get("LogResult", "")).decode()


def parent_pid(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_function_reaches_active_and_runs(functions, bootstrap_zip, lambda_endpoint, endpoint):
    started = time.monotonic()
    name = functions.create(bootstrap_zip, environment={"TESTFUNC_GREETING": "hello"})
    configuration = functions.wait_settled(name)
    assert configuration["State"] == "Active", configuration.get("StateReason")
    assert time.monotonic() - started < 15

    response, body = invoke(functions, name, {"action": "ok"})

    assert response["StatusCode"] == 200
    assert "FunctionError" not in response, body
    assert body["action"] == "ok"
    env = body["env"]
    # LocalStack passes these as numbers; the process sees text.
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "10"
    assert env["AWS_ENDPOINT_URL"] == lambda_endpoint
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["TESTFUNC_GREETING"] == "hello"
    assert os.path.isfile(os.path.join(env["LAMBDA_TASK_ROOT"], "bootstrap"))

    # The invocation's own lines, as Lambda returns them with LogType=Tail.
    log = tail_log(response)
    request_id = response["ResponseMetadata"]["HTTPHeaders"].get("x-amz-request-id") or ""
    assert "testfunc: ok" in log
    assert f"START RequestId: {request_id}" in log
    assert f"REPORT RequestId: {request_id}" in log

    # A second invocation's log holds only its own lines.
    response, _ = invoke(functions, name, {"action": "sleep", "seconds": 0})
    log = tail_log(response)
    assert "testfunc: sleeping" in log
    assert "testfunc: ok" not in log

    # ... and they reach CloudWatch Logs, as on AWS.
    deadline = time.monotonic() + 10
    messages = []
    while time.monotonic() < deadline:
        messages = log_messages(endpoint, name)
        if any("testfunc: ok" in message for message in messages):
            break
        time.sleep(0.2)
    assert any("testfunc: ok" in message for message in messages), messages


def test_handler_error_is_an_unhandled_function_error(functions, active_function):
    response, body = invoke(functions, active_function, {"action": "error"})

    assert response["StatusCode"] == 200
    assert response.get("FunctionError") == "Unhandled"
    assert body["errorMessage"] == "testfunc failed on purpose"
    assert "testfunc: failing on purpose" in tail_log(response)

    # The environment keeps working after a handler error.
    response, body = invoke(functions, active_function, {"action": "ok"})
    assert "FunctionError" not in response, body


def test_function_timeout_is_honoured(functions, bootstrap_zip):
    name = functions.create(bootstrap_zip, timeout=1)
    assert functions.wait_settled(name)["State"] == "Active"

    started = time.monotonic()
    response, body = invoke(functions, name, {"action": "sleep", "seconds": 5})
    elapsed = time.monotonic() - started

    assert response.get("FunctionError") == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in body["errorMessage"]
    assert elapsed < 4.5, f"the invocation took {elapsed:.1f}s with a 1s timeout"
    # The log group gets Lambda's own line, as on AWS: the function itself never says it timed out.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any("Task timed out after 1.00 seconds" in m for m in log_messages(functions.endpoint, name)):
        time.sleep(0.2)
    assert any("Task timed out after 1.00 seconds" in m for m in log_messages(functions.endpoint, name))

    # The next invocation runs in a reset runtime, as on Lambda.
    response, body = invoke(functions, name, {"action": "sleep", "seconds": 0.1})
    assert "FunctionError" not in response, body


def test_concurrent_invocations_run_side_by_side(functions, active_function):
    invocations = 4
    started = time.monotonic()
    with ThreadPoolExecutor(invocations) as pool:
        results = list(
            pool.map(
                lambda _: invoke(functions, active_function, {"action": "sleep", "seconds": 1.5}), range(invocations)
            )
        )
    elapsed = time.monotonic() - started

    for response, body in results:
        assert "FunctionError" not in response, body
        assert body["slept"] == 1.5
    # One execution environment, one process, per concurrent invocation.
    assert len({body["pid"] for _, body in results}) == invocations
    assert elapsed < invocations * 1.5, f"{invocations} invocations of 1.5s took {elapsed:.1f}s"


def test_no_process_is_left_after_the_function_is_deleted(functions, active_function):
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(lambda _: invoke(functions, active_function, {"action": "sleep", "seconds": 1}), range(2))
        )
    bootstraps = {body["pid"] for _, body in results}
    emulators = {parent_pid(pid) for pid in bootstraps}
    processes = bootstraps | emulators
    assert len(processes) == 4 and all(alive(pid) for pid in processes)

    functions.lambda_.delete_function(FunctionName=active_function)

    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in processes if alive(pid)], "emulator or bootstrap processes outlived the function"


def test_bootstrap_for_another_architecture_is_refused(functions):
    foreign = foreign_lambda_architecture()
    name = functions.create(zip_bootstrap(fake_elf(foreign)), architecture=foreign)

    configuration = functions.wait_settled(name)

    assert configuration["State"] == "Failed"
    reason = configuration["StateReason"]
    assert f"bootstrap is built for {foreign}" in reason
    assert f"this host runs {host_lambda_architecture()}" in reason


def test_architecture_other_than_the_hosts_is_refused(functions, bootstrap_zip):
    foreign = foreign_lambda_architecture()
    name = functions.create(bootstrap_zip, architecture=foreign)

    configuration = functions.wait_settled(name)

    assert configuration["State"] == "Failed"
    assert f"its architecture is {foreign}" in configuration["StateReason"]


def test_runtime_other_than_provided_is_refused(functions):
    code = zip_bootstrap(b"def handler(event, context):\n    return 1\n", name="handler.py")
    name = functions.create(code, runtime="python3.12", handler="handler.handler")

    configuration = functions.wait_settled(name)

    assert configuration["State"] == "Failed"
    assert "runtime python3.12 is not supported by the process executor" in configuration["StateReason"]


def test_runtime_crash_is_an_unhandled_function_error(functions, active_function):
    response, body = invoke(functions, active_function, {"action": "exit"})

    assert response.get("FunctionError") == "Unhandled"
    assert "errorType" in body, body
    assert "testfunc: exiting with status 2" in tail_log(response)

    # The next invocation starts the runtime again.
    response, body = invoke(functions, active_function, {"action": "ok"})
    assert "FunctionError" not in response, body


def test_emulator_ports_are_outside_the_ephemeral_range():
    # A port from the ephemeral range can be taken by an outgoing connection between the pick and
    # the emulator's bind (CI failed so); the executor picks from a band above it.
    from secretsbundle_localstack import executor

    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low, high = map(int, f.read().split())
    for _ in range(100):
        port = executor._free_loopback_port()
        assert not low <= port <= high, port
        assert executor.PORT_BAND[0] <= port < executor.PORT_BAND[1]
