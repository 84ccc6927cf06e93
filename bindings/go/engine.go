package ward

/*
#include <stdlib.h>
#include "ward.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// Options are what an engine trusts and where its entities come from. The zero value (or a
// nil *Options) means no entities, no key of either kind and the default capacity.
type Options struct {
	// EntitiesFile is the path of an entity file (docs/semantics.md#entities), validated
	// against the policy's schema. At most one of EntitiesFile and EntitiesJSON may be set;
	// with neither, the engine starts with no identities and no resources.
	EntitiesFile string
	// EntitiesJSON is the text of an entity file. nil means none; empty text is an entity
	// file that does not parse.
	EntitiesJSON []byte
	// ApprovalKeys are the public keys (SPKI PEM, Ed25519) of the approval services whose
	// grants the engine accepts. None: every grant is refused, with an error entry.
	ApprovalKeys []string
	// TrustedBundleKeys are, for the constructors that load a bundle, the public keys one of
	// which must have signed it: with any, an unsigned or badly signed bundle is refused
	// (CategoryBundle). The constructors that compile policy text only check that they are
	// keys.
	TrustedBundleKeys []string
	// MaxUsedGrants is the most used grants the engine remembers at once (each until it
	// expires); while it holds that many, further grants are refused. 0: the default,
	// 1048576.
	MaxUsedGrants int
}

// Engine decides requests against a policy and the entities. It is safe for concurrent use
// by any number of goroutines, updates and reloads included. Release it with Close.
type Engine struct {
	// mu is held for reading by every call on the handle and for writing by Close, which so
	// waits for the calls running and makes the later ones fail with ErrClosed.
	mu     sync.RWMutex
	handle *C.ward_engine
	// spare holds decisions to decide into, so that Decide does not create one per call.
	spare chan *C.ward_decision
}

// options lays o out in the arena; nil when o is nil.
func (a *arena) options(o *Options) (*C.ward_engine_options, error) {
	if o == nil {
		return nil, nil
	}
	if o.MaxUsedGrants < 0 {
		return nil, newError(CategoryInvalidArgument, "max_used_grants: must not be negative")
	}
	out := (*C.ward_engine_options)(a.alloc(C.sizeof_ward_engine_options))
	out.approval_keys, out.approval_key_count = a.strs(o.ApprovalKeys)
	out.trusted_bundle_keys, out.trusted_bundle_key_count = a.strs(o.TrustedBundleKeys)
	out.max_used_grants = C.size_t(o.MaxUsedGrants)
	return out, nil
}

// entities checks that at most one source of entities is given.
func (o *Options) entities() (file string, text []byte, err error) {
	if o == nil {
		return "", nil, nil
	}
	if o.EntitiesFile != "" && o.EntitiesJSON != nil {
		return "", nil, newError(CategoryInvalidArgument,
			"entities: give EntitiesFile or EntitiesJSON, not both")
	}
	return o.EntitiesFile, o.EntitiesJSON, nil
}

func newEngine(handle *C.ward_engine) *Engine {
	n := 2 * runtime.GOMAXPROCS(0)
	if n < 4 {
		n = 4
	}
	return &Engine{handle: handle, spare: make(chan *C.ward_decision, n)}
}

// finish completes a constructor that took entities as JSON (or none): entities from a file
// are loaded now.
func finish(handle *C.ward_engine, file string) (*Engine, error) {
	engine := newEngine(handle)
	if file != "" {
		if err := engine.LoadEntitiesFile(file); err != nil {
			engine.Close()
			return nil, err
		}
	}
	return engine, nil
}

// NewEngine makes an engine for a compiled policy. The policy may be closed afterwards.
func NewEngine(policy *Policy, options *Options) (*Engine, error) {
	file, text, err := options.entities()
	if err != nil {
		return nil, err
	}
	var a arena
	defer a.free()
	opts, err := a.options(options)
	if err != nil {
		return nil, err
	}
	var handle *C.ward_engine
	err = policy.use(func(p *C.ward_policy) error {
		data, n := textArg(text)
		var e *C.ward_error
		if status := C.ward_engine_new(p, data, n, opts, &handle, &e); status != C.WARD_OK {
			return takeError(status, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return finish(handle, file)
}

// EngineFromFiles compiles the policy files at paths as one set and makes an engine for it.
// Compile errors give an *Error of CategoryPolicy with its Issues.
func EngineFromFiles(paths []string, options *Options) (*Engine, error) {
	file, text, err := options.entities()
	if err != nil {
		return nil, err
	}
	if text != nil {
		policy, err := CompileFiles(paths...)
		if err != nil {
			return nil, err
		}
		defer policy.Close()
		return NewEngine(policy, options)
	}
	list, free, err := cPaths("paths", paths)
	if err != nil {
		return nil, err
	}
	defer free()
	entities, err := optionalPath("entities", file)
	if err != nil {
		return nil, err
	}
	defer freePath(entities)
	var a arena
	defer a.free()
	opts, err := a.options(options)
	if err != nil {
		return nil, err
	}
	var handle *C.ward_engine
	var e *C.ward_error
	status := C.ward_engine_from_files(list, C.size_t(len(paths)), entities, opts, &handle, &e)
	if status != C.WARD_OK {
		return nil, takeError(status, e)
	}
	return newEngine(handle), nil
}

// EngineFromSources compiles sources as one set and makes an engine for it.
func EngineFromSources(sources []Source, options *Options) (*Engine, error) {
	policy, err := Compile(sources...)
	if err != nil {
		return nil, err
	}
	defer policy.Close()
	return NewEngine(policy, options)
}

// EngineFromBundle loads a bundle (see LoadBundle) and makes an engine for it. With
// Options.TrustedBundleKeys, the bundle must be signed by one of them.
func EngineFromBundle(bundle []byte, options *Options) (*Engine, error) {
	file, text, err := options.entities()
	if err != nil {
		return nil, err
	}
	var a arena
	defer a.free()
	opts, err := a.options(options)
	if err != nil {
		return nil, err
	}
	data, n := bytesArg(bundle)
	entities, count := textArg(text)
	var handle *C.ward_engine
	var e *C.ward_error
	status := C.ward_engine_from_bundle(unsafe.Pointer(data), n, entities, count, opts, &handle, &e)
	if status != C.WARD_OK {
		return nil, takeError(status, e)
	}
	return finish(handle, file)
}

// EngineFromBundleFile is EngineFromBundle for the bundle file at path.
func EngineFromBundleFile(path string, options *Options) (*Engine, error) {
	file, text, err := options.entities()
	if err != nil {
		return nil, err
	}
	if text != nil {
		policy, err := LoadBundleFile(path, options.TrustedBundleKeys...)
		if err != nil {
			return nil, err
		}
		defer policy.Close()
		return NewEngine(policy, options)
	}
	bundle, err := cPath("path", path)
	if err != nil {
		return nil, err
	}
	defer freePath(bundle)
	entities, err := optionalPath("entities", file)
	if err != nil {
		return nil, err
	}
	defer freePath(entities)
	var a arena
	defer a.free()
	opts, err := a.options(options)
	if err != nil {
		return nil, err
	}
	var handle *C.ward_engine
	var e *C.ward_error
	if status := C.ward_engine_from_bundle_file(bundle, entities, opts, &handle, &e); status != C.WARD_OK {
		return nil, takeError(status, e)
	}
	return newEngine(handle), nil
}

func optionalPath(argument, path string) (*C.char, error) {
	if path == "" {
		return nil, nil
	}
	return cPath(argument, path)
}

// use runs f with the engine's handle, unless the engine is closed.
func (e *Engine) use(f func(*C.ward_engine) error) error {
	if e == nil {
		return newError(CategoryInvalidArgument, "engine: nil")
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.handle == nil {
		return ErrClosed
	}
	return f(e.handle)
}

// Close waits for the calls running on the engine, then releases it; later calls fail with
// ErrClosed. Closing twice is harmless.
func (e *Engine) Close() error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.handle == nil {
		return nil
	}
	C.ward_engine_free(e.handle)
	e.handle = nil
	for {
		select {
		case d := <-e.spare:
			C.ward_decision_free(d)
		default:
			return nil
		}
	}
}

// Reload puts policy in place; the next decision uses it. It fails with CategoryEntity,
// keeping the current policy, when the current entities do not fit the new schema.
func (e *Engine) Reload(policy *Policy) error {
	return e.use(func(engine *C.ward_engine) error {
		return policy.use(func(p *C.ward_policy) error {
			var err *C.ward_error
			if status := C.ward_engine_reload(engine, p, &err); status != C.WARD_OK {
				return takeError(status, err)
			}
			return nil
		})
	})
}

// PolicyHash returns the hash of the policy in place (0 once closed).
func (e *Engine) PolicyHash() uint64 {
	var h uint64
	_ = e.use(func(engine *C.ward_engine) error {
		h = uint64(C.ward_engine_policy_hash(engine))
		return nil
	})
	return h
}

// UsedGrantCount returns how many used grants the engine remembers now (see
// Options.MaxUsedGrants).
func (e *Engine) UsedGrantCount() int {
	var n int
	_ = e.use(func(engine *C.ward_engine) error {
		n = int(C.ward_engine_used_grant_count(engine))
		return nil
	})
	return n
}

// update runs one entity update, which the library validates against the current schema;
// a failed update changes nothing.
func (e *Engine) update(f func(*C.ward_engine, **C.ward_error) C.ward_status) error {
	return e.use(func(engine *C.ward_engine) error {
		var err *C.ward_error
		if status := f(engine, &err); status != C.WARD_OK {
			return takeError(status, err)
		}
		return nil
	})
}

// LoadEntities replaces every entity with those of an entity file's JSON text.
func (e *Engine) LoadEntities(entitiesJSON []byte) error {
	return e.update(func(engine *C.ward_engine, err **C.ward_error) C.ward_status {
		data, n := bytesArg(entitiesJSON)
		return C.ward_engine_load_entities(engine, data, n, err)
	})
}

// LoadEntitiesFile replaces every entity with those of the entity file at path.
func (e *Engine) LoadEntitiesFile(path string) error {
	p, err := cPath("path", path)
	if err != nil {
		return err
	}
	defer freePath(p)
	return e.update(func(engine *C.ward_engine, err **C.ward_error) C.ward_status {
		return C.ward_engine_load_entities_file(engine, p, err)
	})
}

// UpsertIdentity inserts or replaces (by id) one identity, given as one object in the
// entity file's format: {"kind": "agent", "id": "a17", "owner": "u3", "status": "active"}.
func (e *Engine) UpsertIdentity(identityJSON []byte) error {
	return e.update(func(engine *C.ward_engine, err **C.ward_error) C.ward_status {
		data, n := bytesArg(identityJSON)
		return C.ward_engine_upsert_identity(engine, data, n, err)
	})
}

// UpsertResource inserts or replaces (by type and id) one resource, given as one object in
// the entity file's format: {"type": "tool", "id": "search", "attrs": {...}}.
func (e *Engine) UpsertResource(resourceJSON []byte) error {
	return e.update(func(engine *C.ward_engine, err **C.ward_error) C.ward_status {
		data, n := bytesArg(resourceJSON)
		return C.ward_engine_upsert_resource(engine, data, n, err)
	})
}

// RevokeIdentity sets an identity's status to revoked: it is denied, and every agent or
// builder it owns becomes unowned. CategoryNotFound when there is no such identity.
func (e *Engine) RevokeIdentity(id string) error {
	return e.update(func(engine *C.ward_engine, err **C.ward_error) C.ward_status {
		data, n := bytesArg([]byte(id))
		return C.ward_engine_revoke_identity(engine, data, n, err)
	})
}

// RemoveIdentity removes an identity (ids are unique across kinds). CategoryNotFound when
// there is none.
func (e *Engine) RemoveIdentity(id string) error {
	return e.update(func(engine *C.ward_engine, err **C.ward_error) C.ward_status {
		data, n := bytesArg([]byte(id))
		return C.ward_engine_remove_identity(engine, data, n, err)
	})
}

// RemoveResource removes a resource. CategoryNotFound when there is none.
func (e *Engine) RemoveResource(resourceType, id string) error {
	return e.update(func(engine *C.ward_engine, err **C.ward_error) C.ward_status {
		t, tn := bytesArg([]byte(resourceType))
		d, dn := bytesArg([]byte(id))
		return C.ward_engine_remove_resource(engine, t, tn, d, dn, err)
	})
}
