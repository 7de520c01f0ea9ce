"""CloudTrail service events of Secrets Manager's rotation, and EventBridge's rule states, as on AWS.

AWS records RotationStarted, RotationSucceeded, RotationFailed and RotationAbandoned as CloudTrail
service events (``eventType`` ``AwsServiceEvent``, ``userIdentity.invokedBy``
``secretsmanager.amazonaws.com``, the secret's ARN in ``additionalEventData.SecretId``) and puts
them on the default event bus with detail-type ``AWS Service Event via CloudTrail``. LocalStack
records none; rotation.py calls ``record`` at each of these moments, and ``GET
/_secretsbundle/cloudtrail`` lists what was recorded (newest last) for the AWS proxy's LookupEvents.

EventBridge delivers AWS API calls that CloudTrail records as read-only only to rules in the state
``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS``, and nothing to a ``DISABLED`` rule; LocalStack
4.14.0 matches every rule whatever its state. ``apply`` patches its rule processing to do as AWS.
"""

import datetime
import json
import logging
import threading
import uuid

from localstack.utils.patch import patch

LOG = logging.getLogger(__name__)

ROUTE = "/_secretsbundle/cloudtrail"
SERVICE_DETAIL_TYPE = "AWS Service Event via CloudTrail"
API_DETAIL_TYPE = "AWS API Call via CloudTrail"
STATE_WITH_READ_ONLY = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
SECRETS_MANAGER = "secretsmanager.amazonaws.com"
# Kept for LookupEvents; older events drop out, as CloudTrail's 90 days do.
_MAX_KEPT = 10000

_events: list[dict] = []
_lock = threading.Lock()
_applied = False


def service_event(
    event_name: str, secret_arn: str, region: str, account: str, when: datetime.datetime | None = None
) -> dict:
    """The CloudTrail record of one of Secrets Manager's rotation events, in AWS's shape."""
    when = when or datetime.datetime.now(datetime.timezone.utc)
    return {
        "eventVersion": "1.08",
        "userIdentity": {"accountId": account, "invokedBy": SECRETS_MANAGER},
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": SECRETS_MANAGER,
        "eventName": event_name,
        "awsRegion": region,
        "sourceIPAddress": SECRETS_MANAGER,
        "userAgent": SECRETS_MANAGER,
        "requestParameters": None,
        "responseElements": None,
        "additionalEventData": {"SecretId": secret_arn},
        "requestID": str(uuid.uuid4()),
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "eventType": "AwsServiceEvent",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }


def record(event_name: str, secret_arn: str, region: str, account: str) -> None:
    """Records the event for LookupEvents and puts it on the account's default bus in region."""
    event = service_event(event_name, secret_arn, region, account)
    with _lock:
        _events.append(event)
        del _events[:-_MAX_KEPT]
    try:
        from localstack.aws.connect import connect_to

        events = connect_to(region_name=region, aws_access_key_id=account, aws_secret_access_key="test").events
        events.put_events(
            Entries=[
                {
                    "Source": "aws.secretsmanager",
                    "DetailType": SERVICE_DETAIL_TYPE,
                    "Detail": json.dumps(event),
                    "EventBusName": "default",
                    "Resources": [],
                }
            ]
        )
    except Exception as e:  # best effort, as CloudTrail's delivery is
        LOG.warning("secretsbundle: putting %s of %s on EventBridge failed: %s", event_name, secret_arn, e)


def recorded() -> list[dict]:
    with _lock:
        return list(_events)


def rule_receives(state: str | None, event: dict) -> bool:
    """Whether EventBridge hands the event to a rule in state (before matching its pattern)."""
    if state == "DISABLED":
        return False
    detail = event.get("detail")
    if event.get("detail-type") == API_DETAIL_TYPE and isinstance(detail, dict) and detail.get("readOnly") is True:
        return state == STATE_WITH_READ_ONLY
    return True


def apply() -> None:
    global _applied
    if _applied:
        return
    from localstack.services.events.provider import EventsProvider

    @patch(EventsProvider._process_rules)
    def _process_rules(fn, self, rule, region, account_id, event_formatted, trace_header):
        state = getattr(rule, "state", None)
        state = getattr(state, "value", state)
        if not rule_receives(state, event_formatted):
            return None
        return fn(self, rule, region, account_id, event_formatted, trace_header)

    _applied = True


def report(_request, **_kwargs):
    """GET /_secretsbundle/cloudtrail: {"Events": [...]}, oldest first."""
    from localstack.http import Response

    return Response(json.dumps({"Events": recorded()}), mimetype="application/json")


def install_route() -> None:
    from localstack.services.edge import ROUTER

    ROUTER.add(ROUTE, report, methods=["GET"])
