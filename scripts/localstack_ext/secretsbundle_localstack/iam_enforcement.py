"""IAM enforcement for the test ground: a request handler in LocalStack's chain that authorizes each
call as AWS would, and answers a denied call as AWS does.

LocalStack 4.14 community evaluates no IAM policy. ``install`` adds ``enforce`` to LocalStack's
chain (after the request is parsed, before the service runs). For a caller that is an IAM user
(``CreateAccessKey``) or an assumed role session (``AssumeRole``, which is also how LocalStack's
Lambda gets a function's credentials), it takes the authorizations the call needs
(``iam_resources``), the caller's policies and permissions boundary (``iam_principals``) and decides
each with AWS's evaluation logic (``iam_policy``); a denied one answers ``AccessDeniedException``
(or the service's own code and status), "User: <arn> is not authorized to perform: <action> on
resource: <arn> because no identity-based policy allows the <action> action". The admin key
(``test``, the default) is not evaluated. Calls LocalStack makes to itself are not evaluated either
(on AWS those are service principals, governed by resource policies), except a service's
``sts:AssumeRole`` of a role (Lambda assuming a function's role), which the role's trust policy
decides (``iam_lambda``).

Also: ``sts:AssumeRole`` needs the role's trust policy as well as the caller's permissions;
BatchGetSecretValue returns only the secrets the caller may GetSecretValue (and kms:Decrypt), the
others as AccessDeniedException errors, as AWS does; Lambda's checks of a function's role
(``iam_lambda``).

The request context holds aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:userid,
aws:username (users), aws:PrincipalTag/*, aws:MultiFactorAuthPresent (false, role sessions),
aws:RequestedRegion, aws:SourceIp (the caller's address), aws:SecureTransport (true: AWS's endpoints
are TLS), aws:CurrentTime, aws:EpochTime, aws:ViaAWSService, aws:PrincipalIsAWSService, resource tags
of secrets, and the service keys ``iam_resources`` adds. aws:SourceVpce, aws:SourceVpc,
aws:PrincipalOrgID and the other keys AWS sets only in a VPC or an organisation are absent, as they
are for a caller outside both.

``SECRETSBUNDLE_IAM_ENFORCEMENT=0`` starts LocalStack without it. ``GET /_secretsbundle/iam`` reports
whether it is on, the decisions it made (newest last) and the time it spent per call; ``DELETE``
clears them; ``POST {"enabled": false}`` switches it off until ``POST {"enabled": true}``.
``POST /_secretsbundle/iam/authorize`` decides a call another part of the harness answers itself.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import os
import time
from typing import Optional

from localstack.aws.api import CommonServiceException, RequestContext
from localstack.aws.chain import HandlerChain
from localstack.http import Request, Response
from localstack.utils.aws.request_context import extract_access_key_id_from_auth_header

from secretsbundle_localstack import iam_lambda
from secretsbundle_localstack.iam_ledger import Ledger
from secretsbundle_localstack.iam_policy import (
    ALLOW,
    BOUNDARY,
    EXPLICIT,
    TRUST,
    UNSUPPORTED,
    Decision,
    decide,
)
from secretsbundle_localstack.iam_policy import (
    Request as PolicyRequest,
)
from secretsbundle_localstack.iam_principals import Caller, caller_for, trust_policy
from secretsbundle_localstack.iam_resources import Check, checks_for, secret_read_checks

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

_ledger = Ledger()
# The caller of the request being served, for the service code patched here (BatchGetSecretValue).
_current_caller: contextvars.ContextVar[Optional[Caller]] = contextvars.ContextVar("secretsbundle_caller", default=None)


def enabled_by_environment() -> bool:
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def request_context(caller: Caller, account: str, region: str, source_ip: str) -> dict[str, list[str]]:
    now = datetime.datetime.now(datetime.timezone.utc)
    return {
        "aws:PrincipalAccount": [account],
        "aws:RequestedRegion": [region],
        "aws:SecureTransport": ["true"],
        "aws:SourceIp": [source_ip or "127.0.0.1"],
        "aws:CurrentTime": [now.strftime("%Y-%m-%dT%H:%M:%SZ")],
        "aws:EpochTime": [str(int(now.timestamp()))],
        "aws:ViaAWSService": ["false"],
        "aws:PrincipalIsAWSService": ["false"],
        **caller.context,
    }


def authorize(caller: Caller, check: Check, base: dict[str, list[str]]) -> Decision:
    """One authorization for a caller, recorded; sts:AssumeRole also consults the role's trust policy."""
    trust = None
    if check.action.lower() == "sts:assumerole":
        account = caller.principal.account
        trust = trust_policy(account, check.resource) or []
    request = PolicyRequest(check.action, check.resource, {**base, **check.context}, caller.principal)
    decision = decide(request, caller.identity, caller.boundary, trust)
    if decision.answer == UNSUPPORTED:
        LOG.warning(
            "secretsbundle IAM: condition operator %s (in a %s of %s) is not evaluated; %s on %s is denied",
            decision.operator,
            decision.policy_kind,
            caller.arn,
            check.action,
            check.resource,
        )
    _ledger.record(
        {
            "principal": caller.arn,
            "action": check.action,
            "resource": check.resource,
            "decision": decision.answer,
            "statement": decision.statement or decision.operator,
            "policy": decision.policy_kind,
        }
    )
    return decision


