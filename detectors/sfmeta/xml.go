package sfmeta

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Namespace is the Metadata API namespace every retrieved file declares. Decoding does not
// require it: struct tags without a namespace match any, so hand-written or stripped files load.
const Namespace = "http://soap.sforce.com/2006/04/metadata"

// Limits on what one file may cost. Metadata files are machine-written and shallow; a big
// org's Admin profile (field and class permissions) runs to a few MiB, hence the generous size.
const (
	// MaxFileSize is the largest metadata or users file read, in bytes.
	MaxFileSize = 64 << 20
	// maxDepth is the deepest element nesting accepted. Real metadata nests 4–5 levels.
	maxDepth = 64
)

// errDTD is returned for a document that carries a DOCTYPE or entity declaration: Salesforce
// never writes one, and refusing them keeps entity tricks out whatever the parser does.
var errDTD = errors.New("DTD or entity declaration not allowed in metadata")

// decodeXML checks data for DTDs and excessive depth, then decodes its root element into v.
// It returns the root element's local name, so callers can tell file shapes apart.
func decodeXML(data []byte, v any) (string, error) {
	if len(data) > MaxFileSize {
		return "", fmt.Errorf("file larger than %d MiB", MaxFileSize>>20)
	}
	// Editors on Windows prepend a UTF-8 byte order mark, which the decoder rejects.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	// Pass 1: tokens only, rejecting directives (<!DOCTYPE …>, <!ENTITY …>) and deep nesting.
	d := newDecoder(data)
	depth, root := 0, ""
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", xmlError(err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return "", errDTD
		case xml.StartElement:
			if depth == 0 {
				if root != "" {
					return "", errors.New("more than one root element")
				}
				root = t.Name.Local
			}
			depth++
			if depth > maxDepth {
				return "", fmt.Errorf("elements nested deeper than %d", maxDepth)
			}
		case xml.EndElement:
			depth--
		}
	}
	if root == "" {
		return "", errors.New("no root element")
	}
	// Pass 2: the real decode, now known to be small, flat and declaration-free.
	if err := newDecoder(data).Decode(v); err != nil {
		return "", xmlError(err)
	}
	return root, nil
}

func newDecoder(data []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	// Metadata is UTF-8; accept the aliases tools write, refuse anything needing conversion.
	d.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return input, nil
		}
		return nil, fmt.Errorf("unsupported encoding %q", clip(charset))
	}
	return d
}

// xmlError keeps decoder errors to one short line. The decoder quotes names from the input
// (entity, element and attribute names, an encoding), which a hostile or broken file can make
// any length, and an "entity" can be a secret that followed a stray '&'; clip keeps them short.
func xmlError(err error) error {
	return errors.New(clip(err.Error()))
}

// maxWord is the longest word of an error message kept whole: Metadata API element names
// stay under 40 characters; anything longer quoted from the input (an "entity name" that is a
// secret, a garbage name) is cut to its first four characters.
const maxWord = 40

// maxErrLen bounds an error message taken from, or quoting, the input.
const maxErrLen = 200

// clip puts s on one line, cuts words longer than maxWord, and bounds its length.
func clip(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		if len(w) > maxWord {
			words[i] = cutAt(w, 4) + "…"
		}
	}
	s = strings.Join(words, " ")
	if len(s) > maxErrLen {
		s = cutAt(s, maxErrLen) + "…"
	}
	return s
}

// cutAt returns at most the first n bytes of s, ending on a rune boundary.
func cutAt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// xbool is a Metadata API boolean: "true"/"false", tolerant of case and surrounding space.
// Set tells "false" apart from "absent", which matters: absent is not proof of off.
type xbool struct {
	Set   bool
	Value bool
}

// UnmarshalXML implements xml.Unmarshaler.
func (b *xbool) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var s string
	if err := d.DecodeElement(&s, &start); err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		*b = xbool{Set: true, Value: true}
	case "false", "0":
		*b = xbool{Set: true, Value: false}
	default:
		return fmt.Errorf("<%s>: not a boolean", start.Name.Local)
	}
	return nil
}

// ptr returns nil for an absent boolean, so callers can combine several readings.
func (b xbool) ptr() *bool {
	if !b.Set {
		return nil
	}
	v := b.Value
	return &v
}

// Raw shapes of the files read. Field names follow the Metadata API guide (salesforce.md §3).

