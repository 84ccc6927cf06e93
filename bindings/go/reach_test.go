package ward_test

import (
	"testing"
	"time"

	"ward.dev/ward"
)

func TestWhatMayListsAccessesWithConditions(t *testing.T) {
	engine := newEngine(t, nil)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	reach, err := engine.WhatMay(&ward.ReachQuery{
		Subject:    ward.Identity{Kind: ward.Agent, ID: "a1"},
		OnBehalfOf: []ward.Identity{{Kind: ward.User, ID: "u1"}},
		Now:        now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if reach.Stopped != nil || reach.Reached != 2 || len(reach.Accesses) != 2 {
		t.Fatalf("reach: %+v", reach)
	}
	// pay: approval when the amount is capped (the forbid on args), unless the channel is
	// public (the forbid on context, left open).
	pay := reach.Accesses[0]
	if pay.Resource.ID != "pay" || pay.Effect != ward.NeedsApproval ||
		pay.Condition != `args has amount and args.amount <= 1000 and `+
			`not (context has channel and context.channel == "public")` {
		t.Errorf("pay: %+v", pay)
	}
	// With the context known, only args stay open.
	reach, err = engine.WhatMay(&ward.ReachQuery{
		Subject: ward.Identity{Kind: ward.Agent, ID: "a1"},
		Context: map[string]any{"channel": "public"},
		Now:     now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if reach.Reached != 0 {
		t.Errorf("a public channel reaches no tool: %+v", reach)
	}
	reach, err = engine.WhatMay(&ward.ReachQuery{
		Subject: ward.Identity{Kind: ward.Agent, ID: "a1"},
		Context: map[string]any{},
		Now:     now,
	})
	if err != nil {
		t.Fatal(err)
	}
	var search *ward.Access
	for i := range reach.Accesses {
		if reach.Accesses[i].Resource.ID == "search" {
			search = &reach.Accesses[i]
		}
	}
	if search == nil || search.Effect != ward.Allow || search.Condition != "" ||
		len(search.Rules) != 1 || search.Rules[0] != "agents-invoke" {
		t.Errorf("search: %+v", search)
	}
}

func TestWhatMayReportsTheGuardAndRefusesBadQueries(t *testing.T) {
	engine := newEngine(t, nil)
	reach, err := engine.WhatMay(&ward.ReachQuery{Subject: ward.Identity{Kind: ward.User, ID: "ghost"}})
	if err != nil {
		t.Fatal(err)
	}
	if reach.Stopped == nil || reach.Stopped.Reason != ward.ReasonUnknownIdentity ||
		reach.Stopped.Identity.ID != "ghost" {
		t.Errorf("ghost: %+v", reach)
	}
	_, err = engine.WhatMayJSON([]byte(`{"subject": {"kind": "robot", "id": "x"}}`))
	category(t, "bad kind", err, ward.CategoryInvalidArgument, "invalid_argument")
	_, err = engine.WhatMay(&ward.ReachQuery{
		Subject:     ward.Identity{Kind: ward.User, ID: "u1"},
		Sensitivity: map[string]string{"tool": "risk"},
	})
	if err == nil {
		t.Error("a string attribute cannot weigh a resource type")
	}
	if _, err := engine.WhatMay(nil); err == nil {
		t.Error("a nil query is an error")
	}
}
