package ward

/*
#include <stdlib.h>
#include "ward.h"
*/
import "C"

import (
	"sync"
	"unsafe"
)

// Source is one source of a policy set. Name appears in diagnostics and names the rules
// that have no @id ("NAME:LINE").
type Source struct {
	Name string
	Text string
}

// Policy is a compiled policy set, from policy text, files or a bundle. Engines made from it
// keep what they need, so it may be closed as soon as they are made. It is safe for
// concurrent use; release it with Close.
type Policy struct {
	mu     sync.RWMutex
	handle *C.ward_policy
}

// Compile compiles a policy set: the sources form one set (schemas merge across them). A
// policy with errors gives an *Error of CategoryPolicy whose Issues list every diagnostic.
func Compile(sources ...Source) (*Policy, error) {
	var a arena
	defer a.free()
	var list *C.ward_source
	if len(sources) > 0 {
		p := a.alloc(uintptr(len(sources)) * C.sizeof_ward_source)
		items := unsafe.Slice((*C.ward_source)(p), len(sources))
		for i, s := range sources {
			items[i].name = a.str(s.Name)
			items[i].text = a.str(s.Text)
		}
		list = (*C.ward_source)(p)
	}
	var out *C.ward_policy
	var e *C.ward_error
	if status := C.ward_policy_compile(list, C.size_t(len(sources)), &out, &e); status != C.WARD_OK {
		return nil, takeError(status, e)
	}
	return &Policy{handle: out}, nil
}

// CompileFiles compiles the policy files at paths as one set, naming each source by its
// path as given.
func CompileFiles(paths ...string) (*Policy, error) {
	list, free, err := cPaths("paths", paths)
	if err != nil {
		return nil, err
	}
	defer free()
	var out *C.ward_policy
	var e *C.ward_error
	if status := C.ward_policy_compile_files(list, C.size_t(len(paths)), &out, &e); status != C.WARD_OK {
		return nil, takeError(status, e)
	}
	return &Policy{handle: out}, nil
}

// LoadBundle loads a bundle written by `ward compile -o` or Policy.Bundle. Every part of it
// is verified first (CategoryBundle when it does not verify). With trustedKeys (public keys,
// SPKI PEM, Ed25519), a bundle that is unsigned or not signed by one of them is refused with
// CategoryBundle; without, any bundle that verifies loads, signed or not.
func LoadBundle(bundle []byte, trustedKeys ...string) (*Policy, error) {
	var a arena
	defer a.free()
	keys, count := a.strs(trustedKeys)
	data, n := bytesArg(bundle)
	var out *C.ward_policy
	var e *C.ward_error
	if status := C.ward_policy_load_bundle(unsafe.Pointer(data), n, keys, count, &out, &e); status != C.WARD_OK {
		return nil, takeError(status, e)
	}
	return &Policy{handle: out}, nil
}

// LoadBundleFile is LoadBundle for the bundle file at path.
func LoadBundleFile(path string, trustedKeys ...string) (*Policy, error) {
	p, err := cPath("path", path)
	if err != nil {
		return nil, err
	}
	defer freePath(p)
	var a arena
	defer a.free()
	keys, count := a.strs(trustedKeys)
	var out *C.ward_policy
	var e *C.ward_error
	if status := C.ward_policy_load_bundle_file(p, keys, count, &out, &e); status != C.WARD_OK {
		return nil, takeError(status, e)
	}
	return &Policy{handle: out}, nil
}

// use runs f with the handle, unless the policy is closed.
func (p *Policy) use(f func(*C.ward_policy) error) error {
	if p == nil {
		return newError(CategoryInvalidArgument, "policy: nil")
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.handle == nil {
		return ErrClosed
	}
	return f(p.handle)
}

// Hash identifies the compiled policy; decisions carry it (Decision.PolicyHash). It is the
// same for a policy compiled from text and for its bundle. 0 after Close.
func (p *Policy) Hash() uint64 {
	var h uint64
	_ = p.use(func(c *C.ward_policy) error {
		h = uint64(C.ward_policy_hash(c))
		return nil
	})
	return h
}

// Warnings returns the compiler's warnings (none for a loaded bundle).
func (p *Policy) Warnings() []Issue {
	var out []Issue
	_ = p.use(func(c *C.ward_policy) error {
		n := C.ward_policy_warning_count(c)
		for i := C.size_t(0); i < n; i++ {
			var issue C.ward_issue
			if C.ward_policy_warning(c, i, &issue) == 1 {
				out = append(out, issueOf(&issue))
			}
		}
		return nil
	})
	return out
}

// Bundle writes the compiled policy as a bundle, which LoadBundle and EngineFromBundle load
// without the compiler. The same policy always gives the same bytes.
func (p *Policy) Bundle() ([]byte, error) {
	var out []byte
	err := p.use(func(c *C.ward_policy) error {
		var bytes *C.char
		var n C.size_t
		var e *C.ward_error
		if status := C.ward_policy_write_bundle(c, &bytes, &n, &e); status != C.WARD_OK {
			return takeError(status, e)
		}
		defer C.ward_string_free(bytes)
		out = append([]byte(nil), cBytes(bytes, n)...)
		return nil
	})
	return out, err
}

// SignedBundle is Bundle signed with an Ed25519 private key (PKCS#8 PEM, as
// GenerateSigningKey makes it): a loader that trusts the matching public key accepts it.
// CategoryKey when the key is not an unencrypted Ed25519 private key.
func (p *Policy) SignedBundle(privateKeyPEM string) ([]byte, error) {
	var out []byte
	err := p.use(func(c *C.ward_policy) error {
		key := C.CString(privateKeyPEM)
		defer C.free(unsafe.Pointer(key))
		var bytes *C.char
		var n C.size_t
		var e *C.ward_error
		status := C.ward_policy_write_bundle_signed(c, key, C.size_t(len(privateKeyPEM)), &bytes, &n, &e)
		if status != C.WARD_OK {
			return takeError(status, e)
		}
		defer C.ward_string_free(bytes)
		out = append([]byte(nil), cBytes(bytes, n)...)
		return nil
	})
	return out, err
}

// Close releases the policy. Engines made from it are not affected. Closing twice is
// harmless.
func (p *Policy) Close() error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	C.ward_policy_free(p.handle)
	p.handle = nil
	return nil
}

// cPaths copies paths into C memory as an array of NUL-terminated strings.
func cPaths(argument string, paths []string) (**C.char, func(), error) {
	if len(paths) == 0 {
		return nil, func() {}, nil
	}
	list := (**C.char)(C.malloc(C.size_t(len(paths)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	items := unsafe.Slice(list, len(paths))
	for i := range items {
		items[i] = nil
	}
	free := func() {
		for _, p := range items {
			freePath(p)
		}
		C.free(unsafe.Pointer(list))
	}
	for i, path := range paths {
		p, err := cPath(argument, path)
		if err != nil {
			free()
			return nil, nil, err
		}
		items[i] = p
	}
	return list, free, nil
}
