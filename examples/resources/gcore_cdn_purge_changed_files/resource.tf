# Every file of the built site, with its MD5 as its version. The first apply
# purges them all; each later apply purges the files whose MD5 changed and
# the files removed, in requests of up to 100 URLs.
resource "gcore_cdn_purge_changed_files" "site" {
  # The CDN resource by its delivery domain (or resource_id = 123456).
  cname = "cdn.example.com"
  files = {
    for f in fileset("${path.module}/dist", "**") : "/${f}" => filemd5("${path.module}/dist/${f}")
  }

  # "/docs/index.html" also purges "/docs/".
  index_document = "index.html"

  # Above 2,000 changed URLs, one purge of everything is quicker.
  purge_all_above = 2000
}
