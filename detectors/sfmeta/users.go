package sfmeta

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Users and permission-set assignments come from `sf data query … --json` output saved next to
// the metadata (users.json, permissionset-assignments.json). Accepted shapes:
//
//	{"status":0,"result":{"records":[…],"totalSize":n}}   sf --json
//	{"records":[…]}                                        REST query response
//	[…]                                                     bare records (sf --result-format json)
//
// A record is a user (Username, IsActive, Profile.Name, optionally a PermissionSetAssignments
// sub-query) or an assignment (Assignee.Username, PermissionSet.Name).

type queryEnvelope struct {
	Status  *int            `json:"status"`
	Message string          `json:"message"`
	Name    string          `json:"name"`
	Result  json.RawMessage `json:"result"`
	Records json.RawMessage `json:"records"`
}

type nameRef struct {
	Name             string `json:"Name"`
	Label            string `json:"Label"`
	IsOwnedByProfile bool   `json:"IsOwnedByProfile"`
}

type record struct {
	Username                 string   `json:"Username"`
	IsActive                 *bool    `json:"IsActive"`
	Profile                  *nameRef `json:"Profile"`
	PermissionSetAssignments *struct {
		Records []struct {
			PermissionSet *nameRef `json:"PermissionSet"`
		} `json:"records"`
	} `json:"PermissionSetAssignments"`
	// Assignment records (SELECT Assignee.Username, PermissionSet.Name FROM PermissionSetAssignment).
	Assignee *struct {
		Username string `json:"Username"`
	} `json:"Assignee"`
	PermissionSet *nameRef `json:"PermissionSet"`
}

// AddUsersJSON adds the users and/or permission-set assignments in data (the output of
// `sf data query --json`, a REST query response, or a bare records array). Usernames are
// matched case-insensitively; assignments for users not (yet) listed create a user whose
// profile and active state are unknown.
func (o *Org) AddUsersJSON(data []byte) error {
	if len(data) > MaxFileSize {
		return fmt.Errorf("file larger than %d MiB", MaxFileSize>>20)
	}
	recs, err := records(data)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range recs {
		switch {
		case r.Username != "":
			u := o.userLocked(r.Username)
			u.Username = strings.TrimSpace(r.Username)
			if r.IsActive != nil {
				u.Active, u.ActiveKnown = *r.IsActive, true
			}
			if r.Profile != nil && r.Profile.Name != "" {
				u.Profile = r.Profile.Name
			}
			if r.PermissionSetAssignments != nil {
				for _, a := range r.PermissionSetAssignments.Records {
					if a.PermissionSet != nil {
						u.addPermissionSet(*a.PermissionSet)
					}
				}
			}
		case r.Assignee != nil && r.Assignee.Username != "" && r.PermissionSet != nil:
			o.userLocked(r.Assignee.Username).addPermissionSet(*r.PermissionSet)
		}
	}
	return nil
}

func records(data []byte) ([]record, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New("empty file")
	}
	var recs []record
	if data[0] == '[' {
		if err := json.Unmarshal(data, &recs); err != nil {
			return nil, jsonError(err)
		}
		return recs, nil
	}
	var env queryEnvelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, jsonError(err)
	}
	if env.Status != nil && *env.Status != 0 {
		// sf --json reports failures with a non-zero status and a message (no records).
		return nil, fmt.Errorf("sf reported status %d (%s): not query results", *env.Status, oneLine(env.Name))
	}
	raw := env.Records
	if len(env.Result) > 0 && string(env.Result) != "null" {
		var inner queryEnvelope
		if env.Result[0] == '[' {
			raw = env.Result
		} else if err := json.Unmarshal(env.Result, &inner); err != nil {
			return nil, jsonError(err)
		} else {
			raw = inner.Records
		}
	}
	if len(raw) == 0 || string(raw) == "null" {
		return nil, errors.New(`no "records" array (expected sf data query --json output)`)
	}
	if err := json.Unmarshal(raw, &recs); err != nil {
		return nil, jsonError(err)
	}
	return recs, nil
}

// jsonError keeps a decoder error to one line without quoting input.
func jsonError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("invalid JSON: %s is %s, want %s", te.Field, te.Value, te.Type)
	}
	return errors.New(oneLine(err.Error()))
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// userLocked returns the user for username, creating it. o.mu must be held.
func (o *Org) userLocked(username string) *User {
	k := strings.ToLower(strings.TrimSpace(username))
	u := o.Users[k]
	if u == nil {
		u = &User{Username: strings.TrimSpace(username)}
		o.Users[k] = u
	}
	return u
}

func (u *User) addPermissionSet(ps nameRef) {
	// A profile's own permission set (IsOwnedByProfile, names like X00e…) is the profile,
	// already counted through Profile.
	if ps.IsOwnedByProfile || ps.Name == "" {
		return
	}
	for _, have := range u.PermissionSets {
		if strings.EqualFold(have, ps.Name) {
			return
		}
	}
	u.PermissionSets = append(u.PermissionSets, ps.Name)
}
