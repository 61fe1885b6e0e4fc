package exposure

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/sfleak/sfleak/detectors"
)

// Weights are the risk model's numbers, read from the [scoring] table of rules.toml (and
// --config layers over it). Every weight is named in Exposure.ScoreFactors when it applies.
// docs/risk-model.md explains each one.
type Weights struct {
	// Max caps every score; Critical, High and Medium are the lower bounds of those bands
	// (below Medium is low).
	Max, Critical, High, Medium float64
	// ProximityLines: findings in one file within this many lines belong to one credential set.
	ProximityLines int

	// FlowEnabled / FlowDisabled start the score of a credential whose app was found in the
	// org's metadata, by the state of its client credentials flow. FlowEnabledFloor and
	// FlowDisabledCeiling keep every enabled app above every disabled one.
	FlowEnabled, FlowDisabled, FlowEnabledFloor, FlowDisabledCeiling float64
	// FlowEnabledUnrestrictedFloor keeps an enabled flow whose tokens no login IP range
	// restricts (and whose run-as user is not inactive) in the high band: detective controls
	// alone (monitoring, a policy) do not make it low risk.
	FlowEnabledUnrestrictedFloor float64

	// UserAdmin applies when the user the credential acts as has an admin profile or an
	// admin permission; else UserPowerful for a powerful permission; else UserUnknown when the
	// user or its permissions cannot be established. UserInactive applies to inactive users.
	UserAdmin, UserPowerful, UserUnknown, UserInactive float64
	// AdminProfiles, AdminPermissions and PowerfulPermissions name what counts as admin or
	// powerful (profile display names; user permission API names).
	AdminProfiles, AdminPermissions, PowerfulPermissions []string

	// SecretMissing applies when the set holds the key or the flow but no consumer secret.
	// Public applies when any location is in a public repository.
	SecretMissing, Public float64

	// Mitigations in force. RestrictedAndMonitored applies on top when login IP ranges are
	// enforced and API activity is monitored (the control's "low risk when").
	IPRangesEnforced, RealtimeMonitoring, TransactionPolicy, RestrictedAndMonitored float64
	// MonitoredEvents are real-time event entities that count as API monitoring;
	// PolicyEvents the events a transaction security policy must watch to count.
	MonitoredEvents, PolicyEvents []string

	// Bases for connected-app credentials that match no app in the org's metadata, by what
	// the leak itself shows.
	UnknownKeySecretCC, UnknownKeySecret, UnknownSecretCC, UnknownSecret, UnknownKey, UnknownCCCall float64

	// Bases for user credentials (a session or a login as a user).
	SFDXAuthURL, RefreshToken, PasswordGrant, AccessToken, JWTPrivateKey float64
}

// weightFields maps each [scoring] key to its Weights field; one table drives decoding,
// "missing" checks and factor names so they cannot drift apart.
var weightFields = []struct {
	key   string
	field string
}{
	{"max", "Max"}, {"critical", "Critical"}, {"high", "High"}, {"medium", "Medium"},
	{"proximity_lines", "ProximityLines"},
	{"flow_enabled", "FlowEnabled"}, {"flow_disabled", "FlowDisabled"},
	{"flow_enabled_floor", "FlowEnabledFloor"}, {"flow_disabled_ceiling", "FlowDisabledCeiling"},
	{"flow_enabled_unrestricted_floor", "FlowEnabledUnrestrictedFloor"},
	{"user_admin", "UserAdmin"}, {"user_powerful", "UserPowerful"}, {"user_unknown", "UserUnknown"}, {"user_inactive", "UserInactive"},
	{"admin_profiles", "AdminProfiles"}, {"admin_permissions", "AdminPermissions"}, {"powerful_permissions", "PowerfulPermissions"},
	{"secret_missing", "SecretMissing"}, {"public", "Public"},
	{"ip_ranges_enforced", "IPRangesEnforced"}, {"realtime_monitoring", "RealtimeMonitoring"},
	{"transaction_policy", "TransactionPolicy"}, {"restricted_and_monitored", "RestrictedAndMonitored"},
	{"monitored_events", "MonitoredEvents"}, {"policy_events", "PolicyEvents"},
	{"unknown_key_secret_cc", "UnknownKeySecretCC"}, {"unknown_key_secret", "UnknownKeySecret"},
	{"unknown_secret_cc", "UnknownSecretCC"}, {"unknown_secret", "UnknownSecret"},
	{"unknown_key", "UnknownKey"}, {"unknown_cc_call", "UnknownCCCall"},
	{"sfdx_auth_url", "SFDXAuthURL"}, {"refresh_token", "RefreshToken"}, {"password_grant", "PasswordGrant"},
	{"access_token", "AccessToken"}, {"jwt_private_key", "JWTPrivateKey"},
}

