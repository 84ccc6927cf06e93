package ward

/*
#include <stdlib.h>
#include "ward.h"
*/
import "C"

import "time"

// GenerateSigningKey makes a new Ed25519 key pair from the system's random source, as PEM
// text: the private key (PKCS#8: keep it secret; it signs grants and bundles) and the public
// key (SPKI: give it to engines, in Options.ApprovalKeys or Options.TrustedBundleKeys, and
// to bundle loaders).
func GenerateSigningKey() (privateKeyPEM, publicKeyPEM string, err error) {
	var private, public *C.char
	var e *C.ward_error
	if status := C.ward_keygen(&private, &public, &e); status != C.WARD_OK {
		return "", "", takeError(status, e)
	}
	defer C.ward_string_free(private)
	defer C.ward_string_free(public)
	return C.GoString(private), C.GoString(public), nil
}

// GrantOptions are the optional parts of a grant.
type GrantOptions struct {
	// TTL is how long the grant is valid, in whole seconds; 0 means 15 minutes.
	TTL time.Duration
	// IssuedAt is when the grant becomes valid (whole seconds); the zero time means now.
	IssuedAt time.Time
	// JTI is the grant's unique id, at most 128 bytes; empty means 128 random bits.
	JTI string
}

// MintGrant signs a grant: the approval, by the user approver, of the request whose approval
// digest is digest (Decision.ApprovalDigest, or Engine.ApprovalDigest). privateKeyPEM is the
// approval service's Ed25519 private key (PKCS#8 PEM). The token goes in the request's
// Approval (or the request JSON's "approval"); an engine that trusts the matching public key
// accepts it once, if the policy allows the approver action `approve` on the resource.
//
// CategoryKey when the key is not an unencrypted Ed25519 private key;
// CategoryInvalidArgument for a malformed digest, an empty approver or a negative TTL.
func MintGrant(digest, approver, privateKeyPEM string, options *GrantOptions) (string, error) {
	var o GrantOptions
	if options != nil {
		o = *options
	}
	if o.TTL%time.Second != 0 {
		return "", newError(CategoryInvalidArgument, "ttl: must be a whole number of seconds")
	}
	var a arena
	defer a.free()
	key := a.str(privateKeyPEM)
	var issuedAt *C.int64_t
	if !o.IssuedAt.IsZero() {
		issuedAt = (*C.int64_t)(a.alloc(8))
		*issuedAt = C.int64_t(o.IssuedAt.Unix())
	}
	var token *C.char
	var e *C.ward_error
	status := C.ward_grant_mint(key.data, key.len, a.str(digest), a.str(approver),
		C.int64_t(o.TTL/time.Second), issuedAt, a.str(o.JTI), &token, &e)
	if status != C.WARD_OK {
		return "", takeError(status, e)
	}
	defer C.ward_string_free(token)
	return C.GoString(token), nil
}

// Approve is the approval service's step for a request it has shown a person who said yes:
// it computes the request's digest under the engine's policy (ApprovalDigest) and signs a
// grant for exactly that request (MintGrant), so that the grant never approves a digest the
// service was merely handed.
func (e *Engine) Approve(r *Request, approver, privateKeyPEM string, options *GrantOptions) (string, error) {
	digest, err := e.ApprovalDigest(r)
	if err != nil {
		return "", err
	}
	return MintGrant(digest, approver, privateKeyPEM, options)
}
