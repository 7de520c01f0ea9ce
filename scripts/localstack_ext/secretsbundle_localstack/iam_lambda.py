"""What Lambda does with a function's execution role, checked as AWS checks it.

- Lambda assumes the role (when a function is created, for each execution environment): the role's
  trust policy must allow the service principal ``lambda.amazonaws.com`` ``sts:AssumeRole``. LocalStack
  asks STS for it with an internal call, which ``service_may_assume`` decides; CreateFunction then
  answers ``InvalidParameterValueException: The role defined for the function cannot be assumed by
  Lambda.`` and an invocation fails. ``check_role_change`` does the same for
  UpdateFunctionConfiguration with a new role, which LocalStack does not check.
- A function in a VPC: the network-interface actions of AWSLambdaVPCAccessExecutionRole on the role
  (``check_vpc``), answered as Lambda does (``InvalidParameterValueException``).
- Log delivery: Lambda writes a function's log lines with the role; without logs:CreateLogStream and
  logs:PutLogEvents on its log group they are dropped, as on AWS (``patch_log_delivery``).
"""

from __future__ import annotations

import logging
from typing import Optional

from localstack.aws.api import CommonServiceException

from secretsbundle_localstack.iam_ledger import Ledger
from secretsbundle_localstack.iam_policy import ALLOW, UNSUPPORTED, Principal, Request, decide
from secretsbundle_localstack.iam_principals import role_policies, trust_policy

LOG = logging.getLogger(__name__)

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

CANNOT_ASSUME = "The role defined for the function cannot be assumed by Lambda."


def service_may_assume(ledger: Ledger, account: str, role_arn: str, service: str) -> bool:
    """Whether the role's trust policy lets the service principal (e.g. lambda.amazonaws.com) assume it."""
    trust = trust_policy(account, role_arn)
    if trust is None:
        decision_answer, by = "implicit", "no such role"
    else:
        decision = decide(Request("sts:AssumeRole", role_arn, {}, Principal(service=service)), [], None, trust)
        decision_answer, by = decision.answer, decision.statement or decision.operator
        if decision.answer == UNSUPPORTED:
            LOG.warning(
                "secretsbundle IAM: condition operator %s in the trust policy of %s is not evaluated; "
                "the request is denied",
                decision.operator,
                role_arn,
            )
    ledger.record(
        {
            "principal": service,
            "action": "sts:AssumeRole",
            "resource": role_arn,
            "decision": decision_answer,
            "statement": by,
            "by": "trust policy",
        }
    )
    return decision_answer == ALLOW


def _evaluate_role(ledger: Ledger, role_arn: str, action: str, resource: str) -> str:
    account = role_arn.split(":")[4]
    identity, boundary = role_policies(account, role_arn)
    decision = decide(Request(action, resource, {"aws:PrincipalArn": [role_arn]}), identity, boundary)
    ledger.record(
        {
            "principal": role_arn,
            "action": action,
            "resource": resource,
            "decision": decision.answer,
            "statement": decision.statement,
            "by": "lambda",
        }
    )
    return decision.answer


def _function_role(account: str, region: str, name: str) -> Optional[str]:
    from localstack.services.lambda_.invocation.models import lambda_stores

    try:
        return lambda_stores[account][region].functions[name.split(":")[-1]].latest().config.role
    except Exception:  # noqa: BLE001 - an unknown function is the service's to answer
        return None


def check_role_change(ledger: Ledger, req: dict, account: str) -> None:
    """UpdateFunctionConfiguration with a new role: Lambda must be able to assume it."""
    role = req.get("Role")
    if role and not service_may_assume(ledger, account, role, "lambda.amazonaws.com"):
        raise CommonServiceException(
            "InvalidParameterValueException", CANNOT_ASSUME, status_code=400, sender_fault=True
        )


def check_vpc(ledger: Ledger, req: dict, account: str, region: str) -> None:
    """Lambda's own check of a VPC function's execution role, answered as Lambda does."""
    if not (req.get("VpcConfig") or {}).get("SubnetIds"):
        return
    role = req.get("Role") or _function_role(account, region, req.get("FunctionName", ""))
    if not role:
        return
    for action in LAMBDA_VPC_ACTIONS:
        if _evaluate_role(ledger, role, action, "*") != ALLOW:
            raise CommonServiceException(
                "InvalidParameterValueException",
                f"The provided execution role does not have permissions to call {action.split(':')[1]} on EC2",
                status_code=400,
                sender_fault=True,
            )


def patch_log_delivery(ledger: Ledger) -> None:
    """Lambda writes a function's logs with the function's execution role, as on AWS: without
    logs:CreateLogStream and logs:PutLogEvents on its log group the lines are dropped (AWS drops them
    silently too)."""
    from localstack.services.lambda_.invocation.logs import LogHandler
    from localstack.utils.patch import patch

    @patch(LogHandler.add_logs)
    def add_logs(fn, self, log_item):
        if ledger.enabled:
            try:
                account = self.role_arn.split(":")[4]
                stream = (
                    f"arn:aws:logs:{self.region}:{account}:log-group:{log_item.log_group}"
                    f":log-stream:{log_item.log_stream}"
                )
                for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
                    if _evaluate_role(ledger, self.role_arn, action, stream) != ALLOW:
                        LOG.info("secretsbundle IAM: %s may not %s; Lambda drops its logs", self.role_arn, action)
                        return None
            except Exception:  # noqa: BLE001 - never lose logs to a bug of this check
                LOG.exception("secretsbundle IAM: checking the log permissions of %s failed", self.role_arn)
        return fn(self, log_item)
