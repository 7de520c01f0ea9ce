"""Test infrastructure for terraform-provider-secretsbundle, loaded into LocalStack 4.14 as plugins.

- ``process`` (executor.py): a Lambda runtime executor (``LAMBDA_RUNTIME_EXECUTOR=process``) that
  runs ``provided.*`` functions as local processes under the AWS Lambda Runtime Interface Emulator,
  so LocalStack runs Lambda functions on a host without Docker.
- patches.py: fixes for LocalStack 4.14.0 bugs the project meets; rotation.py: RotateSecret as AWS
  runs it (in the background; ``RotateImmediately=false`` tests the configuration).
- iam_enforcement.py (with iam_policy, iam_principals, iam_resources, iam_lambda, iam_ledger): IAM
  authorized as AWS's policy evaluation logic does, for IAM users and assumed roles.

All are applied when LocalStack starts (plugins.py). Nothing here is part of the provider; it exists
so the tests meet real LocalStack behaviour, and AWS's where LocalStack differs.
"""
