"""The LocalStack 4.14.0 fixes, each with the bug shown on a LocalStack started without them."""

import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError
from conftest import Functions, client, log_messages, zip_bootstrap


def create_secret(endpoint: str) -> dict:
    secrets = client("secretsmanager", endpoint)
    return secrets.create_secret(
        Name=f"patch-test-{uuid.uuid4().hex[:10]}",
        SecretString=json.dumps({"username": "app", "password": "initial"}),
    )


def rotation_lines(endpoint: str, function: str) -> list[str]:
    return [m.strip() for m in log_messages(endpoint, function) if "testfunc: rotation step" in m]


def test_rotate_secret_without_immediate_rotation_stores_the_rules(endpoint, active_function, functions):
    secrets = client("secretsmanager", endpoint)
    secret = create_secret(endpoint)
    function_arn = functions.lambda_.get_function(FunctionName=active_function)["Configuration"]["FunctionArn"]

    response = secrets.rotate_secret(
        SecretId=secret["ARN"],
        RotationLambdaARN=function_arn,
        RotationRules={"AutomaticallyAfterDays": 7},
        RotateImmediately=False,
    )

    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert response["ARN"] == secret["ARN"]
    described = secrets.describe_secret(SecretId=secret["ARN"])
    assert described["RotationEnabled"] is True
    assert described["RotationLambdaARN"] == function_arn
    assert described["RotationRules"]["AutomaticallyAfterDays"] == 7
    # Nothing rotated: the one version stays current, none is pending; the function ran only
    # testSecret, to test the configuration (rotation.py, tests/test_rotation.py).
    assert described["VersionIdsToStages"] == {secret["VersionId"]: ["AWSCURRENT"]}
    assert "LastRotatedDate" not in described
    time.sleep(1)
    assert [line.split(" token ")[0] for line in rotation_lines(endpoint, active_function)] == ["testfunc: rotation step testSecret"]


def test_rotate_secret_without_immediate_rotation_fails_unpatched(unpatched_endpoint, unpatched_role_arn, bootstrap_zip):
    functions = Functions(unpatched_endpoint, unpatched_role_arn)
    try:
        name = functions.create(bootstrap_zip)
        function_arn = functions.lambda_.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
        secret = create_secret(unpatched_endpoint)

        with pytest.raises(ClientError) as error:
            client("secretsmanager", unpatched_endpoint).rotate_secret(
                SecretId=secret["ARN"],
                RotationLambdaARN=function_arn,
                RotationRules={"AutomaticallyAfterDays": 7},
                RotateImmediately=False,
            )
    finally:
        functions.delete_all()

    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "new_version_id" in error.value.response["Error"]["Message"]


def test_rotate_secret_immediately_runs_the_four_steps(endpoint, active_function, functions):
    secrets = client("secretsmanager", endpoint)
    secret = create_secret(endpoint)
    function_arn = functions.lambda_.get_function(FunctionName=active_function)["Configuration"]["FunctionArn"]
    token = str(uuid.uuid4())

    response = secrets.rotate_secret(
        SecretId=secret["ARN"],
        ClientRequestToken=token,
        RotationLambdaARN=function_arn,
        RotationRules={"AutomaticallyAfterDays": 7},
        RotateImmediately=True,
    )

    assert response["VersionId"] == token
    deadline = time.monotonic() + 10
    lines = []
    while time.monotonic() < deadline:
        lines = rotation_lines(endpoint, active_function)
        if len(lines) >= 4:
            break
        time.sleep(0.2)
    steps = ["createSecret", "setSecret", "testSecret", "finishSecret"]
    assert lines == [f"testfunc: rotation step {step} token {token}" for step in steps]
    # The function reached Secrets Manager with the endpoint and credentials LocalStack gave it.
    current = secrets.get_secret_value(SecretId=secret["ARN"], VersionStage="AWSCURRENT")
    assert current["VersionId"] == token
    assert current["SecretString"] == f"rotated-{token}"


PYTHON_CODE = zip_bootstrap(b"def handler(event, context):\n    return 1\n", name="handler.py")


def test_failed_function_can_be_deleted(functions):
    name = functions.create(PYTHON_CODE, runtime="python3.12", handler="handler.handler")
    assert functions.wait_settled(name)["State"] == "Failed"

    functions.lambda_.delete_function(FunctionName=name)

    with pytest.raises(functions.lambda_.exceptions.ResourceNotFoundException):
        functions.lambda_.get_function(FunctionName=name)


def test_failed_function_cannot_be_deleted_unpatched(unpatched_endpoint, unpatched_role_arn):
    functions = Functions(unpatched_endpoint, unpatched_role_arn)
    name = functions.create(PYTHON_CODE, runtime="python3.12", handler="handler.handler")
    assert functions.wait_settled(name)["State"] == "Failed"

    with pytest.raises(ClientError) as error:
        functions.lambda_.delete_function(FunctionName=name)

    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "Unable to find version manager" in error.value.response["Error"]["Message"]
