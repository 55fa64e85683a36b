# Purge exactly the files a deploy changed, at any scale.
#
# gcore_cdn_purge_changed_files keeps the MD5 of every file of the site in
# state. Each apply purges the files whose MD5 changed and the files removed,
# in as few requests as the limits allow (100 URLs each). `terraform plan` says
# how many URLs in purged_url_count, and `terraform show -json` of the saved
# plan lists each in purged_urls, with why. An unchanged site plans nothing.
#
# Run it after the files reached the origin. The hashes are read at plan time,
# so the build must have written the files before `terraform plan`. If
# Terraform uploads them too, add the upload resources to depends_on, or use
# their etag as the version instead of filemd5.
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

provider "gcore" {}

resource "gcore_cdn_purge_changed_files" "site" {
  resource_id = var.resource_id

  # "/assets/app.js" = "<md5 of dist/assets/app.js>", for every file.
  files = {
    for f in fileset(var.site_dir, "**") : "/${f}" => filemd5("${var.site_dir}/${f}")
  }

  # A deployed site adopted without a purge: set purge_on_create = false.
}

output "purged" {
  description = "How many URLs the latest apply purged."
  value       = gcore_cdn_purge_changed_files.site.purged_url_count
}
