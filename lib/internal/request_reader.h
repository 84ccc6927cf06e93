// A reader of request JSON in its common shape, straight into a Request: no document is built
// and no string is copied twice, so that a gateway that receives its requests as JSON does
// not spend most of a decision reading them.
//
// It is a fast path in front of the general parser (ParseRequestJson), never a second
// definition of the format. It accepts only a strict subset: the request's own fields, each
// once; strings of printable ASCII without escapes; integers of at most 18 digits; context
// entries, arguments and inline attributes that are strings, integers, bools or lists of
// strings or of integers; no `null`. For anything else — another value, an escape, a
// non-ASCII byte, a repeated key, any error at all — it gives up, and the general parser
// reads the text and reports what is wrong. For every text it accepts, it gives exactly the
// Request the general parser gives (request_reader_test and the request fuzzer check this).

#ifndef WARD_LIB_INTERNAL_REQUEST_READER_H_
#define WARD_LIB_INTERNAL_REQUEST_READER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ward/request.h"

namespace ward::internal {

// Reads `text` into `out` (a fresh Request) and returns true, or returns false, leaving `out`
// in an unspecified state, when the text is not of the common shape or is not a valid request
// within `limits`.
bool ReadCommonRequest(absl::string_view text, const RequestLimits& limits, Request* out);

// ParseRequestJson without the fast path: the general parser alone, which the tests and the
// request fuzzer hold the fast path to.
absl::StatusOr<Request> ParseRequestJsonGeneral(absl::string_view text,
                                                const RequestLimits& limits);

}  // namespace ward::internal

#endif  // WARD_LIB_INTERNAL_REQUEST_READER_H_
