package aop

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Protocol constants, as CrewAI uses them.
const (
	// DefaultBaseURL is CrewAI AOP's address when CREWAI_PLUS_URL is unset.
	DefaultBaseURL = "https://app.crewai.com"
	// GrantsPath is the path of the grants endpoint under the base URL.
	GrantsPath = "/crewai_plus/api/v1/tracing/grants"
	// MaxRequestBytes is the largest encoded OTLP request the collector
	// takes (3,072,000 bytes).
	MaxRequestBytes = 3_072_000
	// MaxSpansPerRequest is the most spans sent in one request.
	MaxSpansPerRequest = 200
	// DefaultGrantTimeout bounds one grant request.
	DefaultGrantTimeout = 5 * time.Second
	// DefaultRequestTimeout bounds one OTLP request to the collector.
	DefaultRequestTimeout = 5 * time.Second
	// DefaultRenewBefore is how close to its expiry a grant is renewed.
	DefaultRenewBefore = 30 * time.Second
	// Tier is the grant tier a credential must receive.
	Tier = "authenticated"
)

// Environment variables, in order of precedence for the credential.
const (
	EnvUserPAT          = "CREWAI_USER_PAT"
	EnvIntegrationToken = "CREWAI_PLATFORM_INTEGRATION_TOKEN"
	EnvPlusURL          = "CREWAI_PLUS_URL"
)

// Credential returns the credential the environment holds
// (CREWAI_USER_PAT, else CREWAI_PLATFORM_INTEGRATION_TOKEN; blank values
// count as unset) and the name of the variable it came from, or "" twice.
func Credential(getenv func(string) string) (value, from string) {
	for _, name := range []string{EnvUserPAT, EnvIntegrationToken} {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v, name
		}
	}
	return "", ""
}

// BaseURL returns CREWAI_PLUS_URL when set, else [DefaultBaseURL].
func BaseURL(getenv func(string) string) string {
	if v := strings.TrimSpace(getenv(EnvPlusURL)); v != "" {
		return v
	}
	return DefaultBaseURL
}

// Config configures a [Client]. The zero value of each field means its
// default.
type Config struct {
	// BaseURL is AOP's address (default [DefaultBaseURL]). It must be an
	// absolute https URL, or http for the local machine.
	BaseURL string
	// Credential is the CrewAI token the grants are asked with. Required.
	Credential string
	// HTTPClient sends the requests (default: a client of its own that
	// honours the proxy variables). Its own Timeout, if any, also applies.
	HTTPClient *http.Client
	// GrantTimeout bounds one grant request (default [DefaultGrantTimeout]).
	GrantTimeout time.Duration
	// RequestTimeout bounds one OTLP request (default
	// [DefaultRequestTimeout]).
	RequestTimeout time.Duration
	// RenewBefore is how close to expiry a grant is renewed (default
	// [DefaultRenewBefore]).
	RenewBefore time.Duration
	// MaxRequestBytes and MaxSpans bound one OTLP request (defaults
	// [MaxRequestBytes] and [MaxSpansPerRequest]).
	MaxRequestBytes int
	MaxSpans        int
	// UserAgent is sent with every request (default "crewai-go").
	UserAgent string
	// Now is the clock grants are checked against (default time.Now).
	Now func() time.Time
}

// Client asks AOP for grants. Build it with [NewClient].
type Client struct {
	cfg      Config
	base     *url.URL
	grantURL string
	http     *http.Client
}

// NewClient checks cfg and returns a Client. It does no I/O.
func NewClient(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Credential) == "" {
		return nil, fmt.Errorf("aop: no credential (set %s or %s)", EnvUserPAT, EnvIntegrationToken)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, why := checkURL(cfg.BaseURL)
	if why != "" {
		return nil, fmt.Errorf("aop: base URL %q: %s (accepted: an https URL, or http for localhost, 127.0.0.1 or ::1)",
			redactURL(cfg.BaseURL), why)
	}
	if cfg.GrantTimeout <= 0 {
		cfg.GrantTimeout = DefaultGrantTimeout
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.RenewBefore <= 0 {
		cfg.RenewBefore = DefaultRenewBefore
	}
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = MaxRequestBytes
	}
	if cfg.MaxSpans <= 0 {
		cfg.MaxSpans = MaxSpansPerRequest
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "crewai-go"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	hc := cfg.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 4
		hc = &http.Client{Transport: tr}
	}
	ref, _ := url.Parse(GrantsPath)
	return &Client{cfg: cfg, base: base, grantURL: base.ResolveReference(ref).String(), http: hc}, nil
}