def article(kind: str) -> str:
    return ("an " if kind[0] in "aeiou" else "a ") + kind


def denial_message(caller: Caller, check: Check, decision: Decision) -> str:
    head = f"User: {caller.arn} is not authorized to perform: {check.action} on resource: {check.resource}"
    if decision.answer == UNSUPPORTED:
        return f"{head} because the test ground does not evaluate the condition operator {decision.operator}"
    if decision.policy_kind == TRUST:
        return head
    kind = "permissions boundary" if decision.policy_kind == BOUNDARY else "identity-based policy"
    if decision.answer == EXPLICIT:
        return f"{head} with an explicit deny in {article(kind)}"
    return f"{head} because no {kind} allows the {check.action} action"


def _denied(service: str, caller: Caller, check: Check, decision: Decision) -> CommonServiceException:
    code, status = _DENIED_SHAPE.get(service, ("AccessDeniedException", 400))
    return CommonServiceException(code, denial_message(caller, check, decision), status_code=status, sender_fault=True)


def _service_assumes_role(context: RequestContext) -> None:
    """A service's own sts:AssumeRole (Lambda for a function's role): the role's trust policy decides."""
    principal = (context.internal_request_params or {}).get("service_principal")
    if not principal or context.service.service_name != "sts" or context.operation.name != "AssumeRole":
        return
    service = principal if "." in principal else f"{principal}.amazonaws.com"
    role = (context.service_request or {}).get("RoleArn", "")
    if not iam_lambda.service_may_assume(_ledger, context.account_id, role, service):
        raise CommonServiceException(
            "AccessDenied",
            f"{service} is not authorized to perform: sts:AssumeRole on resource: {role}",
            status_code=403,
            sender_fault=True,
        )


