package ward

/*
#include "ward.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"
	"unsafe"
)

// request lays r out in the arena as a ward_request.
func (a *arena) request(r *Request) (*C.ward_request, error) {
	if r == nil {
		return nil, newError(CategoryInvalidArgument, "request: nil")
	}
	out := (*C.ward_request)(a.alloc(C.sizeof_ward_request))
	out.subject = a.identity(r.Subject)
	out.action = a.str(r.Action)
	out.resource_type = a.str(r.Resource.Type)
	out.resource_id = a.str(r.Resource.ID)
	var err error
	if out.resource_attrs, out.resource_attr_count, err = a.attrs("resource.attrs", r.Resource.Attrs); err != nil {
		return nil, err
	}
	if out.context, out.context_count, err = a.attrs("context", r.Context); err != nil {
		return nil, err
	}
	if len(r.OnBehalfOf) > 0 {
		p := a.alloc(uintptr(len(r.OnBehalfOf)) * C.sizeof_ward_identity_ref)
		chain := unsafe.Slice((*C.ward_identity_ref)(p), len(r.OnBehalfOf))
		for i, id := range r.OnBehalfOf {
			chain[i] = a.identity(id)
		}
		out.on_behalf_of = (*C.ward_identity_ref)(p)
		out.on_behalf_of_count = C.size_t(len(r.OnBehalfOf))
	}
	if !r.Now.IsZero() {
		out.has_now = 1
		out.now_unix_seconds = C.int64_t(r.Now.Unix())
	}
	if out.args, out.args_count, err = a.attrs("args", r.Args); err != nil {
		return nil, err
	}
	out.args_json = a.bytes(r.ArgsJSON)
	out.approval = a.str(r.Approval)
	return out, nil
}

func (a *arena) identity(id Identity) C.ward_identity_ref {
	return C.ward_identity_ref{kind: C.ward_kind(id.Kind), id: a.str(id.ID)}
}

// attrs lays out a map of named values, sorted by name so that what the library reports
// first never depends on the map's order. Entries whose value is nil are left out.
func (a *arena) attrs(field string, values map[string]any) (*C.ward_attr, C.size_t, error) {
	names := make([]string, 0, len(values))
	for name, value := range values {
		if value != nil {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil, 0, nil
	}
	sort.Strings(names)
	p := a.alloc(uintptr(len(names)) * C.sizeof_ward_attr)
	list := unsafe.Slice((*C.ward_attr)(p), len(names))
	for i, name := range names {
		list[i].name = a.str(name)
		if err := a.value(&list[i].value, values[name]); err != nil {
			return nil, 0, newError(CategoryRequest, fmt.Sprintf("%s.%s: %v", field, name, err))
		}
	}
	return (*C.ward_attr)(p), C.size_t(len(names)), nil
}

// value converts one Go value (see Request).
func (a *arena) value(out *C.ward_value, v any) error {
	setInt := func(i int64) {
		out._type = C.WARD_VALUE_INT
		out.integer = C.int64_t(i)
	}
	switch v := v.(type) {
	case string:
		out._type = C.WARD_VALUE_STRING
		out.string = a.str(v)
	case bool:
		out._type = C.WARD_VALUE_BOOL
		if v {
			out.boolean = 1
		}
	case int:
		setInt(int64(v))
	case int8:
		setInt(int64(v))
	case int16:
		setInt(int64(v))
	case int32:
		setInt(int64(v))
	case int64:
		setInt(v)
	case uint8:
		setInt(int64(v))
	case uint16:
		setInt(int64(v))
	case uint32:
		setInt(int64(v))
	case uint:
		if uint64(v) > math.MaxInt64 {
			return fmt.Errorf("%d is out of the integers' range", v)
		}
		setInt(int64(v))
	case uint64:
		if v > math.MaxInt64 {
			return fmt.Errorf("%d is out of the integers' range", v)
		}
		setInt(int64(v))
	case time.Time:
		out._type = C.WARD_VALUE_TIMESTAMP
		out.integer = C.int64_t(v.Unix())
	case []string:
		out._type = C.WARD_VALUE_STRING_SET
		out.strings, out.count = a.strs(v)
	case []int64:
		out._type = C.WARD_VALUE_INT_SET
		out.integers, out.count = a.ints(len(v), func(i int) int64 { return v[i] })
	case []int:
		out._type = C.WARD_VALUE_INT_SET
		out.integers, out.count = a.ints(len(v), func(i int) int64 { return int64(v[i]) })
	case json.RawMessage:
		out._type = C.WARD_VALUE_JSON
		out.string = a.bytes(v)
	default:
		text, err := json.Marshal(v)
		if err != nil {
			return err
		}
		out._type = C.WARD_VALUE_JSON
		out.string = a.bytes(text)
	}
	return nil
}

func (a *arena) ints(n int, at func(int) int64) (*C.int64_t, C.size_t) {
	if n == 0 {
		return nil, 0
	}
	p := a.alloc(uintptr(n) * 8)
	list := unsafe.Slice((*C.int64_t)(p), n)
	for i := range list {
		list[i] = C.int64_t(at(i))
	}
	return (*C.int64_t)(p), C.size_t(n)
}
