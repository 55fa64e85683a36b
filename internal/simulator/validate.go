package simulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The messages of the documented 400 bodies of POST
// /cdn/resources/{resource_id}/purge (Gcore's API reference), and those of
// Django REST Framework, which the API is built on, for the same checks.
const (
	msgRequired  = "This field is required."
	msgBlank     = "This field may not be blank."
	msgNoSlash   = "A path should start with /."
	msgEmpty     = "This list may not be empty."
	msgNull      = "This field may not be null."
	msgNotString = "Not a valid string."
)

// listRule is what a "urls" or "paths" list of a body accepts.
type listRule struct {
	field      string
	limit      int
	mayBeEmpty bool
	// itemProblem, when set, returns what is wrong with a non-blank item, to
	// be reported for the item; "" when nothing is.
	itemProblem func(string) string
	// listProblem, when set, returns what is wrong with a non-blank item, to
	// be reported for the whole field, as the reference's "A path should
	// start with /." is; "" when nothing is.
	listProblem func(string) string
}

// checkList validates a list in the order Django REST Framework's ListField
// and its serializer do: the field's type, emptiness, each item, the count,
// then the serializer's own rule on the whole field. It returns the items,
// or the 400 body to answer instead.
func checkList(raw json.RawMessage, rule listRule) ([]string, []byte) {
	if t := pythonType(raw); t != "list" {
		return nil, fieldError(rule.field, fmt.Sprintf("Expected a list of items but got type %q.", t))
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, fieldError(rule.field, msgNotString) // cannot happen: the body parsed
	}
	if len(elems) == 0 && !rule.mayBeEmpty {
		return nil, fieldError(rule.field, msgEmpty)
	}
	items := make([]string, len(elems))
	var itemErrs []itemError
	for i, elem := range elems {
		var msg string
		items[i], msg = checkItem(elem, rule.itemProblem)
		if msg != "" {
			itemErrs = append(itemErrs, itemError{i, msg})
		}
	}
	if len(itemErrs) > 0 {
		return nil, itemErrors(rule.field, itemErrs)
	}
	if len(items) > rule.limit {
		return nil, fieldError(rule.field, fmt.Sprintf("Ensure this field has no more than %d elements.", rule.limit))
	}
	if rule.listProblem != nil {
		for _, item := range items {
			if msg := rule.listProblem(item); msg != "" {
				return nil, fieldError(rule.field, msg)
			}
		}
	}
	return items, nil
}

// checkItem returns the item, and what is wrong with it as DRF's CharField
// and problem say; "" when nothing is.
func checkItem(elem json.RawMessage, problem func(string) string) (string, string) {
	switch pythonType(elem) {
	case "str":
	case "NoneType":
		return "", msgNull
	default:
		return "", msgNotString
	}
	var item string
	if err := json.Unmarshal(elem, &item); err != nil {
		return "", msgNotString
	}
	switch {
	case strings.TrimSpace(item) == "":
		return item, msgBlank
	case problem != nil:
		return item, problem(item)
	}
	return item, ""
}

// notAPath is the reference's rule for purge items: "should start with /
// without a domain name".
func notAPath(item string) string {
	if !strings.HasPrefix(item, "/") || namesHost(item) {
		return msgNoSlash
	}
	return ""
}

// innerWildcard is the reference's rule for patterns: "*" only at the end.
func innerWildcard(item string) string {
	if i := strings.IndexByte(item, '*'); i >= 0 && i != len(item)-1 {
		return "The wildcard * is allowed only at the end of a pattern."
	}
	return ""
}

// namesDomain is the reference's rule for prefetch paths: "specified without
// a domain name". A path without a leading "/" is allowed: the reference's
// own example prefetches "test1.jpg".
func namesDomain(item string) string {
	if namesHost(item) {
		return "A path should be specified without a domain name."
	}
	return ""
}

// namesHost reports whether item names a host rather than being a path: it
// has a scheme ("https://cdn.example.com/a") or starts with "//" and a host
// ("//cdn.example.com/a"), which runs to the first "/", "?" or "#". "///a"
// and "//#" are paths, their host empty, and so is "/a?next=https://b": its
// scheme would be in its path.
func namesHost(item string) bool {
	if rest, ok := strings.CutPrefix(item, "//"); ok {
		end := strings.IndexAny(rest, "/?#")
		return end != 0 && rest != ""
	}
	scheme, _, ok := strings.Cut(item, "://")
	return ok && scheme != "" && !strings.ContainsAny(scheme, "/?#")
}

// decodeObject parses the body as a JSON object, or returns the 400 body to
// answer instead. An empty body counts as {}: DRF reads no data rather than
// failing to parse.
func decodeObject(body []byte) (map[string]json.RawMessage, []byte) {
	if len(body) == 0 {
		return map[string]json.RawMessage{}, nil
	}
	var raw json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, jsonParseError(body, err)
	}
	if t := pythonType(raw); t != "dict" {
		return nil, fieldError("non_field_errors", fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", t))
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, jsonParseError(body, err)
	}
	return doc, nil
}

// jsonParseError is the reference's JSONParseError:
// {"message": "JSON parse error - Expecting ',' delimiter: line 3 column 33
// (char 77)"}, in the words of Python's json module where Go's error tells
// which they are, at the position Python would give.
func jsonParseError(body []byte, err error) []byte {
	what, at := "Expecting value", len(body)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) && syntax.Error() != "unexpected end of JSON input" {
		at = int(syntax.Offset) - 1 // Go counts the offending byte, Python points at it
		if strings.Contains(syntax.Error(), "in literal") {
			// Go stops inside true, false or null; Python at its start.
			for at > 0 && 'a' <= body[at-1] && body[at-1] <= 'z' {
				at--
			}
		}
		for _, m := range pythonJSONMessages {
			if strings.Contains(syntax.Error(), m.goSays) {
				what = m.pythonSays
				break
			}
		}
	}
	before := body[:max(at, 0)]
	line := bytes.Count(before, []byte("\n")) + 1
	column := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	msg := fmt.Sprintf("JSON parse error - %s: line %d column %d (char %d)", what, line, column, utf8.RuneCount(before))
	return []byte(`{"message":` + jsonString(msg) + `}`)
}

// pythonJSONMessages translate Go's syntax errors into Python's, first match
// first.
var pythonJSONMessages = []struct{ goSays, pythonSays string }{
	{"after object key:value pair", "Expecting ',' delimiter"},
	{"after array element", "Expecting ',' delimiter"},
	{"after object key", "Expecting ':' delimiter"},
	{"looking for beginning of object key string", "Expecting property name enclosed in double quotes"},
	{"after top-level value", "Extra data"},
	{"in string escape code", "Invalid \\escape"},
	{"in string literal", "Invalid control character at"},
}

type itemError struct {
	index int
	msg   string
}

// fieldError is {"errors":{field:[msg]}}, the form of the reference's
// PathsNotProvidedPurgeError, IncorrectPathsTypePurgeError and
// IncorrectPathsFormatPurgeError.
func fieldError(field, msg string) []byte {
	return []byte(`{"errors":{` + jsonString(field) + `:[` + jsonString(msg) + `]}}`)
}

// itemErrors is {"errors":{field:{"index":[msg],...}}}, the form of the
// reference's IncorrectPathsItemsPurgeOrPrefetchError, indexes in list order
// as Python writes them (json.Marshal would sort "10" before "2").
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
