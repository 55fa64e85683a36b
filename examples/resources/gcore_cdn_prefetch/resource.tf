# Purge the large files of a release, then load their new versions into the
# CDN before the first visitor asks for them. A prefetch never clears the
# cache: without the purge first, the CDN would keep serving the old files.
locals {
  release = "2.4.1"
  downloads = [
    "/downloads/setup-${local.release}.exe",
    "/downloads/setup-${local.release}.dmg",
    "/video/intro.mp4",
  ]
}

resource "gcore_cdn_purge" "downloads" {
  resource_id = 123456
  urls        = local.downloads

  triggers = {
    release = local.release
  }
}

# Sent after the purge was accepted, and again whenever the release changes.
resource "gcore_cdn_prefetch" "downloads" {
  resource_id = 123456
  urls        = local.downloads

  triggers = {
    release = local.release
  }

  depends_on = [gcore_cdn_purge.downloads]
}

# 1,000 files of one CDN resource take about 10 minutes at the documented
# limit (1 request a minute of up to 100 files): allow them 30.
resource "gcore_cdn_prefetch" "archive" {
  count       = 10
  resource_id = 123456
  urls        = [for i in range(100) : format("/archive/part-%04d.bin", count.index * 100 + i)]

  timeouts {
    create = "30m"
  }
}
