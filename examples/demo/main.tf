# The configuration `make demo` applies against the local API simulator: a
# site deployed with gcore_cdn_purge_changed_files (waiting for the purge to
# complete, then prefetching), a pattern purge that runs again when the
# release changes, and a second site purged whole.
terraform {
  required_providers {
    gcore = {
      source = "gcore-purge/gcore"
    }
  }
}

variable "site_dir" {
  description = "The built site; `make demo` writes one, then changes it."
  type        = string
}

variable "release" {
  type    = string
  default = "1.0.0"
}

provider "gcore" {}

# Every file of the site with its MD5: the first apply purges them all, each
# later apply exactly the files that changed or went, 100 URLs a request. The
# apply waits until Gcore's purge history says the purge is done, then
# prefetches the files the deploy brought.
resource "gcore_cdn_purge_changed_files" "site" {
  cname = "cdn100200.example.com" # the CDN resource's delivery domain: the plan looks up its ID
  files = {
    for f in fileset(var.site_dir, "**") : "/${f}" => filemd5("${var.site_dir}/${f}")
  }
  index_document      = "index.html"
  wait_for_completion = true
  prefetch            = true
}

# Everything under the release's folders, purged by pattern, again whenever
# the release changes.
resource "gcore_cdn_purge" "release" {
  resource_id = 100200
  paths       = ["/docs/*"]

  triggers = {
    release = var.release
  }
}

# A second site, purged whole.
resource "gcore_cdn_purge" "legacy_site" {
  resource_id = 100300
  purge_all   = true
}

output "purged_url_count" {
  description = "How many URLs the latest apply of the site purged."
  value       = gcore_cdn_purge_changed_files.site.purged_url_count
}
