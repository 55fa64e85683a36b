// Package provider is the Terraform glue of the gcore provider: its schema
// and configuration, its resources and its actions. Talking to the API,
// scheduling requests and waiting for completion live in packages of their
// own, which state facts; the advice a user acts on is written here, where
// the attribute to change is known.
//
// # Two servers, one provider
//
// The provider is served as two protocol 6 servers behind tf6muxserver
// (newMuxServer): the framework provider (the provider block, gcore_cdn_purge,
// gcore_cdn_prefetch, the actions), and gcore_cdn_purge_changed_files on
// terraform-plugin-go (changedFilesServer). The framework server comes first,
// so its Configure runs first and hands its providerData to the other
// through sharedData: one API client, one scheduler (rate windows, merging)
// and one cache of CDN resources per provider process, for every resource.
//
// gcore_cdn_purge_changed_files holds a site's files, 100,000 of them and
// more, and the framework's cost grows with the square of a map's entries:
// every RPC walks every value several times (write-only nullification,
// computed-nil marking, plan modifiers), each step adding a layer to a
// context that its trace logging searches. Measured at 10,000 files, a
// deploy took 18 times what a terraform_data holding the same map takes,
// and 30,000 files took minutes. On terraform-plugin-go each RPC decodes its
// values once (the state not at all where it is handed back as it is: read,
// and the upgrade of the current version), works out the deploy with
// filediff and encodes once; the resource then costs about what
// terraform_data costs at any size, linearly (make bench, scale-bench). Its
// files keep one job each: the schema, validation, the deploy and its time
// estimate, the plan, the apply, the record of a purge, the state upgrade;
// protocol_*.go are the plumbing (values, diagnostics with attribute paths,
// the RPCs it does not serve).
//
// purged_urls is a sensitive map of URL to reason, and purged_url_count its
// size, because of Terraform's share of the work: it renders a change of a
// list with a table of len(before) × len(after) cells (8 GB for an update of
// 100,000 files, 10,000 changed), a map key by key, and a sensitive value as
// one line; `terraform show -json` of a saved plan still lists every URL.
// Schema version 0 (the framework's, purged_urls a list) upgrades without a
// purge.
//
// The other framework resources hold small values; for them main sets
// TF_LOG_SDK_FRAMEWORK=DEBUG unless traces are asked for, which halves the
// plan of 1,000 gcore_cdn_purge resources.
package provider
