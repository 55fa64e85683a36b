# This provider beside Gcore's official one. Both call themselves "gcore", so
# one of them needs another local name: here the official provider keeps
# "gcore" and this one is "gcorepurge". A resource uses the provider whose
# local name starts its type unless it names another, so every
# gcore_cdn_purge says `provider = gcorepurge`.
terraform {
  required_providers {
    gcore = {
      source = "G-Core/gcore"
    }
    gcorepurge = {
      source = "gcore-purge/gcore"
    }
  }
}

variable "origin_group_id" {
  description = "ID of the origin group the CDN resource pulls from."
  type        = number
}

variable "release" {
  description = "Version of the site being deployed."
  type        = string
}

variable "gcore_api_key" {
  description = "Gcore API key; both providers take the same one."
  type        = string
  sensitive   = true
}

# Each provider block names its provider by local name. (api_key is the
# official provider's attribute from its version 2; older ones call it
# permanent_api_token.)
provider "gcore" {
  api_key = var.gcore_api_key
}

provider "gcorepurge" {
  api_key = var.gcore_api_key
}

resource "gcore_cdn_resource" "site" {
  cname        = "cdn.example.com"
  origin_group = var.origin_group_id
}

resource "gcore_cdn_purge" "site" {
  provider = gcorepurge

  resource_id = gcore_cdn_resource.site.id
  paths       = ["/assets/*"]

  triggers = {
    release = var.release
  }
}
