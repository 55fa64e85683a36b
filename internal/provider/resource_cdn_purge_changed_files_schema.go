package provider

import (
	"maps"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// changedFilesTypeName is the resource served on terraform-plugin-go.
const changedFilesTypeName = "gcore_cdn_purge_changed_files"

// changedFilesSchemaVersion is the version of changedFilesSchema. Version 0
// is the schema the framework served (changedFilesV0Type), which
// UpgradeResourceState converts without a purge. Every change of the schema
// must bump it: UpgradeResourceState hands a state of this version back
// without decoding it.
const changedFilesSchemaVersion = 1

// The attributes of the resource.
const (
	attrID                = "id"
	attrResourceID        = "resource_id"
	attrCName             = "cname"
	attrFiles             = "files"
	attrPurgeRemoved      = "purge_removed"
	attrPurgeAdded        = "purge_added"
	attrPurgeOnCreate     = "purge_on_create"
	attrPurgeAllAbove     = "purge_all_above"
	attrPurgeDirectories  = "purge_directories"
	attrIndexDocument     = "index_document"
	attrWaitForCompletion = "wait_for_completion"
	attrPrefetch          = "prefetch"
	attrPurgedURLCount    = "purged_url_count"
	attrPurgedURLs        = "purged_urls"
	attrPurgedPatterns    = "purged_patterns"
	attrPurgedAll         = "purged_all"
	attrPurgedAt          = "purged_at"
	attrTimeouts          = "timeouts"
)

// boolDefaults are the defaults of the optional booleans that are computed
// when the configuration leaves them out.
var boolDefaults = map[string]bool{attrPurgeRemoved: true, attrPurgeAdded: false, attrPurgeOnCreate: true}

var timeoutsType = tftypes.Object{AttributeTypes: map[string]tftypes.Type{"create": tftypes.String, "update": tftypes.String}}

// changedFilesV0Type is the state's type as the framework resource wrote it
// (schema version 0).
var changedFilesV0Type = tftypes.Object{AttributeTypes: map[string]tftypes.Type{
	attrID:                tftypes.String,
	attrResourceID:        tftypes.Number,
	attrFiles:             stringMapType,
	attrPurgeRemoved:      tftypes.Bool,
	attrPurgeAdded:        tftypes.Bool,
	attrPurgeOnCreate:     tftypes.Bool,
	attrPurgeAllAbove:     tftypes.Number,
	attrIndexDocument:     tftypes.String,
	attrWaitForCompletion: tftypes.Bool,
	attrPrefetch:          tftypes.Bool,
	attrPurgedURLs:        stringListType,
	attrPurgedAll:         tftypes.Bool,
	attrPurgedAt:          tftypes.String,
	attrTimeouts:          timeoutsType,
}}

// changedFilesType is the type of the resource's object, version 1:
// cname, purged_urls a map of each URL to why it was purged,
// purged_url_count, purge_directories and purged_patterns.
var changedFilesType = func() tftypes.Object {
	attrs := maps.Clone(changedFilesV0Type.AttributeTypes)
	attrs[attrCName] = tftypes.String
	attrs[attrPurgedURLs] = stringMapType
	attrs[attrPurgedURLCount] = tftypes.Number
	attrs[attrPurgeDirectories] = tftypes.Bool
	attrs[attrPurgedPatterns] = stringListType
	return tftypes.Object{AttributeTypes: attrs}
}()

// changedFilesSchema is the resource's schema, version 1.
func changedFilesSchema() *tfprotov6.Schema {
	attr := func(name string, t tftypes.Type, description string, set func(*tfprotov6.SchemaAttribute)) *tfprotov6.SchemaAttribute {
		a := &tfprotov6.SchemaAttribute{Name: name, Type: t, Description: description, DescriptionKind: tfprotov6.StringKindMarkdown}
		set(a)
		return a
	}
	required := func(a *tfprotov6.SchemaAttribute) { a.Required = true }
	optional := func(a *tfprotov6.SchemaAttribute) { a.Optional = true }
	optionalComputed := func(a *tfprotov6.SchemaAttribute) { a.Optional, a.Computed = true, true }
	computed := func(a *tfprotov6.SchemaAttribute) { a.Computed = true }
	sensitive := func(a *tfprotov6.SchemaAttribute) { a.Computed, a.Sensitive = true, true }
	return &tfprotov6.Schema{
		Version: changedFilesSchemaVersion,
		Block: &tfprotov6.SchemaBlock{
			Description: "Purges exactly the files a deploy changed, at any scale: it keeps the version of every file in " +
				"state and, on each apply, purges by URL the files whose version changed (with `purge_directories`, whole " +
				"directories by pattern where that is faster), in as few requests as the limits allow. Destroying it sends nothing.",
			DescriptionKind: tfprotov6.StringKindMarkdown,
			Attributes: []*tfprotov6.SchemaAttribute{
				attr(attrID, tftypes.String, "Unique identifier of this resource.", computed),
				attr(attrResourceID, tftypes.Number, resourceIDDescription+" "+targetResourceIDDescription+" Set from `cname` "+
					"when that names the CDN resource; changing to another CDN resource replaces the resource (a first purge "+
					"there, as `purge_on_create` says).", optionalComputed),
				attr(attrCName, tftypes.String, targetCNameDescription+" Changing it to another domain of the same CDN "+
					"resource replaces nothing.", optional),
				attr(attrFiles, stringMapType, "The files of the site: each key is a file's path as the CDN serves it, starting "+
					"with `/` (no scheme, host, query string or fragment; `\"/${f}\"` over `fileset`), each value its version, any "+
					"non-empty string that changes when the content does (`filemd5(...)`, an ETag, a build id). Keys are sent as a "+
					"browser requests them, the WHATWG URL Standard's path percent-encoding: spaces, controls, non-ASCII, the backquote and `\" # < > ? ^ { }` "+
					"are percent-encoded (`/my file.js` is purged as `/my%20file.js`); everything else, `@ + & = , ; ( ) ' ! $ : *` "+
					"included, stays as written (`/img/logo@2x.png`), and an existing `%XX` is kept. A `*` in a key is a plain character: "+
					"a purge by URL names one exact URL. Any number of entries: the provider sends as many requests as needed. An empty map purges nothing.",
					required),
				attr(attrPurgeRemoved, tftypes.Bool, "Purge the files removed from `files`, so that they stop being served. Default `true`.",
					optionalComputed),
				attr(attrPurgeAdded, tftypes.Bool, "Purge the files added to `files`. Default `false`: a new file has nothing cached, "+
					"unless the CDN cached a 404 for its URL.", optionalComputed),
				attr(attrPurgeOnCreate, tftypes.Bool, "Purge every file when the resource is created. Default `true`; `false` adopts a "+
					"deployed site without a purge.", optionalComputed),
				attr(attrPurgeAllAbove, tftypes.Number, "When an apply would purge more URLs than this, send one purge of everything "+
					"instead. Unset: never purge everything. It wins over `purge_directories`.", optional),
				attr(attrPurgeDirectories, tftypes.Bool, "When every file that `files` lists under a directory is to be purged "+
					"(changed, or removed with `purge_removed`), the apply may purge that directory with one pattern (`/docs/*`) "+
					"on the pattern queue, side by side with the URLs on the URL queue, where that finishes sooner at the limits in "+
					"force. A pattern also clears what `files` does not list under the directory, and every cached query-string "+
					"variant; it never covers a listed file that is not to be purged, and the root is never one. Default `false`.",
					optional),
				attr(attrIndexDocument, tftypes.String, "The file a directory URL serves, such as `index.html`: a purged "+
					"`/docs/index.html` also purges `/docs/` (and `/index.html` purges `/`), which the CDN caches apart.", optional),
				attr(attrWaitForCompletion, tftypes.Bool, waitForCompletionDescription+" With it, the files of a request the "+
					"history reports failed keep their old version in state, so that the next apply purges them again. Changing "+
					"it alone purges nothing.", optional),
				attr(attrPrefetch, tftypes.Bool, "After the purge (and its completion, with `wait_for_completion`), prefetch the "+
					"files the apply brought: the changed and added ones, not the removed ones, so that the CDN holds them before "+
					"the first visitor asks. A prefetch that fails is a warning naming the files not prefetched; the purge is "+
					"recorded. Default `false`. Changing it alone sends nothing.", optional),
				attr(attrPurgedURLCount, tftypes.Number, "How many URLs `purged_urls` holds. Planned, so that `terraform plan` "+
					"says how many URLs the apply purges by URL; kept by an apply that purges nothing.", computed),
				attr(attrPurgedURLs, stringMapType, "The URLs the latest purge cleared by URL, as sent, each mapped to why: "+
					"`created` (a first purge), `changed`, `added`, `removed`, or `index_document` (the directory URL of a purged "+
					"index document); `purged` for a purge recorded before this attribute said why. Planned, so that the plan holds "+
					"what the apply purges; sensitive, so that the human-readable plan shows one line however many there are: "+
					"`terraform show -json` of a saved plan lists them all. Kept by an apply that purges nothing. After a part-way "+
					"failure, the URLs the API accepted.", sensitive),
				attr(attrPurgedPatterns, stringListType, "The patterns the latest purge cleared (`purge_directories`), sorted, as "+
					"sent. Planned, like `purged_urls`; kept by an apply that purges nothing. After a part-way failure, the "+
					"patterns the API accepted.", computed),
				attr(attrPurgedAll, tftypes.Bool, "Whether the latest purge was one purge of everything (`purge_all_above`); "+
					"`purged_urls` then lists the URLs that called for it.", computed),
				attr(attrPurgedAt, tftypes.String, "When the API accepted the last request of the latest purge (RFC 3339, UTC); "+
					"kept by an apply that purges nothing.", computed),
			},
			BlockTypes: []*tfprotov6.SchemaNestedBlock{{
				TypeName: attrTimeouts,
				Nesting:  tfprotov6.SchemaNestedBlockNestingModeSingle,
				Block: &tfprotov6.SchemaBlock{Attributes: []*tfprotov6.SchemaAttribute{
					attr("create", tftypes.String, "How long the first purge may take, waiting for rate-limit room included "+
						"(default `20m`).", optional),
					attr("update", tftypes.String, "How long the purge of a change may take, waiting for rate-limit room "+
						"included (default `20m`).", optional),
				}},
			}},
		},
	}
}
