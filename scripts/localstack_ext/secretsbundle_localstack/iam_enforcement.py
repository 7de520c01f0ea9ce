"""IAM identity-policy enforcement for the test ground, with moto's policy evaluator.

LocalStack 4.14 community evaluates no IAM policy. This module adds a request handler to LocalStack's
chain (after the request is parsed, before the service runs) that evaluates the identity policies
of every caller that is not the account's admin test key, with ``moto.iam.access_control.IAMPolicy``,
and answers a denied call as AWS does (``AccessDeniedException``, "User: ... is not authorized to
perform: ... on resource: ...").

Who is enforced: an access key of an IAM user (``CreateAccessKey``) and the temporary key of an
assumed role (``AssumeRole``, which is also how LocalStack's Lambda gets its function's execution
role credentials). Every other key (``test``, the default) is the account's admin and is not
evaluated. Calls LocalStack makes to itself (Secrets Manager invoking a rotation function,
EventBridge publishing to SNS) are not evaluated either: on AWS those are service principals that
resource policies, not identity policies, govern.

Where moto's evaluator falls short of AWS's rules, this module extends it, and only there:

- resource ARNs per operation (moto only evaluates ``*``): ``_resources`` maps each operation's
  request parameters to the ARNs AWS authorizes it against;
- ``?`` in a Resource (moto turns the pattern into a regular expression, where ``?`` is a
  quantifier): patterns are matched as IAM globs, actions case-insensitively;
- a Condition that does not hold makes its statement not apply (moto answers an explicit deny), and
  the operators the project's policies use are evaluated (moto evaluates ``StringEquals`` only and
  ignores the others): ``String(Not)Equals``, ``String(Not)Like``, ``ArnEquals``, ``ArnLike``, their
  ``IfExists`` forms; any other operator makes its statement not apply (it fails closed);
- AWS's cross-service rule for secrets encrypted with a customer-managed KMS key: reading such a
  secret also needs ``kms:Decrypt`` and writing it ``kms:GenerateDataKey`` on that key, evaluated with
  the context keys ``kms:ViaService`` and ``kms:EncryptionContext:SecretARN``;
- ``iam:PassRole`` on the execution role for Lambda's ``CreateFunction`` and
  ``UpdateFunctionConfiguration``, and the caller's ``ec2:Describe*`` for a VPC configuration;
- ``lambda:InvokeFunction`` on the rotation function for ``RotateSecret``;
- Lambda writing a function's logs with the function's role;
- Lambda's own check of a VPC function's execution role (the network-interface actions Lambda uses
  on the role's behalf), answered as Lambda does (``InvalidParameterValueException``).

The known gaps (what AWS evaluates and this does not) are listed in the project's LocalStack guide.

``SECRETSBUNDLE_IAM_ENFORCEMENT=0`` starts LocalStack without it. ``GET /_secretsbundle/iam`` reports
whether it is on, the decisions it made (newest last) and the time it spent per call; ``DELETE``
clears them; ``POST {"enabled": false}`` switches it off until ``POST {"enabled": true}``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import statistics
import threading
import time
from collections import deque
from typing import Any, Iterable, Optional

from localstack.aws.api import CommonServiceException, RequestContext
from localstack.aws.chain import HandlerChain
from localstack.http import Request, Response
from localstack.utils.aws.request_context import extract_access_key_id_from_auth_header

LOG = logging.getLogger(__name__)

ENV = "SECRETSBUNDLE_IAM_ENFORCEMENT"
ROUTE = "/_secretsbundle/iam"

# Services whose answer to a denied call is not AccessDeniedException/400.
_DENIED_SHAPE = {
    "iam": ("AccessDenied", 403),
    "sts": ("AccessDenied", 403),
    "sns": ("AuthorizationError", 403),
    "sqs": ("AccessDenied", 403),
    "cloudwatch": ("AccessDenied", 403),
    "ec2": ("UnauthorizedOperation", 403),
    "lambda": ("AccessDeniedException", 403),
}

# Operations AWS does not authorize with IAM at all.
_UNAUTHORIZED_OPERATIONS = {("sts", "GetCallerIdentity")}

# The network-interface actions Lambda uses with a VPC function's execution role when it creates or
# updates the function: those of AWS's managed policy AWSLambdaVPCAccessExecutionRole (v3), which AWS
# describes as the minimum for a function in a VPC. Lambda's error names the first one missing.
LAMBDA_VPC_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)

_enabled = False
_lock = threading.Lock()
_decisions: deque = deque(maxlen=5000)
_timings: deque = deque(maxlen=20000)
_evaluated_timings: deque = deque(maxlen=20000)


def enabled_by_environment() -> bool:
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off")


# --- moto's evaluator, extended where AWS's rules need it ------------------------------------------


def _glob(pattern: str, value: str, ignore_case: bool) -> bool:
    regex = "^" + "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + "$"
    return re.match(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _condition_holds(operator: str, expected: Any, actual: Optional[list[str]]) -> bool:
    """One condition operator against the request's values of one key (None: the key is absent)."""
    if_exists = operator.endswith("IfExists")
    op = operator.removesuffix("IfExists")
    if actual is None:
        return if_exists
    expected = [str(e) for e in _as_list(expected)]
    if op in ("StringEquals", "ArnEquals"):
        return any(a == e for a in actual for e in expected) if op == "StringEquals" else any(
            _glob(e, a, False) for a in actual for e in expected
        )
    if op in ("StringLike", "ArnLike"):
        return any(_glob(e, a, False) for a in actual for e in expected)
    if op == "StringNotEquals":
        return all(a != e for a in actual for e in expected)
    if op == "StringNotLike":
        return not any(_glob(e, a, False) for a in actual for e in expected)
    if op == "StringEqualsIgnoreCase":
        return any(a.lower() == e.lower() for a in actual for e in expected)
    # An operator this ground does not evaluate: the statement does not apply (fails closed).
    LOG.warning("secretsbundle IAM: condition operator %s is not evaluated; its statement does not apply", operator)
    return False


