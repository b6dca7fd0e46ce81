variable "region" {
  description = "Region the review apps run in."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Prefix of every resource. Role names must start with `vanish-` for the default `vanish iam-policy` (without role ARNs) to cover them."
  type        = string
  default     = "vanish"
}

variable "cluster_name" {
  description = "ECS cluster for review apps (VANISH_CLUSTER)."
  type        = string
  default     = "review-apps"
}

variable "vpc_id" {
  description = "VPC for the review apps; null uses the account's default VPC."
  type        = string
  default     = null
}

# Required, with no default: a review app runs a merge request's code, so who
# may reach it is a decision, not an accident. ["0.0.0.0/0"] is accepted when
# it is written out.
variable "allowed_cidrs" {
  description = "IPv4 CIDRs that may reach review apps on port 80: your office, VPN or CI egress."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.allowed_cidrs) > 0
    error_message = "allowed_cidrs needs at least one CIDR, such as your VPN's \"198.51.100.0/24\"."
  }

  validation {
    condition     = alltrue([for c in var.allowed_cidrs : can(cidrnetmask(c))])
    error_message = "Every allowed_cidrs entry must be an IPv4 CIDR such as \"198.51.100.0/24\"."
  }
}

variable "log_group_prefix" {
  description = "Log groups vanish's task definitions write to (vanish's default is /vanish/<name>)."
  type        = string
  default     = "/vanish/"
}

variable "github_repository" {
  description = "owner/repo allowed to assume the CI role through GitHub OIDC; empty to skip."
  type        = string
  default     = ""
}

variable "github_environment" {
  description = "GitHub environment the deploy jobs use (examples/github/review-app.yml)."
  type        = string
  default     = "review-apps"
}

variable "gitlab_project_path" {
  description = "group/project allowed to assume the CI role through GitLab OIDC; empty to skip."
  type        = string
  default     = ""
}

variable "gitlab_branches" {
  description = "Branches (IAM StringLike patterns) whose pipelines may assume the CI role through GitLab OIDC."
  type        = list(string)
  default     = ["*"]

  validation {
    condition     = length(var.gitlab_branches) > 0
    error_message = "gitlab_branches needs at least one branch or pattern, such as \"review/*\"."
  }
}

variable "gitlab_url" {
  description = "GitLab instance that signs the ID tokens."
  type        = string
  default     = "https://gitlab.com"
}

variable "create_oidc_providers" {
  description = "Create the GitHub/GitLab OIDC identity providers (false if the account already has them)."
  type        = bool
  default     = true
}
