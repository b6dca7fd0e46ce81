# Feed these into CI (see main.tf's header).

output "cluster_arn" {
  description = "VANISH_CLUSTER (the name works too) and `vanish iam-policy --cluster`."
  value       = aws_ecs_cluster.review.arn
}

output "execution_role_arn" {
  description = "EXECUTION_ROLE_ARN (ecs-params.yml task_execution_role)."
  value       = aws_iam_role.execution.arn
}

output "task_role_arn" {
  description = "task_role_arn in ecs-params.yml, when the app calls AWS."
  value       = aws_iam_role.task.arn
}

output "security_group_id" {
  description = "SECURITY_GROUP (ecs-params.yml)."
  value       = aws_security_group.review.id
}

output "subnet_ids" {
  description = "SUBNET_A, SUBNET_B (ecs-params.yml); public subnets for assign_public_ip."
  value       = data.aws_subnets.review.ids
}

output "ci_role_arn" {
  description = "VANISH_ROLE_ARN (GitHub) / VANISH_CI_ROLE_ARN (GitLab)."
  value       = aws_iam_role.ci.arn
}

output "registry" {
  description = "REGISTRY for the compose file."
  value       = "${local.account_id}.dkr.ecr.${var.region}.amazonaws.com/acme"
}
