#include "bindings/python/convert.h"

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bindings/python/errors.h"
#include "ward/schema.h"

namespace ward::python {
namespace {

// Imported once by InitConversions and kept for the life of the process: the interpreter
// owns the modules, so these are never released (releasing them at exit could run after the
// interpreter is gone).
py::object* g_datetime_type = nullptr;
py::object* g_json_dumps = nullptr;
py::object* g_fspath = nullptr;

[[noreturn]] void RequestError(const std::string& message) {
  throw WardError(ErrorCategory::kRequest, message);
}

[[noreturn]] void TypeError(const std::string& message) { throw py::type_error(message); }

// A str as UTF-8; TypeError naming `path` for anything else.
std::string RequireStr(py::handle value, const std::string& path, bool non_empty) {
  if (!PyUnicode_Check(value.ptr())) {
    TypeError(absl::StrCat("`", path, "` must be a str, not ", DescribeType(value)));
  }
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(value.ptr(), &size);
  if (data == nullptr) throw py::error_already_set();  // lone surrogates
  if (non_empty && size == 0) {
    RequestError(std::string(CheckRequestText(path, "").message()));
  }
  return std::string(data, static_cast<size_t>(size));
}

bool IsPair(py::handle value) {
  return (PyTuple_Check(value.ptr()) || PyList_Check(value.ptr())) && py::len(value) == 2;
}

// Checks that a dict standing for a JSON object has only `allowed` keys, as the JSON request
// parser does for the same object.
void CheckKeys(const py::dict& dict, std::initializer_list<const char*> allowed,
               const std::string& path) {
  for (const auto& item : dict) {
    bool known = false;
    if (PyUnicode_Check(item.first.ptr())) {
      const std::string key = item.first.cast<std::string>();
      for (const char* name : allowed) known = known || key == name;
      if (!known) RequestError(absl::StrCat("unknown field `", key, "` in `", path, "`"));
    } else {
      TypeError(
          absl::StrCat("the keys of `", path, "` must be str, not ", DescribeType(item.first)));
    }
  }
}

// A dict's item, None when absent.
py::object Item(const py::dict& dict, const char* key) {
  PyObject* item = PyDict_GetItemString(dict.ptr(), key);
  return py::reinterpret_borrow<py::object>(item == nullptr ? Py_None : item);
}

IdentityRef ToIdentityRef(py::handle value, const std::string& path) {
  // Owned references: an item read from a list stays alive even if the list changes.
  py::object kind;
  py::object id;
  if (PyDict_Check(value.ptr())) {
    py::dict dict = py::reinterpret_borrow<py::dict>(value);
    CheckKeys(dict, {"kind", "id"}, path);
    kind = Item(dict, "kind");
    id = Item(dict, "id");
    if (kind.is_none()) RequestError(absl::StrCat("missing required field `", path, ".kind`"));
    if (id.is_none()) RequestError(absl::StrCat("missing required field `", path, ".id`"));
  } else if (IsPair(value)) {
    kind = value[py::int_(0)];
    id = value[py::int_(1)];
  } else {
    TypeError(absl::StrCat("`", path, "` must be a (kind, id) tuple or a dict, not ",
                           DescribeType(value)));
  }
  const std::string kind_name = RequireStr(kind, path + ".kind", true);
  absl::StatusOr<SubjectKind> parsed = SubjectKindAt(path + ".kind", kind_name);
  if (!parsed.ok()) RequestError(std::string(parsed.status().message()));
  IdentityRef ref;
  ref.kind = *parsed;
  ref.id = RequireStr(id, path + ".id", true);
  return ref;
}

void ToAttributes(py::handle value, const std::string& path, AttributeMap* out) {
  if (!PyDict_Check(value.ptr())) {
    if (!PyObject_HasAttrString(value.ptr(), "items")) {
      TypeError(absl::StrCat("`", path, "` must be a dict, not ", DescribeType(value)));
    }
  }
  py::object items = value.attr("items")();
  for (py::handle item : items) {
    py::object key = item[py::int_(0)];
    if (!PyUnicode_Check(key.ptr())) {
      TypeError(absl::StrCat("the keys of `", path, "` must be str, not ", DescribeType(key)));
    }
    std::string name = key.cast<std::string>();
    std::optional<Value> converted = ToValue(item[py::int_(1)], absl::StrCat(path, ".", name));
    if (converted.has_value()) out->insert_or_assign(std::move(name), *std::move(converted));
  }
}

ResourceRef ToResourceRef(py::handle value) {
  ResourceRef ref;
  py::object type;
  py::object id;
  if (PyDict_Check(value.ptr())) {
    py::dict dict = py::reinterpret_borrow<py::dict>(value);
    CheckKeys(dict, {"type", "id", "attrs"}, "resource");
    type = Item(dict, "type");
    id = Item(dict, "id");
    if (type.is_none()) RequestError("missing required field `resource.type`");
    if (id.is_none()) RequestError("missing required field `resource.id`");
    py::object attrs = Item(dict, "attrs");
    if (!attrs.is_none()) ToAttributes(attrs, "resource.attrs", &ref.attrs);
  } else if (IsPair(value)) {
    type = value[py::int_(0)];
    id = value[py::int_(1)];
  } else {
    TypeError(
        absl::StrCat("`resource` must be a (type, id) tuple or a dict, not ", DescribeType(value)));
  }
  ref.type = RequireStr(type, "resource.type", true);
  ref.id = RequireStr(id, "resource.id", true);
  return ref;
}

// A list of str or of int (not bool) becomes a set, as a JSON array of them does; anything
// else in a list goes through its JSON text. Returns false when the list is neither.
bool TryListValue(py::handle list, std::optional<Value>* out) {
  const Py_ssize_t size = PySequence_Fast_GET_SIZE(list.ptr());
  PyObject** items = PySequence_Fast_ITEMS(list.ptr());
  bool all_str = true;
  bool all_int = true;
  for (Py_ssize_t i = 0; i < size; ++i) {
    all_str = all_str && PyUnicode_Check(items[i]);
    all_int = all_int && PyLong_CheckExact(items[i]);
  }
  if (size == 0 || all_str) {
    std::vector<std::string> strings;
    strings.reserve(size);
    for (Py_ssize_t i = 0; i < size; ++i) {
      Py_ssize_t length = 0;
      const char* data = PyUnicode_AsUTF8AndSize(items[i], &length);
      if (data == nullptr) throw py::error_already_set();
      strings.emplace_back(data, static_cast<size_t>(length));
    }
    *out = Value::StringSet(std::move(strings));
    return true;
  }
  if (all_int) {
    std::vector<int64_t> ints;
    ints.reserve(size);
    for (Py_ssize_t i = 0; i < size; ++i) {
      int overflow = 0;
      const long long v = PyLong_AsLongLongAndOverflow(items[i], &overflow);
      if (overflow != 0) return false;  // out of range: the JSON path makes it opaque
      ints.push_back(static_cast<int64_t>(v));
    }
    *out = Value::IntSet(std::move(ints));
    return true;
  }
  return false;
}

// Checks that `value` has a JSON form that json.dumps writes faithfully (see ArgsJsonText).
void CheckJsonLike(py::handle value, const std::string& path, size_t depth) {
  PyObject* object = value.ptr();
  if (object == Py_None || PyBool_Check(object) || PyLong_Check(object) ||
      PyUnicode_Check(object)) {
    return;
  }
  if (PyFloat_Check(object)) {
    const double number = PyFloat_AS_DOUBLE(object);
    if (!std::isfinite(number)) {
      TypeError(absl::StrCat("`", path, "` is ", py::repr(value).cast<std::string>(),
                             ", which has no JSON form"));
    }
    return;
  }
  if (depth >= RequestLimits().max_json_depth) {
    RequestError(
        absl::StrCat("`", path, "` is nested more than ", RequestLimits().max_json_depth, " deep"));
  }
  if (PyList_Check(object) || PyTuple_Check(object)) {
    // An owned copy: the list may change while its items are checked.
    py::tuple items = py::reinterpret_steal<py::tuple>(PySequence_Tuple(object));
    if (!items) throw py::error_already_set();
    for (size_t i = 0; i < items.size(); ++i) {
      CheckJsonLike(items[i], absl::StrCat(path, "[", i, "]"), depth + 1);
    }
    return;
  }
  if (PyDict_Check(object)) {
    py::list items = py::reinterpret_steal<py::list>(PyDict_Items(object));
    if (!items) throw py::error_already_set();
    for (py::handle item : items) {
      py::handle key = PyTuple_GET_ITEM(item.ptr(), 0);
      if (!PyUnicode_Check(key.ptr())) {
        // json.dumps would write 1 as "1" and True as "true": a key the model never wrote.
        TypeError(absl::StrCat("the keys of `", path, "` must be str, not ", DescribeType(key)));
      }
      CheckJsonLike(PyTuple_GET_ITEM(item.ptr(), 1),
                    absl::StrCat(path, ".", RequireStr(key, path, false)), depth + 1);
    }
    return;
  }
  TypeError(absl::StrCat("`", path, "` has no JSON form (", DescribeType(value),
                         "): give None, bool, int, float, str, list, tuple or dict"));
}

}  // namespace

std::string ArgsJsonText(py::handle args, const std::string& path) {
  if (!PyDict_Check(args.ptr())) {
    TypeError(absl::StrCat("`", path, "` must be a dict, not ", DescribeType(args)));
  }
  CheckJsonLike(args, path, 0);
  return JsonText(args, path);
}

void InitConversions() {
  g_datetime_type = new py::object(py::module_::import("datetime").attr("datetime"));
  g_json_dumps = new py::object(py::module_::import("json").attr("dumps"));
  g_fspath = new py::object(py::module_::import("os").attr("fsdecode"));
}

py::str Utf8(absl::string_view text) {
  return py::reinterpret_steal<py::str>(
      PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "replace"));
}

