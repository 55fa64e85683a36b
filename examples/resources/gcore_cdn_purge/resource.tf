# By URL: up to 100 files, each a path starting with "/", query string kept.
# The CDN resource is named by its delivery domain.
resource "gcore_cdn_purge" "files" {
  cname = "cdn.example.com"
  urls  = ["/index.html", "/assets/app.js", "/img/logo@2x.png?v=3"]
}

# By pattern: up to 10 patterns, "*" only at the end. Purged again whenever
# the release changes.
resource "gcore_cdn_purge" "assets" {
  resource_id = 123456
  paths       = ["/assets/*", "/docs/*"]

  triggers = {
    release = "2.4.1"
  }
}

# Everything the CDN resource has cached, allowed 30 minutes to get through.
resource "gcore_cdn_purge" "everything" {
  resource_id = 123456
  purge_all   = true

  timeouts {
    create = "30m"
  }
}
