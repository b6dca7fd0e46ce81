# What vanish needs once per AWS account (and region): apply this once, then
# every review app is `vanish up` from CI.
#
#   cluster.tf   the ECS cluster with the FARGATE and FARGATE_SPOT providers
#   roles.tf     the task execution role and an (empty) task role
#   network.tf   the security group review apps run in
#   ci.tf        the CI role (GitHub and/or GitLab OIDC) with the minimal
#                policy `vanish iam-policy` prints
#
#   terraform init
#   terraform apply -var 'github_repository=acme/shop' \
#     -var 'allowed_cidrs=["198.51.100.0/24"]'          # and/or gitlab_project_path
#
# Then set the outputs as CI variables: VANISH_CLUSTER, EXECUTION_ROLE_ARN,
# SECURITY_GROUP, SUBNET_A/SUBNET_B (ecs-params.yml reads them) and the CI
# role ARN (VANISH_ROLE_ARN on GitHub, VANISH_CI_ROLE_ARN on GitLab).

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      "managed-by" = "terraform"
      "purpose"    = "vanish-review-apps"
    }
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
