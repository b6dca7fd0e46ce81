# The cluster review apps run in. FARGATE is the default; `vanish up --spot`
# (or `capacity: spot`) asks for FARGATE_SPOT, about 70% cheaper and fine for
# review apps that may be interrupted.
resource "aws_ecs_cluster" "review" {
  name = var.cluster_name

  setting {
    name  = "containerInsights"
    value = "disabled"
  }
}

resource "aws_ecs_cluster_capacity_providers" "review" {
  cluster_name       = aws_ecs_cluster.review.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}