std::string DescribeType(py::handle value) {
  if (value.is_none()) return "None";
  const std::string name = Py_TYPE(value.ptr())->tp_name;
  const bool vowel = !name.empty() && std::string("aeiouAEIOU").find(name[0]) != std::string::npos;
  return absl::StrCat(vowel ? "an " : "a ", name);
}

bool IsDateTime(py::handle value) {
  return PyObject_IsInstance(value.ptr(), g_datetime_type->ptr()) == 1;
}

absl::Time DateTimeToTime(py::handle value, const std::string& path) {
  if (value.attr("utcoffset")().is_none()) {
    RequestError(absl::StrCat("`", path,
                              "` is a naive datetime; give it a time zone (for example "
                              "datetime.timezone.utc)"));
  }
  // An aware datetime's isoformat() is RFC 3339 (e.g. 2026-12-01T00:00:00.250000+00:00).
  const std::string text = value.attr("isoformat")().cast<std::string>();
  absl::StatusOr<absl::Time> t = ParseTimestamp(text);
  if (!t.ok()) RequestError(absl::StrCat("`", path, "`: ", t.status().message()));
  return *t;
}

std::optional<Value> ToValue(py::handle value, const std::string& path) {
  PyObject* object = value.ptr();
  if (object == Py_None) return std::nullopt;
  if (PyBool_Check(object)) return Value::Bool(object == Py_True);
  if (PyLong_CheckExact(object)) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(object, &overflow);
    if (overflow == 0) return Value::Int(static_cast<int64_t>(v));
  } else if (PyUnicode_Check(object)) {
    return Value::String(RequireStr(value, path, false));
  } else if (PyList_Check(object) || PyTuple_Check(object)) {
    std::optional<Value> converted;
    if (TryListValue(value, &converted)) return converted;
  }
  // Everything else (a float, a dict, a mixed list, an int out of range) becomes what its JSON
  // text would become in a JSON request: the same opaque value, so that both forms decide
  // alike.
  absl::StatusOr<std::optional<Value>> parsed = ParseJsonValue(JsonText(value, path));
  if (!parsed.ok()) RequestError(absl::StrCat("`", path, "`: ", parsed.status().message()));
  return *std::move(parsed);
}

