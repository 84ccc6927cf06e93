package ward

/*
#include <stdlib.h>
#include "ward.h"
*/
import "C"

import "unsafe"

// arena holds the C memory of one call's arguments: the structures the library reads (a
// request, engine options, key lists) point to each other and to their strings, so they
// must live outside Go's heap. Everything is freed at once by free.
type arena struct {
	blocks []unsafe.Pointer
	block  unsafe.Pointer
	used   uintptr
	size   uintptr
}

const arenaBlock = 4096

// alloc returns n zeroed bytes aligned for any of the C interface's structures.
func (a *arena) alloc(n uintptr) unsafe.Pointer {
	const align = 8
	used := (a.used + align - 1) &^ (align - 1)
	if a.block == nil || used+n > a.size {
		size := uintptr(arenaBlock)
		if n > size {
			size = n
		}
		a.block = C.malloc(C.size_t(size)) // cgo's malloc never returns nil
		a.blocks = append(a.blocks, a.block)
		a.size = size
		used = 0
	}
	p := unsafe.Add(a.block, used)
	a.used = used + n
	zero := unsafe.Slice((*byte)(p), n)
	for i := range zero {
		zero[i] = 0
	}
	return p
}

func (a *arena) free() {
	for _, b := range a.blocks {
		C.free(b)
	}
	a.blocks, a.block, a.used, a.size = nil, nil, 0, 0
}

// str copies s into the arena.
func (a *arena) str(s string) C.ward_str {
	if len(s) == 0 {
		return C.ward_str{}
	}
	p := a.alloc(uintptr(len(s)) + 1)
	copy(unsafe.Slice((*byte)(p), len(s)), s)
	return C.ward_str{data: (*C.char)(p), len: C.size_t(len(s))}
}

// bytes copies b into the arena.
func (a *arena) bytes(b []byte) C.ward_str {
	if len(b) == 0 {
		return C.ward_str{}
	}
	p := a.alloc(uintptr(len(b)) + 1)
	copy(unsafe.Slice((*byte)(p), len(b)), b)
	return C.ward_str{data: (*C.char)(p), len: C.size_t(len(b))}
}

// strs copies a list of strings into the arena: the array and its count.
func (a *arena) strs(list []string) (*C.ward_str, C.size_t) {
	if len(list) == 0 {
		return nil, 0
	}
	p := a.alloc(uintptr(len(list)) * C.sizeof_ward_str)
	out := unsafe.Slice((*C.ward_str)(p), len(list))
	for i, s := range list {
		out[i] = a.str(s)
	}
	return (*C.ward_str)(p), C.size_t(len(list))
}
