package ward

// The header is found next to this folder in ward's source tree, or through CGO_CFLAGS
// (-I DIR) where ward is installed; the library through CGO_LDFLAGS (-L DIR, and
// -Wl,-rpath,DIR when it is not on the loader's path).

/*
#cgo CFLAGS: -I${SRCDIR}/../c
#cgo LDFLAGS: -lward
#include <stdlib.h>
#include "ward.h"
*/
import "C"

import (
	"strings"
	"unsafe"
)

// Version is the version of the loaded library, "MAJOR.MINOR.PATCH".
func Version() string { return C.GoString(C.ward_version()) }

// goString copies a string that the library gives out.
func goString(s C.ward_str) string { return string(cBytes(s.data, s.len)) }

// cBytes views n bytes of C memory at p, without copying: copy them out (string(...),
// append) before the memory is freed. C.GoStringN and C.GoBytes take a C int, which would
// cut a redacted text or a bundle larger than 2 GiB short or panic.
func cBytes(p *C.char, n C.size_t) []byte {
	if p == nil || n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n))
}

// cPath copies a file path into C memory, NUL-terminated; free it with C.free. A path that
// holds a NUL byte cannot be passed on.
func cPath(argument, path string) (*C.char, error) {
	if strings.IndexByte(path, 0) >= 0 {
		return nil, newError(CategoryInvalidArgument, argument+": a path must not hold a NUL byte")
	}
	return C.CString(path), nil
}

// freePath frees what cPath returned (nil included).
func freePath(p *C.char) {
	if p != nil {
		C.free(unsafe.Pointer(p))
	}
}

// bytesArg passes Go bytes that the library only reads during the call: no copy. Empty
// bytes are passed as NULL, which the library reads as the empty string.
func bytesArg(b []byte) (*C.char, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// emptyText is a C string of length 0, for arguments where NULL means "none" rather than
// the empty text.
var emptyText = (*C.char)(C.calloc(1, 1))

// textArg is bytesArg for arguments where NULL means "none": nil passes NULL, and empty
// (non-nil) bytes pass the empty text.
func textArg(b []byte) (*C.char, C.size_t) {
	if b == nil {
		return nil, 0
	}
	if len(b) == 0 {
		return emptyText, 0
	}
	return bytesArg(b)
}
