data "aws_vpc" "default" {
  count   = var.vpc_id == null ? 1 : 0
  default = true
}

locals {
  vpc_id = var.vpc_id != null ? var.vpc_id : data.aws_vpc.default[0].id
}

data "aws_subnets" "review" {
  filter {
    name   = "vpc-id"
    values = [local.vpc_id]
  }
}

# Review apps accept HTTP on port 80 (the proxy) and may call out anywhere
# (image pulls, the app's own dependencies).
resource "aws_security_group" "review" {
  name        = "${var.name}-review-apps"
  description = "vanish review apps: HTTP in, anything out"
  vpc_id      = local.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "http" {
  for_each          = toset(var.allowed_cidrs)
  security_group_id = aws_security_group.review.id
  description       = "HTTP to the review app's proxy"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_security_group.review.id
  description       = "Image pulls and the app's own calls"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}
