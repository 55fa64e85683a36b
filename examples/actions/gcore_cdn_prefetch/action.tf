# Purge, then prefetch, exactly the large files an upload wrote, right after
# it wrote them (Terraform 1.14 or later).
#
# The upload resource runs both actions after it is created and after each
# update, listed in the order they must run: the purge clears the old
# version, then the prefetch loads the new one into the CDN before the first
# visitor asks.
terraform {
  required_version = ">= 1.14"
  required_providers {
    gcore = {
      source = "gcore-purge/gcore"
    }
    aws = {
      source = "hashicorp/aws"
    }
  }
}

variable "resource_id" {
  description = "ID of the Gcore CDN resource that serves the bucket."
  type        = number
}

variable "bucket" {
  description = "The origin bucket of the CDN resource."
  type        = string
}

locals {
  media_dir   = "${path.module}/media"
  media_files = fileset(local.media_dir, "**/*.mp4")
}

resource "aws_s3_object" "media" {
  for_each = local.media_files

  bucket = var.bucket
  key    = each.value
  source = "${local.media_dir}/${each.value}"
  etag   = filemd5("${local.media_dir}/${each.value}")

  lifecycle {
    action_trigger {
      events = [after_create, after_update]
      actions = [
        action.gcore_cdn_purge.media[each.key],
        action.gcore_cdn_prefetch.media[each.key],
      ]
    }
  }
}

action "gcore_cdn_purge" "media" {
  for_each = local.media_files

  config {
    resource_id = var.resource_id
    urls        = ["/${each.value}"]
  }
}

# One prefetch per file; the prefetches of one apply are merged into
# requests of up to 100 files, 1 request a minute at the documented limit.
action "gcore_cdn_prefetch" "media" {
  for_each = local.media_files

  config {
    resource_id = var.resource_id
    urls        = ["/${each.value}"]

    timeouts {
      invoke = "30m"
    }
  }
}
