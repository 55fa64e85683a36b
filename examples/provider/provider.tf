terraform {
  required_providers {
    gcore = {
      source = "gcore-purge/gcore"
    }
  }
}

# Empty when GCORE_API_KEY is set in the environment.
provider "gcore" {
  # api_key  = var.gcore_api_key       # instead of GCORE_API_KEY
  # base_url = "https://api.gcore.com" # instead of GCORE_BASE_URL; this is the default
}
