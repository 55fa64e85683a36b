terraform {
  required_providers {
    gcore = {
      source = "gcore-purge/gcore"
    }
  }
}

# With GCORE_API_KEY set in the environment the block can stay empty, which
# keeps the key out of the configuration and out of version control.
provider "gcore" {
  # api_key  = var.gcore_api_key     # or GCORE_API_KEY
  # base_url = "https://api.gcore.com" # or GCORE_BASE_URL
}
