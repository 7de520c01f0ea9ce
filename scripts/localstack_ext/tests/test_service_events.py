"""Secrets Manager's rotation service events and EventBridge's rule states as on AWS
(secretsbundle_localstack/service_events.py), and the event-pattern features the bundle's alerts
rely on, checked against AWS's documented examples."""

import json
import time
import uuid

import pytest
import requests
from conftest import client

SERVICE = "AWS Service Event via CloudTrail"
API = "AWS API Call via CloudTrail"


def make_queue(endpoint: str) -> tuple[str, str]:
    sqs = client("sqs", endpoint)
    url = sqs.create_queue(QueueName=f"service-events-{uuid.uuid4().hex[:10]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def make_rule(endpoint: str, pattern: dict, queue_arn: str, state: str = "ENABLED") -> str:
    events = client("events", endpoint)
    name = f"service-events-{uuid.uuid4().hex[:10]}"
    events.put_rule(Name=name, EventPattern=json.dumps(pattern), State=state)
    events.put_targets(Rule=name, Targets=[{"Id": "queue", "Arn": queue_arn}])
    return name


def drop_rule(endpoint: str, name: str) -> None:
    events = client("events", endpoint)
    events.remove_targets(Rule=name, Ids=["queue"])
    events.delete_rule(Name=name)


def received(endpoint: str, url: str, want: int, timeout: float = 30) -> list[dict]:
    sqs = client("sqs", endpoint)
    out: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(out) < want:
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            out.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return out


def rotate(endpoint: str, functions, function: str, token: str) -> str:
    secrets = client("secretsmanager", endpoint)
    arn = secrets.create_secret(Name=f"service-events-{uuid.uuid4().hex[:10]}", SecretString="initial")["ARN"]
    function_arn = functions.lambda_.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    secrets.rotate_secret(
        SecretId=arn,
        ClientRequestToken=token,
        RotationLambdaARN=function_arn,
        RotationRules={"AutomaticallyAfterDays": 7},
    )
    return arn


@pytest.mark.parametrize("outcome", ["RotationSucceeded", "RotationFailed"])
def test_rotation_records_service_events_in_aws_shape(endpoint, active_function, functions, outcome):
    url, queue_arn = make_queue(endpoint)
    # A token holding "fail-test" makes testfunc's testSecret fail (the pending value carries it).
    token = ("fail-test-" if outcome == "RotationFailed" else "rotation-ok-") + uuid.uuid4().hex
    pattern = {
        "source": ["aws.secretsmanager"],
        "detail-type": [SERVICE],
        "detail": {"eventSource": ["secretsmanager.amazonaws.com"]},
    }
    rule = make_rule(endpoint, pattern, queue_arn)
    try:
        arn = rotate(endpoint, functions, active_function, token)
        pattern["detail"]["additionalEventData"] = {"SecretId": [arn]}
        events = [e for e in received(endpoint, url, 2) if e["detail"]["additionalEventData"]["SecretId"] == arn]
    finally:
        drop_rule(endpoint, rule)
    assert [e["detail"]["eventName"] for e in events] == ["RotationStarted", outcome]
    for event in events:
        assert event["source"] == "aws.secretsmanager" and event["detail-type"] == SERVICE
        detail = event["detail"]
        assert detail["eventType"] == "AwsServiceEvent"
        assert detail["userIdentity"] == {"accountId": "000000000000", "invokedBy": "secretsmanager.amazonaws.com"}
        assert detail["eventSource"] == "secretsmanager.amazonaws.com" and detail["readOnly"] is False
        assert detail["requestParameters"] is None and detail["responseElements"] is None
    listed = requests.get(f"{endpoint}/_secretsbundle/cloudtrail", timeout=10).json()["Events"]
    assert [e["eventName"] for e in listed if e["additionalEventData"]["SecretId"] == arn] == [
        "RotationStarted",
        outcome,
    ]


def test_read_only_events_reach_only_rules_in_the_state_that_asks_for_them(endpoint):
    pattern = {
        "source": ["secretsbundle.test"],
        "detail-type": [API],
        "detail": {"eventName": ["GetSecretValue", "DeleteSecret"]},
    }
    queues = {
        state: make_queue(endpoint)
        for state in ["ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS", "DISABLED"]
    }
    rules = {state: make_rule(endpoint, pattern, arn, state) for state, (_, arn) in queues.items()}
    try:
        events = client("events", endpoint)
        for name, read_only in [("GetSecretValue", True), ("DeleteSecret", False)]:
            detail = {"eventName": name, "readOnly": read_only, "eventType": "AwsApiCall"}
            events.put_events(
                Entries=[{"Source": "secretsbundle.test", "DetailType": API, "Detail": json.dumps(detail)}]
            )
        got = {
            state: sorted(e["detail"]["eventName"] for e in received(endpoint, url, 2, timeout=6))
            for state, (url, _) in queues.items()
        }
    finally:
        for rule in rules.values():
            drop_rule(endpoint, rule)
    assert got == {
        "ENABLED": ["DeleteSecret"],
        "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS": ["DeleteSecret", "GetSecretValue"],
        "DISABLED": [],
    }


# AWS's examples (EventBridge User Guide, "Content filtering in Amazon EventBridge event patterns"):
# pattern, event, whether it matches.
# The bundle's reader alert: an identity outside the readers (users by userIdentity.arn, role
# sessions by their issuer) in a nested $or, with anything-but wildcard lists.
READER_PATTERN = {
    "detail": {
        "userIdentity": {
            "$or": [
                {
                    "type": [{"anything-but": ["AssumedRole", "AWSService"]}],
                    "arn": [{"anything-but": {"wildcard": ["arn:aws:iam::111122223333:user/app*"]}}],
                },
                {
                    "type": ["AssumedRole"],
                    "sessionContext": {
                        "sessionIssuer": {
                            "arn": [{"anything-but": {"wildcard": ["arn:aws:iam::111122223333:role/app"]}}]
                        }
                    },
                },
            ]
        }
    }
}
EC2_EVENT = {
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "detail": {"state": "initializing", "instance-id": "i-1234567890abcdef0"},
}
PATTERN_EXAMPLES = [
    ({"detail": {"state": [{"anything-but": "initializing"}]}}, EC2_EVENT, False),
    ({"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}, EC2_EVENT, True),
    ({"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}, EC2_EVENT, False),
    ({"detail": {"state": [{"anything-but": {"prefix": "stop"}}]}}, EC2_EVENT, True),
    ({"detail": {"state": [{"anything-but": {"wildcard": "*ing"}}]}}, EC2_EVENT, False),
    ({"detail": {"state": [{"anything-but": {"wildcard": ["*ped", "over*"]}}]}}, EC2_EVENT, True),
    ({"detail": {"state": [{"prefix": "init"}]}}, EC2_EVENT, True),
    ({"detail": {"state": [{"prefix": {"equals-ignore-case": "INIT"}}]}}, EC2_EVENT, True),
    ({"detail": {"instance-id": [{"wildcard": "i-*"}]}}, EC2_EVENT, True),
    ({"detail": {"instance-id": [{"wildcard": "i-*ef1"}]}}, EC2_EVENT, False),
    (
        {"source": ["aws.s3"], "detail": {"eventName": [{"wildcard": "Put*"}]}},
        {"source": "aws.s3", "detail-type": "x", "detail": {"eventName": "PutObject"}},
        True,
    ),
    # "Filtering on the ARN of an identity": the bundle's reader alert, an ARN outside the readers
    # (users by userIdentity.arn, role sessions by their issuer) in a nested $or.
    (
        READER_PATTERN,
        {
            "source": "aws.secretsmanager",
            "detail-type": API,
            "detail": {"userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/app1"}},
        },
        False,
    ),
    (
        READER_PATTERN,
        {
            "source": "aws.secretsmanager",
            "detail-type": API,
            "detail": {"userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/stranger"}},
        },
        True,
    ),
    (
        READER_PATTERN,
        {
            "source": "aws.secretsmanager",
            "detail-type": API,
            "detail": {
                "userIdentity": {
                    "type": "AssumedRole",
                    "arn": "arn:aws:sts::111122223333:assumed-role/app/s1",
                    "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::111122223333:role/app"}},
                }
            },
        },
        False,
    ),
    (
        READER_PATTERN,
        {
            "source": "aws.secretsmanager",
            "detail-type": API,
            "detail": {
                "userIdentity": {
                    "type": "AssumedRole",
                    "arn": "arn:aws:sts::111122223333:assumed-role/other/s1",
                    "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::111122223333:role/other"}},
                }
            },
        },
        True,
    ),
]


@pytest.mark.parametrize("pattern,event,matches", PATTERN_EXAMPLES)
def test_event_patterns_match_as_aws_documents(endpoint, pattern, event, matches):
    full = {
        "id": str(uuid.uuid4()),
        "account": "111122223333",
        "time": "2024-01-01T00:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "version": "0",
        **event,
    }
    answer = client("events", endpoint).test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(full))
    assert answer["Result"] is matches