def enforce(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    _current_caller.set(None)
    if not _ledger.enabled or context.service is None or context.operation is None:
        return
    if context.is_internal_call:
        _service_assumes_role(context)
        return
    started = time.perf_counter()
    caller = None
    try:
        service, op = context.service.service_name, context.operation.name
        account, region = context.account_id, context.region
        req = dict(context.service_request or {})
        if (service, op) not in _UNAUTHORIZED_OPERATIONS:
            caller = caller_for(extract_access_key_id_from_auth_header(context.request.headers), account)
        if caller is not None:
            _current_caller.set(caller)
            base = request_context(caller, account, region, context.request.remote_addr or "")
            for check in checks_for(service, op, req, account, region):
                decision = authorize(caller, check, base)
                if decision.answer != ALLOW:
                    LOG.info(
                        "secretsbundle IAM: denied %s %s on %s (%s)",
                        caller.arn,
                        check.action,
                        check.resource,
                        decision.answer,
                    )
                    raise _denied(service, caller, check, decision)
        # What Lambda checks with the function's role, whoever the caller (the admin key included).
        if service == "lambda" and op in ("CreateFunction", "UpdateFunctionConfiguration"):
            if op == "UpdateFunctionConfiguration":
                iam_lambda.check_role_change(_ledger, req, account)
            iam_lambda.check_vpc(_ledger, req, account, region)
    finally:
        _ledger.timed(time.perf_counter() - started, caller is not None)


def _patch_batch_get_secret_value() -> None:
    """BatchGetSecretValue returns a secret only when the caller may GetSecretValue it (and
    kms:Decrypt its customer managed key); the others are errors, as AWS reports them."""
    from localstack.utils.patch import patch
    from moto.secretsmanager.models import SecretsManagerBackend

    @patch(SecretsManagerBackend.batch_get_secret_value)
    def batch_get_secret_value(fn, self, *args, **kwargs):
        secrets, errors, token = fn(self, *args, **kwargs)
        caller = _current_caller.get()
        if caller is None or not _ledger.enabled:
            return secrets, errors, token
        base = request_context(caller, self.account_id, self.region_name, "")
        allowed = []
        for secret in secrets:
            for check in secret_read_checks(self.account_id, self.region_name, secret["ARN"]):
                decision = authorize(caller, check, base)
                if decision.answer != ALLOW:
                    errors.append(
                        {
                            "SecretId": secret.get("Name", secret["ARN"]),
                            "ErrorCode": "AccessDeniedException",
                            "Message": denial_message(caller, check, decision),
                        }
                    )
                    break
            else:
                allowed.append(secret)
        return allowed, errors, token


def report(request: Request, **_kwargs) -> Response:
    """GET: the decisions and timings; DELETE: clear them; POST {"enabled": bool}: switch the
    enforcement on or off at runtime (the overhead benchmark compares the two)."""
    if request.method == "POST":
        wanted = bool((request.get_json(force=True, silent=True) or {}).get("enabled"))
        if wanted and not _ledger.installed:
            return Response(
                json.dumps({"error": f"disabled at startup by {ENV}"}), status=409, mimetype="application/json"
            )
        _ledger.enabled = wanted
    return Response(json.dumps(_ledger.report(clear=request.method == "DELETE")), mimetype="application/json")


def authorize_route(request: Request, **_kwargs) -> Response:
    """POST {"authorization", "security_token", "action", "resource"}: the decision for a call that
    another part of the harness answers itself (the AWS proxy's CloudTrail LookupEvents), so that it
    is enforced like the calls LocalStack serves. Answers {"allowed": bool, "code", "message", "status"}."""
    from localstack.aws.accounts import get_account_id_from_access_key_id

    body = request.get_json(force=True, silent=True) or {}
    action, resource = str(body.get("action", "")), str(body.get("resource", "*"))
    key = extract_access_key_id_from_auth_header({"Authorization": body.get("authorization") or ""})
    caller = None
    if _ledger.enabled and key:
        account = get_account_id_from_access_key_id(key)
        caller = caller_for(key, account)
    if caller is None:
        return Response(json.dumps({"allowed": True}), mimetype="application/json")
    check = Check(action, resource)
    region = resource.split(":")[3] if resource.count(":") >= 5 else "us-east-1"
    decision = authorize(
        caller, check, request_context(caller, caller.principal.account, region, request.remote_addr or "")
    )
    if decision.answer == ALLOW:
        return Response(json.dumps({"allowed": True}), mimetype="application/json")
    denied = _denied(action.split(":")[0], caller, check, decision)
    return Response(
        json.dumps({"allowed": False, "code": denied.code, "message": denied.message, "status": denied.status_code}),
        mimetype="application/json",
    )


def install() -> None:
    """Adds the handler to LocalStack's chain and the report routes; on unless disabled by ENV."""
    from localstack.aws import handlers
    from localstack.services.edge import ROUTER

    ROUTER.add(ROUTE, report, methods=["GET", "DELETE", "POST"])
    ROUTER.add(ROUTE + "/authorize", authorize_route, methods=["POST"])
    if not enabled_by_environment():
        LOG.warning("secretsbundle: IAM enforcement disabled by %s", ENV)
        return
    handlers.serve_custom_service_request_handlers.append(enforce)
    iam_lambda.patch_log_delivery(_ledger)
    _patch_batch_get_secret_value()
    _ledger.enabled = _ledger.installed = True
    LOG.info("secretsbundle: IAM enforcement on")