def _conditions_hold(conditions: Optional[dict], context: dict[str, list[str]]) -> bool:
    lowered = {k.lower(): v for k, v in context.items()}
    for operator, pairs in (conditions or {}).items():
        for key, expected in pairs.items():
            if not _condition_holds(operator, expected, lowered.get(key.lower())):
                return False
    return True


def _statement_class():
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    class Statement(IAMPolicyStatement):
        """moto's statement, with IAM's glob matching and conditions that make a statement not apply."""

        def _check_element_matches(self, statement_element: Any, value: str) -> bool:
            ignore_case = statement_element in ("Action", "NotAction")
            return any(_glob(p, value, ignore_case) for p in _as_list(self._statement[statement_element]))

        def evaluate(self, action: str, resource: str, context: dict[str, list[str]]) -> PermissionResult:
            if not _conditions_hold(self._statement.get("Condition"), context):
                return PermissionResult.NEUTRAL
            if "NotResource" in self._statement:
                if self._check_element_matches("NotResource", resource):
                    return PermissionResult.NEUTRAL
                stripped = {k: v for k, v in self._statement.items() if k not in ("NotResource", "Condition")}
                stripped["Resource"] = "*"
                return Statement(stripped).is_action_permitted(action, resource)
            stripped = {k: v for k, v in self._statement.items() if k != "Condition"}
            return Statement(stripped).is_action_permitted(action, resource)

    return Statement, PermissionResult


def evaluate(policies: Iterable[Any], action: str, resource: str, context: dict[str, list[str]]) -> tuple[str, str]:
    """AWS's identity-policy logic over moto's IAMPolicy: an explicit deny wins, then an allow.

    Returns ("allow" | "explicit" | "implicit", sid-or-empty of the deciding statement).
    """
    from moto.iam.access_control import IAMPolicy

    Statement, PermissionResult = _statement_class()
    allowed_by = None
    for policy in policies:
        document = IAMPolicy(policy)._policy_json
        for index, raw in enumerate(_as_list(document.get("Statement"))):
            result = Statement(raw).evaluate(action, resource, context)
            if result == PermissionResult.DENIED:
                return "explicit", raw.get("Sid", str(index))
            if result == PermissionResult.PERMITTED and allowed_by is None:
                allowed_by = raw.get("Sid", str(index))
    if allowed_by is not None:
        return "allow", allowed_by
    return "implicit", ""