type xConnectedApp struct {
	Label        string `xml:"label"`
	ContactEmail string `xml:"contactEmail"`
	OauthConfig  struct {
		CallbackURL               string   `xml:"callbackUrl"`
		Certificate               string   `xml:"certificate"`
		ConsumerKey               string   `xml:"consumerKey"`
		ConsumerSecret            string   `xml:"consumerSecret"`
		IsAdminApproved           xbool    `xml:"isAdminApproved"`
		IsClientCredentialEnabled xbool    `xml:"isClientCredentialEnabled"`
		OauthClientCredentialUser string   `xml:"oauthClientCredentialUser"`
		Scopes                    []string `xml:"scopes"`
	} `xml:"oauthConfig"`
	OauthPolicy struct {
		IPRelaxation       string `xml:"ipRelaxation"`
		RefreshTokenPolicy string `xml:"refreshTokenPolicy"`
	} `xml:"oauthPolicy"`
	ProfileName       []string `xml:"profileName"`
	PermissionSetName []string `xml:"permissionSetName"`
}

type xECA struct {
	Label             string `xml:"label"`
	ContactEmail      string `xml:"contactEmail"`
	DistributionState string `xml:"distributionState"`
}

type xECAGlobalOauth struct {
	ConsumerKey                    string `xml:"consumerKey"`
	ConsumerSecret                 string `xml:"consumerSecret"`
	Certificate                    string `xml:"certificate"`
	ExternalClientApplication      string `xml:"externalClientApplication"`
	IsClientCredentialsFlowEnabled xbool  `xml:"isClientCredentialsFlowEnabled"`
	Label                          string `xml:"label"`
}

type xECAOauth struct {
	CommaSeparatedOauthScopes string `xml:"commaSeparatedOauthScopes"`
	ExternalClientApplication string `xml:"externalClientApplication"`
	Label                     string `xml:"label"`
}

type xECAPolicy struct {
	ExternalClientApplication      string `xml:"externalClientApplication"`
	IsClientCredentialsFlowEnabled xbool  `xml:"isClientCredentialsFlowEnabled"`
	ClientCredentialsFlowUser      string `xml:"clientCredentialsFlowUser"`
	IPRelaxationPolicyType         string `xml:"ipRelaxationPolicyType"`
	PermittedUsersPolicyType       string `xml:"permittedUsersPolicyType"`
	CommaSeparatedProfile          string `xml:"commaSeparatedProfile"`
	CommaSeparatedPermissionSet    string `xml:"commaSeparatedPermissionSet"`
	Label                          string `xml:"label"`
}

type xUserPermission struct {
	Enabled xbool  `xml:"enabled"`
	Name    string `xml:"name"`
}

type xIPRange struct {
	Description string `xml:"description"`
	Start       string `xml:"startAddress"`
	End         string `xml:"endAddress"`
}

type xProfile struct {
	Custom          xbool             `xml:"custom"`
	UserLicense     string            `xml:"userLicense"`
	LoginIPRanges   []xIPRange        `xml:"loginIpRanges"`
	UserPermissions []xUserPermission `xml:"userPermissions"`
}

type xPermissionSet struct {
	Label           string            `xml:"label"`
	UserPermissions []xUserPermission `xml:"userPermissions"`
}

type xPolicy struct {
	Action struct {
		Block         xbool `xml:"block"`
		Notifications []struct {
			InApp     xbool  `xml:"inApp"`
			SendEmail xbool  `xml:"sendEmail"`
			User      string `xml:"user"`
		} `xml:"notifications"`
		TwoFactorAuthentication xbool `xml:"twoFactorAuthentication"`
		EndSession              xbool `xml:"endSession"`
	} `xml:"action"`
	Active        xbool  `xml:"active"`
	ApexClass     string `xml:"apexClass"`
	DeveloperName string `xml:"developerName"`
	EventName     string `xml:"eventName"`
	EventType     string `xml:"eventType"`
	MasterLabel   string `xml:"masterLabel"`
	Type          string `xml:"type"`
}

type xRealTimeEvents struct {
	Events []struct {
		EntityName string `xml:"entityName"`
		IsEnabled  xbool  `xml:"isEnabled"`
	} `xml:"realTimeEvents"`
}

type xSecuritySettings struct {
	NetworkAccess struct {
		IPRanges []struct {
			Description string `xml:"description"`
			Start       string `xml:"start"`
			End         string `xml:"end"`
		} `xml:"ipRanges"`
	} `xml:"networkAccess"`
	SessionSettings struct {
		EnforceIPRangesEveryRequest xbool `xml:"enforceIpRangesEveryRequest"`
		LockSessionsToIP            xbool `xml:"lockSessionsToIp"`
	} `xml:"sessionSettings"`
}
