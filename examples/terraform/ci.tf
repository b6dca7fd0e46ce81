# The role CI jobs assume through OIDC (no stored keys), with the least
# privilege vanish needs.
#
# The vanish policy below MIRRORS `vanish iam-policy`: it is what
#
#   vanish iam-policy --cluster <cluster ARN> \
#     --execution-role-arn <execution role ARN> --task-role-arn <task role ARN> \
#     --log-group '/vanish/*'
#
# prints, statement for statement (tests/examples.rs checks the actions and
# Sids against the binary's output). vanish derives that JSON from one list of
# the AWS operations its code calls, so regenerate and compare after an
# upgrade; `jsonencode(jsondecode(<that output>))` works as well as this form.

locals {
  partition        = data.aws_partition.current.partition
  account_id       = data.aws_caller_identity.current.account_id
  github_oidc_host = "token.actions.githubusercontent.com"
  gitlab_oidc_host = trimprefix(var.gitlab_url, "https://")
}

# --- OIDC identity providers ---------------------------------------------------

resource "aws_iam_openid_connect_provider" "github" {
  count          = var.create_oidc_providers && var.github_repository != "" ? 1 : 0
  url            = "https://${local.github_oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
}

resource "aws_iam_openid_connect_provider" "gitlab" {
  count          = var.create_oidc_providers && var.gitlab_project_path != "" ? 1 : 0
  url            = var.gitlab_url
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "ci_assume" {
  # GitHub: only the deploy jobs of this repository, which run in the
  # `review-apps` environment (see the trust model in examples/github/).
  dynamic "statement" {
    for_each = var.github_repository != "" ? [1] : []
    content {
      sid     = "GitHubActions"
      actions = ["sts:AssumeRoleWithWebIdentity"]
      principals {
        type        = "Federated"
        identifiers = ["arn:${local.partition}:iam::${local.account_id}:oidc-provider/${local.github_oidc_host}"]
      }
      condition {
        test     = "StringEquals"
        variable = "${local.github_oidc_host}:aud"
        values   = ["sts.amazonaws.com"]
      }
      condition {
        test     = "StringEquals"
        variable = "${local.github_oidc_host}:sub"
        values   = ["repo:${var.github_repository}:environment:${var.github_environment}"]
      }
    }
  }

  # GitLab: branch pipelines of this project, and no other. What AWS can test
  # is only `aud` and `sub`, and GitLab's `sub` carries only project_path,
  # ref_type and ref (pipeline_source or ref_protected cannot be required
  # here). So:
  # - project_path pins this project. A merge request from a fork gets the
  #   fork's project_path in its ID token even when a maintainer runs its
  #   pipeline in this project, so fork code never gets this role.
  # - ref_type:branch leaves out tags.
  # - var.gitlab_branches narrows the refs further, e.g. to ["review/*",
  #   "main"] (MR branches by naming rule, and the protected branch the sweep
  #   schedule runs on). The default, every branch, trusts everyone who may
  #   push a branch here: GitLab's Developer role.
  dynamic "statement" {
    for_each = var.gitlab_project_path != "" ? [1] : []
    content {
      sid     = "GitLabCI"
      actions = ["sts:AssumeRoleWithWebIdentity"]
      principals {
        type        = "Federated"
        identifiers = ["arn:${local.partition}:iam::${local.account_id}:oidc-provider/${local.gitlab_oidc_host}"]
      }
      condition {
        test     = "StringEquals"
        variable = "${local.gitlab_oidc_host}:aud"
        values   = ["sts.amazonaws.com"]
      }
      condition {
        test     = "StringLike"
        variable = "${local.gitlab_oidc_host}:sub"
        values   = [for b in var.gitlab_branches : "project_path:${var.gitlab_project_path}:ref_type:branch:ref:${b}"]
      }
    }
  }
}

resource "aws_iam_role" "ci" {
  name                 = "${var.name}-ci"
  description          = "CI jobs that launch, list and stop review apps with vanish"
  assume_role_policy   = data.aws_iam_policy_document.ci_assume.json
  max_session_duration = 3600
}

# --- the vanish policy: mirrors `vanish iam-policy` ----------------------------

data "aws_iam_policy_document" "vanish" {
  statement {
    sid       = "VanishTaskDefinitions"
    actions   = ["ecs:DescribeTaskDefinition"]
    resources = ["*"]
  }

  # Only vanish's family, and only with the vanish:name tag vanish always sets.
  statement {
    sid       = "VanishRegisterTaskDefinitions"
    actions   = ["ecs:RegisterTaskDefinition"]
    resources = ["arn:${local.partition}:ecs:${var.region}:${local.account_id}:task-definition/vanish-*"]
    condition {
      test     = "Null"
      variable = "aws:RequestTag/vanish:name"
      values   = ["false"]
    }
  }

  statement {
    sid       = "VanishRunTasks"
    actions   = ["ecs:RunTask"]
    resources = ["arn:${local.partition}:ecs:${var.region}:${local.account_id}:task-definition/vanish-*"]
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [aws_ecs_cluster.review.arn]
    }
  }

  statement {
    sid       = "VanishManageTasks"
    actions   = ["ecs:DescribeTasks", "ecs:ListTasks"]
    resources = ["*"]
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [aws_ecs_cluster.review.arn]
    }
  }

  # StopTask reaches only tasks that carry vanish's tag.
  statement {
    sid       = "VanishStopTasks"
    actions   = ["ecs:StopTask"]
    resources = ["arn:${local.partition}:ecs:${var.region}:${local.account_id}:task/*"]
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [aws_ecs_cluster.review.arn]
    }
    condition {
      test     = "Null"
      variable = "aws:ResourceTag/vanish:name"
      values   = ["false"]
    }
  }

  statement {
    sid       = "VanishTagOnCreate"
    actions   = ["ecs:TagResource"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["RegisterTaskDefinition", "RunTask"]
    }
  }

  statement {
    sid       = "VanishPassTaskRoles"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.execution.arn, aws_iam_role.task.arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid = "VanishDiscoverNetwork"
    actions = [
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSubnets",
      "ec2:DescribeVpcs",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "VanishReadLogs"
    actions   = ["logs:GetLogEvents"]
    resources = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:${var.log_group_prefix}*:*"]
  }
}

resource "aws_iam_role_policy" "ci_vanish" {
  name   = "vanish"
  role   = aws_iam_role.ci.id
  policy = data.aws_iam_policy_document.vanish.json
}

# --- pushing the review-app images (the CI pipelines' build step) ------------
# Not part of vanish's policy: vanish never touches ECR.

data "aws_iam_policy_document" "ci_push" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    sid = "EcrPush"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [for r in aws_ecr_repository.review : r.arn]
  }
}

resource "aws_iam_role_policy" "ci_push" {
  name   = "push-review-images"
  role   = aws_iam_role.ci.id
  policy = data.aws_iam_policy_document.ci_push.json
}
