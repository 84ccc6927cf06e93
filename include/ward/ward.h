// ward: a policy-decision library for AI systems. This header brings in the whole C++ API:
//
//   ward/compile.h      policy text or files to a ward::Policy (Compile, LoadPolicyFiles)
//   ward/engine.h       ward::Engine: decisions, explanations, entity updates, hot reload
//   ward/decision.h     ward::Decision: effect, reason, rules, obligations, JSON form
//   ward/request.h      ward::Request: who asks to do what to which resource
//   ward/entities.h     identities and resources (the inventory), from JSON or a file
//   ward/approval.h     signing keys and grants for require_approval rules
//   ward/bundle.h       compiled policies as signed files (LoadBundleFile)
//   ward/redact.h       applying a decision's redaction obligations to text
//   ward/errors.h       the category of every error (policy, entity, request, bundle, io,
//                       key, ...), which every binding maps one for one
//   ward/schema.h, ward/value.h, ward/policy.h, ward/diagnostics.h
//
// Link ward::lang (CMake) or ward_lang; see docs/embedding.md.

#ifndef WARD_WARD_H_
#define WARD_WARD_H_

#include "ward/approval.h"         // IWYU pragma: export
#include "ward/bundle.h"           // IWYU pragma: export
#include "ward/compile.h"          // IWYU pragma: export
#include "ward/decision.h"         // IWYU pragma: export
#include "ward/diagnostics.h"      // IWYU pragma: export
#include "ward/engine.h"           // IWYU pragma: export
#include "ward/entities.h"         // IWYU pragma: export
#include "ward/errors.h"           // IWYU pragma: export
#include "ward/policy.h"           // IWYU pragma: export
#include "ward/reach.h"            // IWYU pragma: export
#include "ward/redact.h"           // IWYU pragma: export
#include "ward/request.h"          // IWYU pragma: export
#include "ward/request_builder.h"  // IWYU pragma: export
#include "ward/schema.h"           // IWYU pragma: export
#include "ward/value.h"            // IWYU pragma: export

#endif  // WARD_WARD_H_