// Grant is an execution-bound permission to send spans to a collector.
// Its token is kept unexported and is never printed.
type Grant struct {
	token string
	// CollectorURL is where the spans go (an OTLP/HTTP traces endpoint).
	CollectorURL string
	// ExecutionID is the execution the grant is for.
	ExecutionID string
	// ExpiresAt is when the grant stops being accepted.
	ExpiresAt time.Time
	// TraceURL is the dashboard link AOP offered, or "".
	TraceURL string
}

// String describes the grant without its token.
func (g Grant) String() string {
	return fmt.Sprintf("aop grant for execution %s to %s until %s", g.ExecutionID, g.CollectorURL,
		g.ExpiresAt.UTC().Format(time.RFC3339))
}

// GoString is String, so that %#v does not print the token either.
func (g Grant) GoString() string { return g.String() }

// GrantError says why AOP gave no usable grant. It never holds the
// credential, the token or the response body.
type GrantError struct {
	// Status is AOP's HTTP status, or 0 when there was no answer or the
	// answer was a 200 with an invalid grant.
	Status int
	// Field names the invalid field of a 200 answer, or "".
	Field string
	// Reason says what went wrong, in a few words.
	Reason string
	// Err is the transport error, if any.
	Err error
}

func (e *GrantError) Error() string {
	switch {
	case e.Field != "":
		return "aop: invalid grant: " + e.Reason
	case e.Status != 0:
		return fmt.Sprintf("aop: grant refused: HTTP %d%s", e.Status, statusHint(e.Status))
	}
	return "aop: grant request failed: " + e.Reason
}

func (e *GrantError) Unwrap() error { return e.Err }

// Cause names the failure in few words, the same for every occurrence, so
// that each cause is reported once.
func (e *GrantError) Cause() string {
	switch {
	case e.Field != "":
		return "AOP grant invalid (" + e.Field + ")"
	case e.Status != 0:
		return fmt.Sprintf("AOP grant HTTP %d", e.Status)
	}
	return "AOP grant " + e.Reason
}

// Permanent reports whether asking again for the same execution is
// pointless (the credential was refused, or AOP answers with invalid
// grants).
func (e *GrantError) Permanent() bool {
	return e.Field != "" || e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
}

func statusHint(status int) string {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return " (the credential was refused: revoked, expired or for another organisation)"
	case http.StatusNotFound:
		return " (no grants endpoint at this base URL)"
	}
	return ""
}

// transportReason names a transport failure in few words.
func transportReason(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "host not found"
	}
	return "network error"
}