# --- who calls ---------------------------------------------------------------------------------


class Principal:
    def __init__(self, arn: str, policies: list, kind: str):
        self.arn = arn
        self.policies = policies
        self.kind = kind


def principal_for(access_key_id: str, session_token: Optional[str], account_id: str) -> Optional[Principal]:
    """The IAM user or assumed role an access key belongs to; None for the account's admin key."""
    from moto.iam.access_control import AssumedRoleAccessKey, CreateAccessKeyFailure, IAMUserAccessKey
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    if not access_key_id or access_key_id == "test":
        return None
    partition = "aws"
    for assumed in sts_backends[account_id][partition].assumed_roles:
        if assumed.access_key_id == access_key_id:
            key = AssumedRoleAccessKey(
                account_id, partition, access_key_id, {"X-Amz-Security-Token": assumed.session_token}
            )
            try:
                policies = key.collect_policies()
            except Exception:  # noqa: BLE001 - moto's NoSuchEntity: the role does not exist (any more)
                # As on AWS, the session of a role that does not exist may do nothing.
                policies = []
            return Principal(key.arn, policies, "role")
    backend = iam_backends[account_id][partition]
    for user in backend.users.values():
        for key in user.access_keys:
            if key.access_key_id == access_key_id:
                try:
                    user_key = IAMUserAccessKey(account_id, partition, access_key_id, {})
                except CreateAccessKeyFailure:
                    return None
                return Principal(user_key.arn, user_key.collect_policies(), "user")
    return None


def role_policies(account_id: str, role_arn: str) -> list:
    from moto.iam.models import iam_backends

    backend = iam_backends[account_id]["aws"]
    name = role_arn.rsplit("/", 1)[-1]
    policies = []
    try:
        for policy_name in backend.list_role_policies(name):
            policies.append(backend.get_role_policy(name, policy_name)[1])
        attached, _ = backend.list_attached_role_policies(name)
    except Exception:  # noqa: BLE001 - moto's NoSuchEntity: a role that does not exist allows nothing
        return []
    return policies + list(attached)


# --- what a call touches -----------------------------------------------------------------------


class Check:
    """One authorization AWS makes for a call: action on resource, with condition context."""

    def __init__(self, action: str, resource: str, context: Optional[dict[str, list[str]]] = None):
        self.action = action
        self.resource = resource
        self.context = context or {}


def _secret(account: str, region: str, secret_id: Optional[str]):
    from moto.secretsmanager.models import secretsmanager_backends

    if not secret_id:
        return None
    backend = secretsmanager_backends[account][region]
    try:
        if backend._is_valid_identifier(secret_id):
            return backend.secrets[secret_id]
    except Exception:  # noqa: BLE001 - an unknown id is the service's to answer
        return None
    return None


def _secret_arn(account: str, region: str, secret_id: Optional[str]) -> str:
    secret = _secret(account, region, secret_id)
    if secret is not None:
        return secret.arn
    if secret_id and secret_id.startswith("arn:"):
        return secret_id
    # A secret that does not exist: AWS names the ARN the name would have (suffix unknown).
    return f"arn:aws:secretsmanager:{region}:{account}:secret:{secret_id or '*'}"


def _customer_key_arn(account: str, region: str, key_id: Optional[str]) -> Optional[str]:
    """The ARN of a customer-managed KMS key, or None for the AWS managed key / no key."""
    from moto.kms.models import kms_backends

    if not key_id or key_id in ("alias/aws/secretsmanager",) or key_id.endswith(":alias/aws/secretsmanager"):
        return None
    backend = kms_backends[account][region]
    try:
        raw = backend.any_id_to_key_id(key_id)
        key = backend.keys[raw]
    except Exception:  # noqa: BLE001
        return key_id if key_id.startswith("arn:") else f"arn:aws:kms:{region}:{account}:key/{key_id}"
    if getattr(key, "key_manager", "CUSTOMER") == "AWS":
        return None
    return key.arn


