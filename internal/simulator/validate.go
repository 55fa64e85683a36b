package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/purgerules"
)

// parsePurge reads a purge body the way the API does. It returns the purge,
// or the exact 400 body to answer instead.
func parsePurge(body []byte, maxURLs, maxPatterns int) (gcoreapi.Purge, []byte) {
	doc, bad := decodeObject(body)
	if bad != nil {
		return gcoreapi.Purge{}, bad
	}
	urls, hasURLs := doc["urls"]
	paths, hasPaths := doc["paths"]
	switch {
	case hasURLs && hasPaths:
		return gcoreapi.Purge{}, fieldError("non_field_errors", "Specify either urls or paths, not both.")
	case hasURLs:
		items, bad := checkList("urls", urls, maxURLs, false, purgerules.CheckURL)
		return gcoreapi.Purge{Type: gcoreapi.PurgeByURL, Items: items}, bad
	case hasPaths:
		items, bad := checkList("paths", paths, maxPatterns, true, purgerules.CheckPattern)
		switch {
		case bad != nil:
			return gcoreapi.Purge{}, bad
		case len(items) == 0:
			return gcoreapi.Purge{Type: gcoreapi.PurgeAll, Items: []string{}}, nil
		}
		return gcoreapi.Purge{Type: gcoreapi.PurgeByPattern, Items: items}, nil
	default:
		// The API reads a body without "urls" as a pattern purge, so it is
		// "paths" that it reports missing.
		return gcoreapi.Purge{}, fieldError("paths", "This field is required.")
	}
}

// jsonParseError is the API's answer to a body that is not a JSON object, in
// the form Gcore's API reference documents for POST
// /cdn/resources/{resource_id}/purge. The real detail says where the API's
// parser stopped; the provider never sends such a body, so one fixed text
// serves.
const jsonParseError = `{"message":"JSON parse error - Expecting value: line 1 column 1 (char 0)"}`

// decodeObject parses the body as a JSON object. An empty body counts as {}:
// the API's framework reads no data rather than failing to parse.
func decodeObject(body []byte) (map[string]json.RawMessage, []byte) {
	if len(body) == 0 {
		return map[string]json.RawMessage{}, nil
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil { // nil: the body was null
		return nil, []byte(jsonParseError)
	}
	return doc, nil
}

// parsePrefetch reads a prefetch body, {"paths": [...]} naming exact files,
// the way the API does. It returns the paths, or the 400 body to answer
// instead. Gcore's API reference documents the per-item 400 for prefetch
// too; the other forms are the purge's.
func parsePrefetch(body []byte, maxPaths int) ([]string, []byte) {
	doc, bad := decodeObject(body)
	if bad != nil {
		return nil, bad
	}
	paths, ok := doc["paths"]
	if !ok {
		return nil, fieldError("paths", "This field is required.")
	}
	return checkList("paths", paths, maxPaths, false, purgerules.CheckURL)
}

// checkList validates "urls" or "paths" in the order the API's serializer
// does: the type of the field, each item, the path rule, then the count.
// Only a purge of everything may send an empty list.
func checkList(field string, raw json.RawMessage, limit int, mayBeEmpty bool, rule func(string) error) ([]string, []byte) {
	if t := pythonType(raw); t != "list" {
		return nil, fieldError(field, fmt.Sprintf("Expected a list of items but got type %q.", t))
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, []byte(jsonParseError)
	}
	if len(elems) == 0 && !mayBeEmpty {
		return nil, fieldError(field, "This list may not be empty.")
	}
	items := make([]string, 0, len(elems))
	var itemErrs []itemError
	noSlash := false
	for i, elem := range elems {
		item, msg := checkItem(elem, rule)
		switch {
		case msg != "":
			itemErrs = append(itemErrs, itemError{i, msg})
		case !strings.HasPrefix(item, "/"):
			// A missing leading slash is reported for the whole field, not
			// per item: that is the form Gcore's API reference shows.
			noSlash = true
		}
		items = append(items, item)
	}
	switch {
	case len(itemErrs) > 0:
		return nil, itemErrors(field, itemErrs)
	case noSlash:
		return nil, fieldError(field, "A path should start with /.")
	case len(items) > limit:
		return nil, fieldError(field, fmt.Sprintf("Ensure this field has no more than %d elements.", limit))
	}
	return items, nil
}

// checkItem returns the item, or the per-item message the API would give.
// An item without a leading slash is left to the caller.
func checkItem(elem json.RawMessage, rule func(string) error) (string, string) {
	switch pythonType(elem) {
	case "str":
	case "NoneType":
		return "", "This field may not be null."
	default:
		return "", "Not a valid string."
	}
	var item string
	if err := json.Unmarshal(elem, &item); err != nil {
		return "", "Not a valid string."
	}
	if strings.TrimSpace(item) == "" {
		return item, "This field may not be blank."
	}
	if !strings.HasPrefix(item, "/") {
		return item, ""
	}
	if err := rule(item); err != nil {
		return item, err.Error()
	}
	return item, ""
}

type itemError struct {
	index int
	msg   string
}

// fieldError is {"errors":{field:[msg]}}.
func fieldError(field, msg string) []byte {
	return []byte(`{"errors":{` + jsonString(field) + `:[` + jsonString(msg) + `]}}`)
}

// itemErrors is {"errors":{field:{"index":[msg],...}}}, indexes in list
// order as Python writes them (json.Marshal would sort "10" before "2").
func itemErrors(field string, errs []itemError) []byte {
	var b strings.Builder
	b.WriteString(`{"errors":{` + jsonString(field) + `:{`)
	for i, e := range errs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jsonString(strconv.Itoa(e.index)) + `:[` + jsonString(e.msg) + `]`)
	}
	b.WriteString(`}}}`)
	return []byte(b.String())
}

// jsonString quotes s without Go's HTML escaping, so a "&" in a query string
// reads as "&", as the API writes it.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// pythonType names the type of a JSON value as the API, a Python service,
// quotes it in "Expected a list of items but got type ...".
func pythonType(raw json.RawMessage) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "NoneType"
	}
	switch raw[0] {
	case '"':
		return "str"
	case '{':
		return "dict"
	case '[':
		return "list"
	case 't', 'f':
		return "bool"
	case 'n':
		return "NoneType"
	}
	if bytes.ContainsAny(raw, ".eE") {
		return "float"
	}
	return "int"
}
