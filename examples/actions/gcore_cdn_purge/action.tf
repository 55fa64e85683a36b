# Purge exactly the files an upload wrote, right after it wrote them
# (Terraform 1.14 or later).
#
# The upload resource runs the action after it is created and after each
# update: the purge follows the upload in the same apply, and purges nothing
# when nothing was uploaded. Here the upload is an S3 object per file; any
# resource that uploads works the same way.
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
  site_dir   = "${path.module}/dist"
  site_files = fileset(local.site_dir, "**")
}

resource "aws_s3_object" "site" {
  for_each = local.site_files

  bucket = var.bucket
  key    = each.value
  source = "${local.site_dir}/${each.value}"
  etag   = filemd5("${local.site_dir}/${each.value}")

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.gcore_cdn_purge.site[each.key]]
    }
  }
}

# One action per file, so that each upload purges its own file; the purges
# of one apply are merged into as few requests as the API allows.
action "gcore_cdn_purge" "site" {
  for_each = local.site_files

  config {
    resource_id = var.resource_id
    urls        = ["/${each.value}"]

    timeouts {
      invoke = "30m"
    }
  }
}