def _kms_key_arn(account: str, region: str, key_id: Optional[str]) -> str:
    from moto.kms.models import kms_backends

    if not key_id:
        return "*"
    if key_id.startswith("alias/") or ":alias/" in key_id:
        try:
            raw = kms_backends[account][region].any_id_to_key_id(key_id)
            return kms_backends[account][region].keys[raw].arn
        except Exception:  # noqa: BLE001
            name = key_id.split(":alias/")[-1].removeprefix("alias/")
            return f"arn:aws:kms:{region}:{account}:alias/{name}"
    if key_id.startswith("arn:"):
        return key_id
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


_SECRET_READS = {"GetSecretValue"}
_SECRET_WRITES = {"PutSecretValue", "CreateSecret", "UpdateSecret"}


def _secretsmanager(op: str, req: dict, account: str, region: str) -> list[Check]:
    action = "secretsmanager:" + op
    if op == "CreateSecret":
        arn = f"arn:aws:secretsmanager:{region}:{account}:secret:{req.get('Name')}-AbCdEf"
        checks = [Check(action, arn)]
        if req.get("Tags"):
            checks.append(Check("secretsmanager:TagResource", arn))
        key = _customer_key_arn(account, region, req.get("KmsKeyId"))
        if key and (req.get("SecretString") is not None or req.get("SecretBinary") is not None):
            checks.append(_via_secretsmanager("kms:GenerateDataKey", key, region, account, arn))
        return checks
    if op in ("GetRandomPassword", "ListSecrets", "BatchGetSecretValue"):
        return [Check(action, "*")]
    arn = _secret_arn(account, region, req.get("SecretId"))
    checks = [Check(action, arn)]
    secret = _secret(account, region, req.get("SecretId"))
    if op == "RotateSecret":
        # Secrets Manager also needs the caller to be allowed to invoke the rotation function.
        function = req.get("RotationLambdaARN") or getattr(secret, "rotation_lambda_arn", None)
        if function:
            checks.append(Check("lambda:InvokeFunction", _lambda_arn(region, account, function)))
    key_id = req.get("KmsKeyId") if op == "UpdateSecret" and req.get("KmsKeyId") else getattr(secret, "kms_key_id", None)
    key = _customer_key_arn(account, region, key_id)
    if key and op in _SECRET_READS:
        checks.append(_via_secretsmanager("kms:Decrypt", key, region, account, arn))
    if key and op in _SECRET_WRITES and (req.get("SecretString") is not None or req.get("SecretBinary") is not None):
        checks.append(_via_secretsmanager("kms:GenerateDataKey", key, region, account, arn))
    return checks


def _via_secretsmanager(action: str, key_arn: str, region: str, account: str, secret_arn: str) -> Check:
    return Check(
        action,
        key_arn,
        {
            "kms:ViaService": [f"secretsmanager.{region}.amazonaws.com"],
            "kms:CallerAccount": [account],
            "kms:EncryptionContext:SecretARN": [secret_arn],
        },
    )


def _lambda_arn(region: str, account: str, name: Optional[str]) -> str:
    if not name:
        return "*"
    if name.startswith("arn:"):
        parts = name.split(":")
        return ":".join(parts[:7])
    if ":" in name:  # partial ARN account:function:name or name:qualifier
        name = name.split(":function:")[-1].split(":")[0]
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


