package ward

/*
#include "ward.h"
*/
import "C"

import "fmt"

// Category is the kind of an error. Its values are those of the C interface's ward_status
// codes, one for one, and String gives the names the C interface gives them
// (ward_status_name): "invalid_argument", "policy", "entities", ...
type Category int

// The categories, in the order and with the values of ward_status.
const (
	// CategoryInvalidArgument is a mistake in the calling code: a nil or closed handle, a
	// value out of range, a path holding a NUL byte (WARD_ERR_INVALID_ARGUMENT).
	CategoryInvalidArgument Category = C.WARD_ERR_INVALID_ARGUMENT
	// CategoryPolicy is a policy set with errors; the Error lists them as Issues
	// (WARD_ERR_POLICY, formerly WARD_ERR_COMPILE).
	CategoryPolicy Category = C.WARD_ERR_POLICY
	// CategoryEntity is an entity file or entity that does not parse or does not fit the
	// policy's schema, also on a reload whose schema the current entities do not fit
	// (WARD_ERR_ENTITIES).
	CategoryEntity Category = C.WARD_ERR_ENTITIES
	// CategoryRequest is an invalid request: malformed JSON, an unknown field, a wrong type,
	// a missing or empty required field, an unknown subject kind, a chain longer than 8
	// (WARD_ERR_REQUEST).
	CategoryRequest Category = C.WARD_ERR_REQUEST
	// CategoryNotFound is revoking or removing an identity or resource that does not exist
	// (WARD_ERR_NOT_FOUND).
	CategoryNotFound Category = C.WARD_ERR_NOT_FOUND
	// CategoryBundle is a bundle that is not one, of another format version, corrupted, or
	// not signed by a trusted key (WARD_ERR_BUNDLE).
	CategoryBundle Category = C.WARD_ERR_BUNDLE
	// CategoryIO is a file that could not be read (WARD_ERR_IO).
	CategoryIO Category = C.WARD_ERR_IO
	// CategoryInternal is running out of memory or a failure inside the library
	// (WARD_ERR_INTERNAL).
	CategoryInternal Category = C.WARD_ERR_INTERNAL
	// CategoryKey is an unusable key: not PEM, not Ed25519, the wrong half of a pair, an
	// encrypted private key (WARD_ERR_KEY).
	CategoryKey Category = C.WARD_ERR_KEY
	// CategoryRedaction is output that could not be redacted: release none of it
	// (WARD_ERR_REDACT).
	CategoryRedaction Category = C.WARD_ERR_REDACT
)

// String returns the C interface's name of the category ("request", "not_found", ...), or
// "unknown".
func (c Category) String() string {
	return C.GoString(C.ward_status_name(C.ward_status(c)))
}

// Severity tells an error of the policy compiler from a warning.
type Severity int

// The severities of an Issue.
const (
	// SeverityError is a compile error: the policy set does not compile.
	SeverityError Severity = C.WARD_SEVERITY_ERROR
	// SeverityWarning is a warning: the policy set compiles.
	SeverityWarning Severity = C.WARD_SEVERITY_WARNING
)

// String returns "error" or "warning".
func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	}
	return "unknown"
}

// Issue is one diagnostic of the policy compiler.
type Issue struct {
	// Severity is SeverityError or SeverityWarning.
	Severity Severity
	// Source is the source name given to the compiler: the path, for files.
	Source string
	// Line and Column are 1-based (columns count characters); both are 0 when the issue
	// concerns no position.
	Line, Column int
	// Message is lower case, without a final period.
	Message string
}

// String formats the issue as "source:line:col: severity: message".
func (i Issue) String() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s", i.Source, i.Line, i.Column, i.Severity, i.Message)
}

// Error is the error of every call of the package that fails.
type Error struct {
	// Category says what failed; it maps the C interface's status code.
	Category Category
	// Message is the C interface's message as it gives it, names included
	// ("approval_keys[0]: ..."). For a policy with errors, every error rendered as
	// "file:line:col: error: ..." with its source line and a caret.
	Message string
	// Issues are, for CategoryPolicy, every diagnostic of the compiler, errors and warnings,
	// in the compiler's order. Other errors have none.
	Issues []Issue

	sentinel bool
}

// Error returns the message; when there is none, the category's name.
func (e *Error) Error() string {
	if e.Message == "" {
		return "ward: " + e.Category.String()
	}
	return e.Message
}

// Is reports whether target is the sentinel of e's category (ErrRequest, ErrPolicy, ...),
// so that errors.Is(err, ward.ErrRequest) holds for every request error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.sentinel && t.Category == e.Category
}

// Errors returns the issues of severity error.
func (e *Error) Errors() []Issue {
	var out []Issue
	for _, issue := range e.Issues {
		if issue.Severity == SeverityError {
			out = append(out, issue)
		}
	}
	return out
}

func sentinel(c Category) *Error { return &Error{Category: c, sentinel: true} }

// Sentinels, one per category, for errors.Is: errors.Is(err, ward.ErrNotFound) holds for
// every error of CategoryNotFound. They are never returned themselves.
var (
	ErrInvalidArgument = sentinel(CategoryInvalidArgument)
	ErrPolicy          = sentinel(CategoryPolicy)
	ErrEntity          = sentinel(CategoryEntity)
	ErrRequest         = sentinel(CategoryRequest)
	ErrNotFound        = sentinel(CategoryNotFound)
	ErrBundle          = sentinel(CategoryBundle)
	ErrIO              = sentinel(CategoryIO)
	ErrInternal        = sentinel(CategoryInternal)
	ErrKey             = sentinel(CategoryKey)
	ErrRedaction       = sentinel(CategoryRedaction)
)

// ErrClosed is returned by calls on an engine, policy, decider or redactor after Close. It
// is of CategoryInvalidArgument: errors.Is(ErrClosed, ErrInvalidArgument) holds too.
var ErrClosed = &Error{Category: CategoryInvalidArgument, Message: "ward: used after Close"}

func newError(c Category, message string) *Error { return &Error{Category: c, Message: message} }

// takeError turns a failed call's status and error object into an *Error and frees the
// object.
func takeError(status C.ward_status, e *C.ward_error) *Error {
	defer C.ward_error_free(e)
	out := &Error{Category: Category(status)}
	if e != nil {
		out.Message = C.GoString(C.ward_error_message(e))
		n := C.ward_error_issue_count(e)
		for i := C.size_t(0); i < n; i++ {
			var issue C.ward_issue
			if C.ward_error_issue(e, i, &issue) == 1 {
				out.Issues = append(out.Issues, issueOf(&issue))
			}
		}
	}
	if out.Message == "" {
		out.Message = "ward: " + out.Category.String()
	}
	return out
}

func issueOf(issue *C.ward_issue) Issue {
	return Issue{
		Severity: Severity(issue.severity),
		Source:   goString(issue.source),
		Line:     int(issue.line),
		Column:   int(issue.column),
		Message:  goString(issue.message),
	}
}