Request BuildRequest(const RequestArgs& args) {
  Request request;
  if (args.subject.is_none()) RequestError("missing required argument `subject`");
  request.subject = ToIdentityRef(args.subject, "subject");
  if (args.action.is_none()) RequestError("missing required argument `action`");
  request.action = RequireStr(args.action, "action", true);
  if (args.resource.is_none()) RequestError("missing required argument `resource`");
  request.resource = ToResourceRef(args.resource);
  if (!args.context.is_none()) ToAttributes(args.context, "context", &request.context);
  if (!args.on_behalf_of.is_none()) {
    if (PyUnicode_Check(args.on_behalf_of.ptr()) || PyDict_Check(args.on_behalf_of.ptr()) ||
        !(PyList_Check(args.on_behalf_of.ptr()) || PyTuple_Check(args.on_behalf_of.ptr()))) {
      TypeError(absl::StrCat("`on_behalf_of` must be a list of identities, not ",
                             DescribeType(args.on_behalf_of)));
    }
    const size_t size = py::len(args.on_behalf_of);
    // A bare (kind, id) pair is a likely slip for [(kind, id)]: say so rather than reading
    // "user" as an identity.
    if (size > 0 && PyUnicode_Check(args.on_behalf_of[py::int_(0)].ptr())) {
      TypeError(
          "`on_behalf_of` must be a list of identities, e.g. [(\"user\", \"u3\")], not a "
          "single identity");
    }
    if (absl::Status s = CheckChainLength("on_behalf_of", size); !s.ok()) {
      RequestError(std::string(s.message()));
    }
    request.on_behalf_of.reserve(size);
    for (size_t i = 0; i < size; ++i) {
      request.on_behalf_of.push_back(
          ToIdentityRef(args.on_behalf_of[py::int_(i)], absl::StrCat("on_behalf_of[", i, "]")));
    }
  }
  if (!args.args.is_none()) {
    const std::string text = ArgsJsonText(args.args, "args");
    absl::Status status = SetArgsJson(text, &request);
    if (!status.ok()) RequestError(absl::StrCat("`args`: ", status.message()));
  }
  if (!args.approval.is_none()) {
    request.approval = RequireStr(args.approval, "approval", false);
    // An empty token means none, as in the other bindings.
    if (!request.approval.empty()) {
      if (absl::Status s = CheckApprovalToken("approval", request.approval); !s.ok()) {
        RequestError(std::string(s.message()));
      }
    }
  }
  if (!args.now.is_none()) {
    if (PyUnicode_Check(args.now.ptr())) {
      absl::StatusOr<absl::Time> t = ParseTimestamp(RequireStr(args.now, "now", false));
      if (!t.ok()) RequestError(absl::StrCat("`now`: ", t.status().message()));
      request.now = *t;
    } else if (IsDateTime(args.now)) {
      request.now = DateTimeToTime(args.now, "now");
    } else {
      TypeError(absl::StrCat("`now` must be an RFC 3339 str or a datetime, not ",
                             DescribeType(args.now)));
    }
  }
  return request;
}

