package provider

import (
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The record of the latest purge, in purged_url_count, purged_urls,
// purged_patterns, purged_all and purged_at: planned by the plan (purged_at
// unknown until the API accepts), written by the apply, kept by an apply
// that purges nothing.

// purgedAttributes are the attributes of the record.
var purgedAttributes = []string{attrPurgedURLCount, attrPurgedURLs, attrPurgedPatterns, attrPurgedAll, attrPurgedAt}

// setPurged records, in o, what dep purges: the URLs it purges by URL, with
// why, and its patterns. purged_at is left to the caller.
func setPurged(o object, dep deploy) {
	reasons := dep.reasons()
	o.set(attrPurgedURLCount, intValue(len(reasons)))
	o.set(attrPurgedURLs, stringMapValue(reasons))
	o.set(attrPurgedPatterns, stringListValue(slices.Clone(dep.split.Patterns)))
	o.set(attrPurgedAll, boolValue(dep.purgeAll))
}

// setPurgedUnknown plans the record unknown: the files are known only at
// apply.
func setPurgedUnknown(o object) {
	for _, name := range purgedAttributes {
		o.set(name, unknownValue(changedFilesType.AttributeTypes[name]))
	}
}

// keepPurged records in o the latest purge of prior: an apply that purges
// nothing keeps it, and a first apply that purges nothing has none.
func keepPurged(o, prior object) {
	if prior != nil {
		for _, name := range purgedAttributes {
			o.set(name, prior[name])
		}
		return
	}
	o.set(attrPurgedURLCount, intValue(0))
	o.set(attrPurgedURLs, stringMapValue(nil))
	o.set(attrPurgedPatterns, stringListValue(nil))
	o.set(attrPurgedAll, boolValue(false))
	o.set(attrPurgedAt, nullValue(tftypes.String))
}

// timestamp is t as purged_at records it: RFC 3339, UTC, to the second.
func timestamp(t time.Time) tftypes.Value {
	return stringValue(t.UTC().Format(time.RFC3339))
}