def _lambda(op: str, req: dict, account: str, region: str) -> list[Check]:
    action = "lambda:" + op
    if op in ("ListFunctions", "ListLayers", "GetAccountSettings", "ListEventSourceMappings"):
        return [Check(action, "*")]
    name = req.get("FunctionName") or req.get("Resource")
    checks = [Check(action, _lambda_arn(region, account, name))]
    role = req.get("Role")
    if op in ("CreateFunction", "UpdateFunctionConfiguration") and role:
        checks.append(Check("iam:PassRole", role, {"iam:PassedToService": ["lambda.amazonaws.com"]}))
    if op in ("CreateFunction", "UpdateFunctionConfiguration"):
        checks.extend(_vpc_caller_checks(req))
    return checks


def _iam(op: str, req: dict, account: str, region: str) -> list[Check]:
    action = "iam:" + op
    for param, kind in (("RoleName", "role"), ("UserName", "user"), ("GroupName", "group"), ("InstanceProfileName", "instance-profile")):
        if req.get(param):
            return [Check(action, f"arn:aws:iam::{account}:{kind}/{req[param]}")]
    if req.get("PolicyArn"):
        return [Check(action, req["PolicyArn"])]
    return [Check(action, "*")]


def _logs(op: str, req: dict, account: str, region: str) -> list[Check]:
    action = "logs:" + op
    group = req.get("logGroupName")
    if not group and req.get("logGroupIdentifier"):
        group = req["logGroupIdentifier"].split(":log-group:")[-1].removesuffix(":*")
    if not group and req.get("resourceArn"):
        return [Check(action, req["resourceArn"])]
    if not group:
        return [Check(action, "*")]
    stream = req.get("logStreamName")
    if stream:
        return [Check(action, f"arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{stream}")]
    return [Check(action, f"arn:aws:logs:{region}:{account}:log-group:{group}:*")]


def _events(op: str, req: dict, account: str, region: str) -> list[Check]:
    action = "events:" + op
    if req.get("ResourceARN"):
        return [Check(action, req["ResourceARN"])]
    rule = req.get("Rule") if op in ("PutTargets", "RemoveTargets", "ListTargetsByRule") else req.get("Name")
    if rule and op not in ("PutEvents", "ListRules", "CreateEventBus", "DescribeEventBus", "DeleteEventBus"):
        return [Check(action, f"arn:aws:events:{region}:{account}:rule/{rule}")]
    return [Check(action, "*")]


def _sns(op: str, req: dict, account: str, region: str) -> list[Check]:
    action = "sns:" + op
    if op == "CreateTopic":
        return [Check(action, f"arn:aws:sns:{region}:{account}:{req.get('Name')}")]
    arn = req.get("TopicArn") or req.get("ResourceArn")
    if not arn and req.get("SubscriptionArn"):
        arn = req["SubscriptionArn"].rsplit(":", 1)[0]
    return [Check(action, arn or "*")]


def _kms(op: str, req: dict, account: str, region: str) -> list[Check]:
    action = "kms:" + op
    if op in ("CreateKey", "ListKeys", "ListAliases", "GenerateRandom"):
        return [Check(action, "*")]
    if op in ("CreateAlias", "UpdateAlias", "DeleteAlias"):
        alias = req.get("AliasName", "").removeprefix("alias/")
        checks = [Check(action, f"arn:aws:kms:{region}:{account}:alias/{alias}")]
        if req.get("TargetKeyId"):
            checks.append(Check(action, _kms_key_arn(account, region, req["TargetKeyId"])))
        return checks
    return [Check(action, _kms_key_arn(account, region, req.get("KeyId")))]


_MAPPERS = {
    "secretsmanager": _secretsmanager,
    "lambda": _lambda,
    "iam": _iam,
    "logs": _logs,
    "events": _events,
    "sns": _sns,
    "kms": _kms,
}


def checks_for(service: str, operation: str, request: dict, account: str, region: str) -> list[Check]:
    mapper = _MAPPERS.get(service)
    if mapper is None:
        return [Check(f"{service}:{operation}", "*")]
    return mapper(operation, request or {}, account, region)


# --- the handler -------------------------------------------------------------------------------


