# Repositories for the example's two images (compose: ${REGISTRY}/review-web
# and ${REGISTRY}/review-proxy, REGISTRY = <account>.dkr.ecr.<region>.amazonaws.com/acme).
# Review images are disposable: keep two weeks of them.
resource "aws_ecr_repository" "review" {
  for_each             = toset(["acme/review-web", "acme/review-proxy"])
  name                 = each.value
  image_tag_mutability = "IMMUTABLE"
  force_delete         = true
}

resource "aws_ecr_lifecycle_policy" "review" {
  for_each   = aws_ecr_repository.review
  repository = each.value.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Review-app images live two weeks"
      selection = {
        tagStatus   = "any"
        countType   = "sinceImagePushed"
        countUnit   = "days"
        countNumber = 14
      }
      action = { type = "expire" }
    }]
  })
}
