# The configuration `make demo` applies against the local API simulator: one
# purge of each kind, and a pattern purge that runs again when the release
# changes.
terraform {
  required_providers {
    gcore = {
      source = "gcore-purge/gcore"
    }
  }
}

variable "release" {
  type    = string
  default = "1.0.0"
}

provider "gcore" {}

# The files an upload changed, purged by URL, one purge per file as a
# per-file trigger would have it: the provider sends them as one request.
resource "gcore_cdn_purge" "changed_files" {
  for_each = toset(["/index.html", "/assets/app.js", "/assets/app.css?v=2"])

  resource_id = 100200
  urls        = [each.value]
}

# Everything under the release's folders, purged by pattern, again whenever
# the release changes.
resource "gcore_cdn_purge" "release" {
  resource_id = 100200
  paths       = ["/assets/*", "/docs/*"]

  triggers = {
    release = var.release
  }
}

# A second site, purged whole.
resource "gcore_cdn_purge" "legacy_site" {
  resource_id = 100300
  purge_all   = true
}