def _denied(service: str, principal: Principal, check: Check, kind: str) -> CommonServiceException:
    code, status = _DENIED_SHAPE.get(service, ("AccessDeniedException", 400))
    why = (
        f"with an explicit deny in an identity-based policy"
        if kind == "explicit"
        else f"because no identity-based policy allows the {check.action} action"
    )
    message = f"User: {principal.arn} is not authorized to perform: {check.action} on resource: {check.resource} {why}"
    return CommonServiceException(code, message, status_code=status, sender_fault=True)


def _record(entry: dict) -> None:
    with _lock:
        _decisions.append(entry)


# What Lambda checks with the caller's own permissions when a function gets a VPC configuration.
LAMBDA_VPC_CALLER_ACTIONS = ("ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs")


def _vpc_caller_checks(req: dict) -> list[Check]:
    if not (req.get("VpcConfig") or {}).get("SubnetIds"):
        return []
    return [Check(action, "*") for action in LAMBDA_VPC_CALLER_ACTIONS]


def _vpc_check(context: RequestContext, req: dict, account: str) -> None:
    """Lambda's own check of a VPC function's execution role, answered as Lambda does."""
    vpc = req.get("VpcConfig") or {}
    if not vpc.get("SubnetIds"):
        return
    role = req.get("Role")
    if not role:
        from localstack.services.lambda_.invocation.models import lambda_stores

        try:
            fn = lambda_stores[account][context.region].functions[req.get("FunctionName", "").split(":")[-1]]
            role = fn.latest().config.role
        except Exception:  # noqa: BLE001
            return
    policies = role_policies(account, role)
    for action in LAMBDA_VPC_ACTIONS:
        decision, _ = evaluate(policies, action, "*", {})
        _record({"principal": role, "action": action, "resource": "*", "decision": decision, "by": "lambda"})
        if decision != "allow":
            raise CommonServiceException(
                "InvalidParameterValueException",
                f"The provided execution role does not have permissions to call {action.split(':')[1]} on EC2",
                status_code=400,
                sender_fault=True,
            )


def _patch_lambda_logs() -> None:
    """Lambda writes a function's logs with the function's execution role, as on AWS: without
    logs:CreateLogStream and logs:PutLogEvents on its log group the lines are dropped (AWS drops them
    silently too)."""
    from localstack.services.lambda_.invocation.logs import LogHandler
    from localstack.utils.patch import patch

    @patch(LogHandler.add_logs)
    def add_logs(fn, self, log_item):
        if _enabled:
            try:
                arn_parts = self.role_arn.split(":")
                account = arn_parts[4]
                policies = role_policies(account, self.role_arn)
                stream = (
                    f"arn:aws:logs:{self.region}:{account}:log-group:{log_item.log_group}"
                    f":log-stream:{log_item.log_stream}"
                )
                for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
                    decision, by = evaluate(policies, action, stream, {})
                    _record(
                        {
                            "principal": self.role_arn,
                            "action": action,
                            "resource": stream,
                            "decision": decision,
                            "statement": by,
                            "by": "lambda",
                        }
                    )
                    if decision != "allow":
                        LOG.info("secretsbundle IAM: %s may not %s; Lambda drops its logs", self.role_arn, action)
                        return None
            except Exception:  # noqa: BLE001 - never lose logs to a bug of this check
                LOG.exception("secretsbundle IAM: checking the log permissions of %s failed", self.role_arn)
        return fn(self, log_item)