std::string PathOf(py::handle value, const char* what) {
  if (!(PyUnicode_Check(value.ptr()) || PyBytes_Check(value.ptr()) ||
        PyObject_HasAttrString(value.ptr(), "__fspath__"))) {
    TypeError(absl::StrCat("`", what, "` must be a path (str, bytes or os.PathLike), not ",
                           DescribeType(value)));
  }
  return (*g_fspath)(value).cast<std::string>();
}

absl::string_view TextOf(py::handle value, const char* what, std::string* storage) {
  PyObject* object = value.ptr();
  if (PyUnicode_Check(object)) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(object, &size);
    if (data == nullptr) throw py::error_already_set();
    return absl::string_view(data, static_cast<size_t>(size));
  }
  if (PyBytes_Check(object)) {
    return absl::string_view(PyBytes_AS_STRING(object),
                             static_cast<size_t>(PyBytes_GET_SIZE(object)));
  }
  if (PyByteArray_Check(object)) {
    storage->assign(PyByteArray_AS_STRING(object),
                    static_cast<size_t>(PyByteArray_GET_SIZE(object)));
    return *storage;
  }
  if (PyMemoryView_Check(object)) {
    py::object bytes = py::reinterpret_steal<py::object>(PyBytes_FromObject(object));
    if (!bytes) throw py::error_already_set();
    storage->assign(PyBytes_AS_STRING(bytes.ptr()),
                    static_cast<size_t>(PyBytes_GET_SIZE(bytes.ptr())));
    return *storage;
  }
  TypeError(absl::StrCat("`", what, "` must be a str or bytes, not ", DescribeType(value)));
}

std::string JsonText(py::handle value, const std::string& what) {
  try {
    return (*g_json_dumps)(value, py::arg("allow_nan") = false).cast<std::string>();
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_TypeError) && !e.matches(PyExc_ValueError)) throw;
    TypeError(
        absl::StrCat("`", what, "` has no JSON form (", DescribeType(value), "): ", e.what()));
  }
}

}  // namespace ward::python
