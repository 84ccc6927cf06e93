// Conversions from Python objects to ward's requests and attribute values.
//
// A request built here is the request ParseRequestJson would build from the same data as
// JSON: `engine.decide(**json.loads(text))` decides as `engine.decide_json(text)`. Values
// that have a type in the language (str, int, bool, lists of str or of int) become that
// value; None is absent; anything else is converted through its JSON text, so that it
// becomes the same untyped value a JSON request would carry. Every function here runs with
// the GIL held and raises TypeError (a Python type that has no place there; the message
// names the argument) or WardError::kRequest (a value the exchange format rejects).

#ifndef WARD_BINDINGS_PYTHON_CONVERT_H_
#define WARD_BINDINGS_PYTHON_CONVERT_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pybind11/pybind11.h"
#include "ward/request.h"
#include "ward/value.h"

namespace ward::python {

namespace py = pybind11;

// Imports what the conversions need (datetime.datetime, json.dumps); once, when the module
// is imported.
void InitConversions();

// The keyword arguments of Engine.decide and Engine.explain, None when not given.
struct RequestArgs {
  py::handle subject;
  py::handle action;
  py::handle resource;
  py::handle context;
  py::handle on_behalf_of;
  py::handle now;
  py::handle args;
  py::handle approval;
};

// Builds the request of Engine.decide: `subject` a (kind, id) pair or {"kind", "id"} dict,
// `action` a str, `resource` a (type, id) pair or {"type", "id", "attrs"} dict, `context` a
// mapping with str keys (what the host asserts), `on_behalf_of` a sequence of identities,
// `now` None, an RFC 3339 str or an aware datetime, `args` a dict (the tool call's arguments:
// sent as its JSON text, see ArgsJsonText), `approval` a grant token (str).
Request BuildRequest(const RequestArgs& args);

// The JSON text of a tool call's arguments: a dict with str keys whose values are JSON-like
// (None, bool, int, finite float, str, list, tuple, dict with str keys, nested at most as
// deep as a JSON request may be). TypeError naming the path of the first value that has no
// JSON form (an object, a set, bytes, a NaN, a non-str key): nothing is ever stringified.
std::string ArgsJsonText(py::handle args, const std::string& path);

// A context entry or inline attribute; nullopt for None. `path` names it in messages.
std::optional<Value> ToValue(py::handle value, const std::string& path);

// An aware datetime as a time; naive datetimes are rejected (WardError::kRequest) because
// they name no instant. Requires IsDateTime(value).
absl::Time DateTimeToTime(py::handle value, const std::string& path);
bool IsDateTime(py::handle value);

// A path given as str, bytes or os.PathLike, as a str; TypeError naming `what` otherwise.
std::string PathOf(py::handle value, const char* what);

// The text of a str (as UTF-8) or of bytes, bytearray or memoryview. str and bytes are
// viewed in place (they are immutable, so the view may be read with the GIL released while
// `value` is alive); the mutable ones are copied into `*storage`.
absl::string_view TextOf(py::handle value, const char* what, std::string* storage);

// The JSON text of a Python value (json.dumps); TypeError naming `what` when it has none.
std::string JsonText(py::handle value, const std::string& what);

// `text` as a str; bytes that are not UTF-8 (a message that quotes a cut value, say) become
// U+FFFD rather than an error.
py::str Utf8(absl::string_view text);

// "a str", "an int", ... for messages about a Python value.
std::string DescribeType(py::handle value);

}  // namespace ward::python

#endif  // WARD_BINDINGS_PYTHON_CONVERT_H_
