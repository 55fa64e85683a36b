# Purge a release's folders by pattern whenever the release changes, for
# builds whose file names change with every release or that touch too many
# files to list.
terraform {
  required_providers {
    gcore = {
      source = "gcore-purge/gcore"
    }
  }
}

variable "resource_id" {
  description = "ID of the Gcore CDN resource that serves the application."
  type        = number
}

variable "release" {
  description = "Version of the release being deployed, such as 2.4.1."
  type        = string

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.release))
    error_message = "The release must be a version such as 2.4.1."
  }
}

provider "gcore" {}

resource "gcore_cdn_purge" "release" {
  resource_id = var.resource_id

  # Patterns are recursive: "/static/js" would purge the same as "/static/js/*".
  paths = ["/static/js/*", "/static/css/*", "/index.html"]

  triggers = {
    release = var.release
  }
}
