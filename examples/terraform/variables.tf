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

variable "allowed_cidrs" {
  description = "Who may reach review apps on port 80. Narrow this to your office or VPN."
  type        = list(string)
  default     = ["0.0.0.0/0"]
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