def enforce(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    if not _enabled or context.service is None or context.operation is None:
        return
    if context.is_internal_call:
        return
    started = time.perf_counter()
    principal = None
    try:
        service = context.service.service_name
        op = context.operation.name
        account = context.account_id
        region = context.region
        req = dict(context.service_request or {})
        headers = context.request.headers
        key = extract_access_key_id_from_auth_header(headers)
        principal = None
        if (service, op) not in _UNAUTHORIZED_OPERATIONS:
            principal = principal_for(key, headers.get("X-Amz-Security-Token"), account)
        for check in checks_for(service, op, req, account, region) if principal else []:
            decision, by = evaluate(principal.policies, check.action, check.resource, check.context)
            _record(
                {
                    "principal": principal.arn,
                    "action": check.action,
                    "resource": check.resource,
                    "decision": decision,
                    "statement": by,
                }
            )
            if decision != "allow":
                LOG.info("secretsbundle IAM: denied %s %s on %s", principal.arn, check.action, check.resource)
                raise _denied(service, principal, check, decision)
        if service == "lambda" and op in ("CreateFunction", "UpdateFunctionConfiguration"):
            _vpc_check(context, req, account)
    finally:
        elapsed = time.perf_counter() - started
        with _lock:
            _timings.append(elapsed)
            if principal is not None:
                _evaluated_timings.append(elapsed)


_installed = False


def report(request: Request, **_kwargs) -> Response:
    """GET: the decisions and timings; DELETE: clear them; POST {"enabled": bool}: switch the
    enforcement on or off at runtime (the overhead benchmark compares the two)."""
    global _enabled
    if request.method == "POST":
        wanted = bool((request.get_json(force=True, silent=True) or {}).get("enabled"))
        if wanted and not _installed:
            return Response(json.dumps({"error": f"disabled at startup by {ENV}"}), status=409, mimetype="application/json")
        _enabled = wanted
    with _lock:
        decisions = list(_decisions)
        timings = list(_timings)
        evaluated = list(_evaluated_timings)
        if request.method == "DELETE":
            _decisions.clear()
            _timings.clear()
            _evaluated_timings.clear()
    body = {
        "enabled": _enabled,
        "decisions": decisions,
        # Every call the handler saw, and the median time it spent on one.
        "calls": len(timings),
        "median_seconds": statistics.median(timings) if timings else None,
        # The calls of evaluated principals (IAM users, assumed roles), and the median time spent
        # evaluating one: the latency the enforcement adds to such a call.
        "evaluated_calls": len(evaluated),
        "evaluated_median_seconds": statistics.median(evaluated) if evaluated else None,
    }
    return Response(json.dumps(body), mimetype="application/json")


def authorize(request: Request, **_kwargs) -> Response:
    """POST {"authorization", "security_token", "action", "resource"}: the decision for a call that
    another part of the harness answers itself (the AWS proxy's CloudTrail LookupEvents), so that it
    is enforced like the calls LocalStack serves. Answers {"allowed": bool, "code", "message"}."""
    from localstack.aws.accounts import get_account_id_from_access_key_id

    body = request.get_json(force=True, silent=True) or {}
    action, resource = str(body.get("action", "")), str(body.get("resource", "*"))
    key = extract_access_key_id_from_auth_header({"Authorization": body.get("authorization") or ""})
    principal = None
    if _enabled and key:
        principal = principal_for(key, body.get("security_token"), get_account_id_from_access_key_id(key))
    if principal is None:
        return Response(json.dumps({"allowed": True}), mimetype="application/json")
    check = Check(action, resource)
    decision, by = evaluate(principal.policies, check.action, check.resource, check.context)
    _record({"principal": principal.arn, "action": action, "resource": resource, "decision": decision, "statement": by})
    if decision == "allow":
        return Response(json.dumps({"allowed": True}), mimetype="application/json")
    denied = _denied(action.split(":")[0], principal, check, decision)
    return Response(
        json.dumps({"allowed": False, "code": denied.code, "message": denied.message, "status": denied.status_code}),
        mimetype="application/json",
    )


def install() -> None:
    """Adds the handler to LocalStack's chain and the report route; on unless disabled by ENV."""
    global _enabled
    from localstack.aws import handlers
    from localstack.services.edge import ROUTER

    global _installed
    ROUTER.add(ROUTE, report, methods=["GET", "DELETE", "POST"])
    ROUTER.add(ROUTE + "/authorize", authorize, methods=["POST"])
    if not enabled_by_environment():
        LOG.warning("secretsbundle: IAM enforcement disabled by %s", ENV)
        return
    handlers.serve_custom_service_request_handlers.append(enforce)
    _patch_lambda_logs()
    _enabled = _installed = True
    LOG.info("secretsbundle: IAM enforcement on")
