# A small web service on AWS behind an application load balancer, delivered
# by red/black: each new version is a new Auto Scaling group, which takes
# traffic only once all of it is healthy, while the previous one stays
# ready to take it back. README.md says how to run it against AWS or moto.

tack {
  required_providers {
    aws = { source = "tack/aws", version = "~> 0.1" }
  }
}

variable "region" {
  type        = string
  description = "The AWS region to run in."
  default     = "us-east-1"
}

variable "endpoint" {
  type        = string
  description = "Where to send every AWS request instead of AWS, such as http://127.0.0.1:5000 for moto; null means AWS."
  default     = null
}

variable "image_owner" {
  type        = string
  description = "The account whose images are searched: Amazon's, for Amazon Linux (moto uses the same id)."
  default     = "137112412989"
}

variable "image_name" {
  type        = string
  description = "The name pattern of the images to deploy; the newest match is used."
  default     = "al2023-ami-2023.*-x86_64"
}

variable "instance_type" {
  type        = string
  description = "The EC2 instance type of every instance."
  default     = "t3.micro"
}

variable "version" {
  type        = string
  description = "The version to deliver: what the service answers on /. A new value is a new server group."
  default     = "v1"
}

provider "aws" {
  region = var.region
  default_tags = {
    managed-by = "tack"
    example    = "aws-red-black"
  }
  # Each service left null goes to AWS.
  endpoints {
    autoscaling = var.endpoint
    cloudwatch  = var.endpoint
    ec2         = var.endpoint
    elbv2       = var.endpoint
    sts         = var.endpoint
  }
}

application "web" {
  owner = "edge@example.com"
}

# Where it runs: the region's default VPC, one default subnet per
# Availability Zone, and the newest image that matches.

data "aws_vpc" "default" {
  default = true
}

data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
  filter {
    name   = "default-for-az"
    values = ["true"]
  }
}

data "aws_ami" "web" {
  owners      = [var.image_owner]
  most_recent = true
  filter {
    name   = "name"
    values = [var.image_name]
  }
  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}

# The load balancer takes HTTP from anywhere; instances take it only from
# the load balancer.

resource "aws_security_group" "lb" {
  name   = "web-lb"
  vpc_id = data.aws_vpc.default.id
  ingress {
    protocol    = "tcp"
    from_port   = 80
    to_port     = 80
    cidr_blocks = ["0.0.0.0/0"]
    description = "HTTP from anywhere"
  }
  egress {
    protocol    = "tcp"
    from_port   = 8080
    to_port     = 8080
    cidr_blocks = [data.aws_vpc.default.cidr_block]
    description = "to the instances"
  }
}

resource "aws_security_group" "web" {
  name   = "web-instances"
  vpc_id = data.aws_vpc.default.id
  ingress {
    protocol        = "tcp"
    from_port       = 8080
    to_port         = 8080
    security_groups = [aws_security_group.lb.id]
    description     = "HTTP from the load balancer"
  }
  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
    description = "everything out, for packages"
  }
}

resource "aws_lb" "web" {
  name            = "web"
  subnets         = data.aws_subnets.default.ids
  security_groups = [aws_security_group.lb.id]
}

resource "aws_lb_target_group" "web" {
  name                 = "web"
  port                 = 8080
  vpc_id               = data.aws_vpc.default.id
  deregistration_delay = 30
  health_check {
    path              = "/healthz"
    interval          = 10
    healthy_threshold = 2
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  default_action {
    forward {
      target_group {
        arn = aws_lb_target_group.web.arn
      }
    }
  }
}

# red/black: the new group starts beside the old one, gets traffic once
# every instance is healthy in the target group, and the old group is
# disabled (kept, scaled as it was, out of the target group) a minute
# later. A group not healthy in time is removed and the old one serves on.
delivery_policy "safe" {
  strategy = "red_black"
  red_black {
    delay_before_disable        = "60s"
    max_remaining_server_groups = 2
  }
  health {
    min_healthy_percent = 100
    healthy_deadline    = "10m"
  }
  rollback {
    on_failure = true
  }
}

cluster "web-prod" {
  application = application.web
  stack       = "prod"
  provider    = aws
  delivery    = delivery_policy.safe
  capacity {
    min     = 2
    desired = 2
    max     = 4
  }

  server_group {
    image_id           = data.aws_ami.web.id
    instance_type      = var.instance_type
    version            = var.version
    security_group_ids = [aws_security_group.web.id]
    subnet_ids         = data.aws_subnets.default.ids
    target_group_arns  = [aws_lb_target_group.web.arn]
    # Replace instances that fail the target group's checks, once they
    # have had two minutes to boot.
    health_check_type         = "ELB"
    health_check_grace_period = 120
    # The service: / answers the version, /healthz answers ok, on 8080.
    user_data = <<-SCRIPT
      #!/bin/sh
      mkdir -p /srv/web && cd /srv/web
      echo '${var.version}' > index.html
      echo ok > healthz
      nohup python3 -m http.server 8080 >/var/log/web.log 2>&1 &
    SCRIPT
  }
}

output "url" {
  description = "Where the service answers."
  value       = "http://${aws_lb.web.dns_name}/"
}

output "image" {
  description = "The image the cluster runs."
  value       = "${data.aws_ami.web.name} (${data.aws_ami.web.id})"
}
