# Purge the whole cache only on purpose.
#
# A purge-all makes the CDN fetch every file from the origin again, so nothing
# is purged until a reason is given, and the plan fails unless the CDN
# resource's ID is confirmed as well. Each new reason purges everything once
# more; setting the reason back to "" removes the purge and sends nothing.
terraform {
  required_providers {
    gcore = {
      source = "gcore-purge/gcore"
    }
  }
}

variable "resource_id" {
  description = "ID of the Gcore CDN resource."
  type        = number
}

variable "purge_all_reason" {
  description = "Why the whole cache must go, such as \"origin moved\". Empty purges nothing."
  type        = string
  default     = ""
}

variable "confirm_resource_id" {
  description = "Must repeat resource_id for a purge-all to be planned."
  type        = number
  default     = null
}

provider "gcore" {}

resource "gcore_cdn_purge" "everything" {
  count = var.purge_all_reason == "" ? 0 : 1

  resource_id = var.resource_id
  purge_all   = true

  triggers = {
    reason = var.purge_all_reason
  }

  lifecycle {
    precondition {
      condition     = var.confirm_resource_id == var.resource_id
      error_message = "Purging the whole cache sends every request to the origin until the cache fills again. Set confirm_resource_id to ${var.resource_id} to go ahead."
    }
  }
}
