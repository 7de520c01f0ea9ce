terraform {
  # Write-only arguments (credentials.password_wo) need Terraform 1.11; the provider refuses older
  # versions with that message.
  required_version = ">= 1.11"

  required_providers {
    secretsbundle = {
      # Without this source Terraform looks for hashicorp/secretsbundle.
      source  = "secretsbundle/secretsbundle"
      version = "~> 0.1"
    }
  }
}

# Credentials, region and endpoints come from the environment as for the AWS CLI
# (AWS_PROFILE, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL, ...).
provider "secretsbundle" {
  region = "eu-west-1"

  default_tags {
    tags = {
      owner = "platform"
    }
  }
}

# Against LocalStack on this machine.
provider "secretsbundle" {
  alias      = "localstack"
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"

  endpoints {
    secretsmanager = "http://127.0.0.1:4566"
    lambda         = "http://127.0.0.1:4566"
    iam            = "http://127.0.0.1:4566"
    events         = "http://127.0.0.1:4566"
    sns            = "http://127.0.0.1:4566"
    sqs            = "http://127.0.0.1:4566"
    cloudtrail     = "http://127.0.0.1:4567" # the harness's AWS proxy: LocalStack has no CloudTrail
    kms            = "http://127.0.0.1:4566"
    sts            = "http://127.0.0.1:4566"
    logs           = "http://127.0.0.1:4566"
  }
}

# In CI with OpenID Connect (GitHub Actions and the like): no stored keys. The role's trust policy
# names the CI's identity provider; the guard stops a wrong account before any change.
provider "secretsbundle" {
  alias               = "ci"
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]

  assume_role_with_web_identity {
    role_arn                = "arn:aws:iam::111122223333:role/terraform-ci"
    session_name            = "terraform-ci"
    web_identity_token_file = "/var/run/secrets/oidc/token" # or AWS_WEB_IDENTITY_TOKEN_FILE
  }

  # Tags a cost or security tool adds to the bundle's parts are neither drift nor removed.
  ignore_tags {
    key_prefixes = ["scanner:"]
  }

  # Behind a corporate proxy that inspects TLS.
  https_proxy      = "http://proxy.example.com:3128"
  no_proxy         = "169.254.169.254,.internal.example.com"
  custom_ca_bundle = "/etc/pki/corporate-ca.pem"
}
