# The CDN resource serving cdn.example.com, read once per run.
data "gcore_cdn_resource" "site" {
  cname = "cdn.example.com"
}

# Purge by URL where the CDN resource allows it, by pattern otherwise.
resource "gcore_cdn_purge" "assets" {
  resource_id = data.gcore_cdn_resource.site.id
  urls        = data.gcore_cdn_resource.site.can_purge_by_urls ? ["/assets/app.js", "/assets/app.css"] : null
  paths       = data.gcore_cdn_resource.site.can_purge_by_urls ? null : ["/assets/*"]

  triggers = {
    release = "2.4.1"
  }
}

output "cdn_status" {
  value = data.gcore_cdn_resource.site.status
}
