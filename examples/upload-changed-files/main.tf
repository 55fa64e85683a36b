# Purge exactly the files that changed since the last apply.
#
# One gcore_cdn_purge per file, triggered by the file's MD5: a changed file
# replaces its own purge and no other, an unchanged file plans nothing. The
# purges of one apply run concurrently and the provider merges those that wait
# together into as few requests as the API allows (100 URLs each).
#
# Run it after the files reached the origin. The hashes are read at plan time,
# so the build must have written the files before `terraform plan`. If
# Terraform uploads them too, add the upload resources to depends_on, or use
# their etag as the trigger instead of filemd5.
terraform {
  required_providers {
    gcore = {
      source = "gcore-purge/gcore"
    }
  }
}

variable "resource_id" {
  description = "ID of the Gcore CDN resource that serves the site."
  type        = number
}

variable "site_dir" {
  description = "The built site, laid out as the origin serves it from its root."
  type        = string
  default     = "dist"
}

locals {
  # "/assets/app.js" = "<md5 of dist/assets/app.js>", for every file.
  site_files = {
    for f in fileset(var.site_dir, "**") : "/${f}" => filemd5("${var.site_dir}/${f}")
  }
}

provider "gcore" {}

resource "gcore_cdn_purge" "changed" {
  for_each = local.site_files

  resource_id = var.resource_id
  urls        = [each.key]

  triggers = {
    md5 = each.value
  }
}
