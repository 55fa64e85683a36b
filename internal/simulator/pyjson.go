package simulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The Gcore API is a Python service: its 400 answers quote Python's json
// module and name Python types. This file reproduces both closely enough that
// a test or a user sees the message the real API would write.

// pythonJSONError explains why body is not JSON in the words of Python's
// json.loads, e.g. "Expecting ',' delimiter: line 3 column 33 (char 77)".
func pythonJSONError(body []byte, err error) string {
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) {
		return err.Error()
	}
	if int(syntax.Offset) >= len(body) && strings.Contains(syntax.Error(), "unexpected end") {
		return pythonEOFError(body)
	}
	what, pos := pythonPhrase(body, syntax)
	return what + ": " + pythonPosition(body, pos)
}

// pythonEOFError handles input that stops early. Go says only "unexpected
// end"; Python says what it expected there. Feeding Go one more, impossible
// byte makes it name the context.
func pythonEOFError(body []byte) string {
	const sentinel = "\x01"
	var v json.RawMessage
	err := json.Unmarshal(append(bytes.Clone(body), sentinel...), &v)
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) {
		return "Expecting value: " + pythonPosition(body, len(body))
	}
	if strings.HasSuffix(syntax.Error(), "in string literal") {
		return "Unterminated string starting at: " + pythonPosition(body, openingQuote(body))
	}
	what, _ := pythonPhrase(body, syntax)
	return what + ": " + pythonPosition(body, len(body))
}

// pythonPhrase maps Go's description of a syntax error to Python's, with the
// byte position Python would report.
func pythonPhrase(body []byte, syntax *json.SyntaxError) (string, int) {
	msg, pos := syntax.Error(), int(syntax.Offset)-1
	switch {
	case strings.Contains(msg, "in literal"):
		// Python reports a bad literal (nul, tru) at its first letter.
		for pos > 0 && body[pos-1] >= 'a' && body[pos-1] <= 'z' {
			pos--
		}
		return "Expecting value", pos
	case strings.Contains(msg, "looking for beginning of value"):
		return "Expecting value", pos
	case strings.Contains(msg, "looking for beginning of object key string"):
		return "Expecting property name enclosed in double quotes", pos
	case strings.Contains(msg, "after object key:value pair"), strings.Contains(msg, "after array element"):
		return "Expecting ',' delimiter", pos
	case strings.Contains(msg, "after object key"):
		return "Expecting ':' delimiter", pos
	case strings.Contains(msg, "after top-level value"):
		return "Extra data", pos
	case strings.Contains(msg, "in string escape code"):
		return `Invalid \escape`, max(pos-1, 0)
	case strings.Contains(msg, "in string literal"):
		return "Invalid control character at", pos
	default:
		return msg, pos
	}
}

// openingQuote finds the quote that opened the string left unterminated at
// the end of body: the last quote not escaped by an odd run of backslashes.
func openingQuote(body []byte) int {
	for i := len(body) - 1; i >= 0; i-- {
		if body[i] != '"' {
			continue
		}
		slashes := 0
		for j := i - 1; j >= 0 && body[j] == '\\'; j-- {
			slashes++
		}
		if slashes%2 == 0 {
			return i
		}
	}
	return 0
}

// pythonPosition writes "line L column C (char N)" for a byte offset; Python
// counts characters, not bytes.
func pythonPosition(body []byte, pos int) string {
	pos = min(max(pos, 0), len(body))
	before := body[:pos]
	line := bytes.Count(before, []byte("\n")) + 1
	column := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Sprintf("line %d column %d (char %d)", line, column, utf8.RuneCount(before))
}

// pythonType names the type Python gives a JSON value, as DRF quotes it in
// "Expected a list of items but got type ...".
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
