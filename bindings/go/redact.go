package ward

/*
#include "ward.h"
*/
import "C"

import (
	"io"
	"sync"
)

// Redact applies the redactions of the decider's last decision to text, in order, each to
// the output of the one before: the text a caller is about to release. A decision without
// redactions (every decision but an Allow that has some) gives text unchanged. It fails
// closed: when a redaction cannot be applied, CategoryRedaction and no text.
func (d *Decider) Redact(text string) (string, error) {
	if d == nil {
		return "", newError(CategoryInvalidArgument, "decider: nil")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.handle == nil {
		return "", ErrClosed
	}
	if d.decision != nil && (d.decision.Obligations == nil || len(d.decision.Obligations.Redactions) == 0) {
		return text, nil
	}
	var a arena
	defer a.free()
	in := a.str(text)
	if in.data == nil {
		in = C.ward_str{data: (*C.char)(a.alloc(1))}
	}
	var out *C.char
	var n C.size_t
	var e *C.ward_error
	if status := C.ward_decision_redact(d.handle, in.data, in.len, &out, &n, &e); status != C.WARD_OK {
		return "", takeError(status, e)
	}
	defer C.ward_string_free(out)
	return string(cBytes(out, n)), nil
}

// Redactor applies a decision's redactions to output that arrives in chunks (a model's
// streamed response) and writes each piece to its destination once no redaction can change
// it any more. Whatever the split into chunks, what it writes in all is exactly what
// Decider.Redact gives for the whole text, also when a match spans chunks. It holds back
// only as much text as the longest match of the patterns (at most 4 KiB in all); a pattern
// that can match unboundedly long text makes it hold everything until Close, up to 16 MiB.
//
// It fails closed: after a failed Write every call fails and nothing more is written. A
// Redactor belongs to one goroutine at a time.
type Redactor struct {
	mu     sync.Mutex
	handle *C.ward_redactor
	dst    io.Writer
	err    error
}

// NewRedactor returns a Redactor for the redactions of the decider's last decision, writing
// to dst. It keeps its own copy of them: the decider may decide again at once. The Redactor
// must be finished with Close (which writes the rest) or dropped with Discard.
// CategoryRedaction when a redaction cannot be applied.
func (d *Decider) NewRedactor(dst io.Writer) (*Redactor, error) {
	if d == nil {
		return nil, newError(CategoryInvalidArgument, "decider: nil")
	}
	if dst == nil {
		return nil, newError(CategoryInvalidArgument, "dst: nil")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.handle == nil {
		return nil, ErrClosed
	}
	var handle *C.ward_redactor
	var e *C.ward_error
	if status := C.ward_redactor_new(d.handle, &handle, &e); status != C.WARD_OK {
		return nil, takeError(status, e)
	}
	return &Redactor{handle: handle, dst: dst}, nil
}

// step runs one write or the finish and writes what it releases to the destination.
func (r *Redactor) step(chunk []byte, finish bool) error {
	if r.err != nil {
		return r.err
	}
	if r.handle == nil {
		return ErrClosed
	}
	var out *C.char
	var n C.size_t
	var e *C.ward_error
	var status C.ward_status
	if finish {
		status = C.ward_redactor_finish(r.handle, &out, &n, &e)
	} else {
		data, size := bytesArg(chunk)
		status = C.ward_redactor_write(r.handle, data, size, &out, &n, &e)
	}
	if status != C.WARD_OK {
		r.err = takeError(status, e)
		return r.err
	}
	defer C.ward_string_free(out)
	if n > 0 {
		if _, err := r.dst.Write(cBytes(out, n)); err != nil {
			r.err = err
			return err
		}
	}
	return nil
}

// Write takes the next chunk and writes to the destination the text that is now final,
// possibly none. It returns len(chunk) when it succeeds, else 0 and the error
// (CategoryRedaction, or the destination's error).
func (r *Redactor) Write(chunk []byte) (int, error) {
	if r == nil {
		return 0, newError(CategoryInvalidArgument, "redactor: nil")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.step(chunk, false); err != nil {
		return 0, err
	}
	return len(chunk), nil
}

// Close ends the stream: it writes the rest to the destination and releases the redactor.
// After a failed Write it writes nothing and returns that failure. Closing twice returns nil.
func (r *Redactor) Close() error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.handle == nil {
		return nil
	}
	err := r.step(nil, true)
	C.ward_redactor_free(r.handle)
	r.handle = nil
	return err
}

// Discard releases the redactor without writing what it holds.
func (r *Redactor) Discard() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	C.ward_redactor_free(r.handle)
	r.handle = nil
	if r.err == nil {
		r.err = ErrClosed
	}
}