// Grant asks AOP for a grant for executionID (a UUID) and checks the answer.
// The request is bounded by the Client's grant timeout and by ctx.
func (c *Client) Grant(ctx context.Context, executionID string) (*Grant, error) {
	id, err := canonicalUUID(executionID)
	if err != nil {
		return nil, fmt.Errorf("aop: execution id %q: %w", executionID, err)
	}
	body, _ := json.Marshal(map[string]any{"execution_uuid": id, "include_trace_url": true})
	ctx, cancel := context.WithTimeout(ctx, c.cfg.GrantTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.grantURL, bytes.NewReader(body))
	if err != nil {
		return nil, &GrantError{Reason: "bad request", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	req.Header.Set("Authorization", "Bearer "+c.cfg.Credential)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &GrantError{Reason: transportReason(err), Err: stripURL(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, &GrantError{Status: resp.StatusCode}
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, &GrantError{Reason: "reading the answer: " + transportReason(err), Err: stripURL(err)}
	}
	return c.parseGrant(raw, id)
}

// parseGrant checks a 200 answer strictly.
func (c *Client) parseGrant(raw []byte, id string) (*Grant, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, &GrantError{Field: "body", Reason: "the answer is not a JSON object"}
	}
	str := func(name string) (string, *GrantError) {
		v, ok := fields[name]
		if !ok {
			return "", &GrantError{Field: name, Reason: "field " + name + " is missing"}
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", &GrantError{Field: name, Reason: "field " + name + " is not a string"}
		}
		return s, nil
	}
	token, gerr := str("token")
	if gerr != nil {
		return nil, gerr
	}
	if strings.TrimSpace(token) == "" || strings.ContainsAny(token, "\r\n") {
		return nil, &GrantError{Field: "token", Reason: "field token is blank or not a single line"}
	}
	collector, gerr := str("collector_url")
	if gerr != nil {
		return nil, gerr
	}
	if _, why := checkURL(collector); why != "" {
		return nil, &GrantError{Field: "collector_url", Reason: fmt.Sprintf(
			"field collector_url %q: %s (accepted: an https URL, or http for localhost, 127.0.0.1 or ::1)",
			redactURL(collector), why)}
	}
	exec, gerr := str("execution_uuid")
	if gerr != nil {
		return nil, gerr
	}
	if got, err := canonicalUUID(exec); err != nil || got != id {
		return nil, &GrantError{Field: "execution_uuid", Reason: fmt.Sprintf(
			"field execution_uuid is %q (accepted: the execution asked for, %s)", clip(exec), id)}
	}
	expires, gerr := str("expires_at")
	if gerr != nil {
		return nil, gerr
	}
	at, err := time.Parse(time.RFC3339Nano, expires)
	if err != nil {
		return nil, &GrantError{Field: "expires_at", Reason: fmt.Sprintf(
			"field expires_at is %q (accepted: an RFC 3339 time with a zone)", clip(expires))}
	}
	if !at.After(c.cfg.Now()) {
		return nil, &GrantError{Field: "expires_at", Reason: fmt.Sprintf(
			"field expires_at is %q, already past (accepted: a time in the future)", clip(expires))}
	}
	tier, gerr := str("tier")
	if gerr != nil {
		return nil, gerr
	}
	if tier != Tier {
		return nil, &GrantError{Field: "tier", Reason: fmt.Sprintf("field tier is %q (accepted: %q)", clip(tier), Tier)}
	}
	g := &Grant{token: token, CollectorURL: collector, ExecutionID: id, ExpiresAt: at}
	if v, ok := fields["trace_url"]; ok {
		var s string
		if json.Unmarshal(v, &s) == nil {
			if u, why := checkURL(s); why == "" && strings.EqualFold(u.Hostname(), c.base.Hostname()) {
				g.TraceURL = s
			}
		}
	}
	return g, nil
}

// checkURL accepts an absolute http(s) URL without user information, https
// unless the host is the local machine, and without control characters.
func checkURL(s string) (*url.URL, string) {
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return nil, "it holds control characters"
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, "not a URL"
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, "the scheme is not http or https"
	case u.Hostname() == "":
		return nil, "no host"
	case u.User != nil:
		return nil, "it holds user information"
	case u.Scheme == "http" && !localHost(u.Hostname()):
		return nil, "plain http to a host that is not the local machine"
	}
	return u, ""
}

func localHost(h string) bool {
	h = strings.ToLower(h)
	return h == "localhost" || strings.HasSuffix(h, ".localhost") || h == "127.0.0.1" || h == "::1"
}

// redactURL keeps a URL's scheme, host and path: no user information, no
// query, no fragment.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable)"
	}
	u.User, u.RawQuery, u.Fragment, u.RawFragment = nil, "", "", ""
	return clip(u.String())
}

// stripURL drops the URL from a *url.Error, keeping the operation and cause
// (a URL given by AOP could hold anything).
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// canonicalUUID accepts a UUID with or without hyphens (32 hexadecimal
// digits) and returns its lower-case hyphenated form.
func canonicalUUID(s string) (string, error) {
	t := strings.ReplaceAll(strings.TrimSpace(s), "-", "")
	var b [16]byte
	if len(t) != 32 {
		return "", errors.New("not a UUID (accepted: 32 hexadecimal digits, hyphens optional)")
	}
	if _, err := hex.Decode(b[:], []byte(t)); err != nil {
		return "", errors.New("not a UUID (accepted: 32 hexadecimal digits, hyphens optional)")
	}
	return formatUUID(b), nil
}

func formatUUID(b [16]byte) string {
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ExecutionID turns a run's 16 random bytes into the execution UUID sent to
// AOP: the same bytes with the version 4 and variant bits set, so that every
// span of one run (a crew inside a flow included) has the same execution.
func ExecutionID(run [16]byte) string {
	run[6] = run[6]&0x0f | 0x40
	run[8] = run[8]&0x3f | 0x80
	return formatUUID(run)
}