// LoadWeights reads the [scoring] table of each trusted layer in order; a later layer
// overrides the keys it sets. Untrusted layers (a scanned repository's .sfleak.toml) are
// skipped, and other tables are ignored (they belong to the detectors). After merging every
// weight must be set and the bands must be ordered. Errors name the layer and key:
// `rules.toml: scoring.user_admin: want a number, got "high"`.
func LoadWeights(layers ...detectors.ConfigLayer) (Weights, error) {
	var w Weights
	set := map[string]bool{}
	rv := reflect.ValueOf(&w).Elem()
	for _, l := range layers {
		if !l.Trusted {
			// A scanned repository's own .sfleak.toml must not lower its own risk scores.
			continue
		}
		var doc struct {
			Scoring map[string]any `toml:"scoring"`
		}
		if _, err := toml.Decode(string(l.Data), &doc); err != nil {
			return Weights{}, fmt.Errorf("%s: %s", l.Name, oneLine(err.Error()))
		}
		for k, v := range doc.Scoring {
			name := fieldFor(k)
			if name == "" {
				return Weights{}, fmt.Errorf("%s: scoring.%s: unknown weight", l.Name, k)
			}
			if err := assign(rv.FieldByName(name), v); err != nil {
				return Weights{}, fmt.Errorf("%s: scoring.%s: %v", l.Name, k, err)
			}
			set[k] = true
		}
	}
	where := "scoring"
	if len(layers) > 0 {
		names := make([]string, len(layers))
		for i, l := range layers {
			names[i] = l.Name
		}
		where = strings.Join(names, " + ") + ": scoring"
	}
	var missing []string
	for _, f := range weightFields {
		if !set[f.key] {
			missing = append(missing, f.key)
		}
	}
	if len(missing) > 0 {
		return Weights{}, fmt.Errorf("%s: missing %s", where, strings.Join(missing, ", "))
	}
	if err := w.validate(); err != nil {
		return Weights{}, fmt.Errorf("%s: %v", where, err)
	}
	return w, nil
}

func fieldFor(key string) string {
	for _, f := range weightFields {
		if f.key == key {
			return f.field
		}
	}
	return ""
}

func assign(f reflect.Value, v any) error {
	switch f.Kind() {
	case reflect.Float64:
		switch n := v.(type) {
		case float64:
			f.SetFloat(n)
		case int64:
			f.SetFloat(float64(n))
		default:
			return fmt.Errorf("want a number, got %s", tomlType(v))
		}
	case reflect.Int:
		n, ok := v.(int64)
		if !ok || n < 0 || n > 10000 {
			return fmt.Errorf("want a whole number of lines (0–10000), got %s", tomlType(v))
		}
		f.SetInt(n)
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("want a list of strings, got %s", tomlType(v))
		}
		out := make([]string, 0, len(list))
		for _, e := range list {
			s, ok := e.(string)
			if !ok || strings.TrimSpace(s) == "" {
				return fmt.Errorf("want a list of non-empty strings, got an element %s", tomlType(e))
			}
			out = append(out, strings.TrimSpace(s))
		}
		f.Set(reflect.ValueOf(out))
	}
	return nil
}

func tomlType(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	case float64, int64:
		return fmt.Sprintf("%v", x)
	}
	return fmt.Sprintf("%T", v)
}

func (w Weights) validate() error {
	if w.Max <= 0 {
		return errors.New("max must be positive")
	}
	if !(w.Medium > 0 && w.Medium < w.High && w.High < w.Critical && w.Critical <= w.Max) {
		return errors.New("bands must satisfy 0 < medium < high < critical <= max")
	}
	if w.FlowEnabledUnrestrictedFloor < w.FlowEnabledFloor {
		return errors.New("flow_enabled_unrestricted_floor must be at least flow_enabled_floor")
	}
	if w.FlowDisabledCeiling >= w.FlowEnabledFloor {
		return errors.New("flow_disabled_ceiling must be below flow_enabled_floor (a disabled flow scores below any enabled one)")
	}
	return nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
