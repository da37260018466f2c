package provider

import (
	"fmt"
	"net/http"

	"github.com/crewai-go/crewai/llm"
)

// Setup is what every native client checks when it is configured, in the
// same terms: its model, the base URL it talks to and where that came
// from, its retry policy, and its overrides of the capability table. The
// zero value names no model.
type Setup struct {
	// Package prefixes the messages, such as "anthropic".
	Package string
	// Provider is the gen_ai.provider.name the client reports.
	Provider string
	// Model is the model name, already trimmed.
	Model string
	// Example is a model name the error of an empty Model suggests.
	Example string
	// BaseURL is the URL the client talks to, and BaseFrom says where it
	// came from, for its error (such as "Config.BaseURL or
	// ANTHROPIC_BASE_URL").
	BaseURL, BaseFrom string
	// Retry is the client's retry policy.
	Retry llm.RetryPolicy
	// ContextWindow, if positive, overrides the capability table's.
	ContextWindow int
	// Capabilities, if not nil, replaces the capability table's entry.
	Capabilities *llm.Capabilities
}

// Core is the state every native client keeps beside its SDK: the Info it
// reports, the capabilities it follows, the configuration error its every
// call returns, and its HTTP client. The zero value is a client with no
// model, no error and no HTTP client.
type Core struct {
	Info llm.Info
	Caps llm.Capabilities
	Err  *llm.Error
	HC   *http.Client
}

// Configure checks what every native client checks, in order: a model,
// an http or https base URL, a valid retry policy. It returns the client's
// Core (filled in even when the error is not nil, so that a client that
// cannot work still answers Info) and the first problem as an
// ErrBadRequest naming the field.
func Configure(s Setup) (Core, *llm.Error) {
	c := Core{Caps: llm.CapabilitiesOf(s.Model)}
	if s.Capabilities != nil {
		c.Caps = *s.Capabilities
	}
	if s.ContextWindow > 0 {
		c.Caps.ContextWindow = s.ContextWindow
	}
	c.Info = llm.Info{Model: s.Model, Provider: s.Provider, NoStop: c.Caps.NoStop, ContextWindow: c.Caps.ContextWindow}
	if s.Model == "" {
		return c, c.Fail(llm.ErrBadRequest, "%s: Config.Model is empty; name the model, such as %q", s.Package, s.Example)
	}
	host, port, err := Server(s.BaseURL)
	if err != nil {
		return c, c.Fail(llm.ErrBadRequest, "%s: %v (from %s)", s.Package, err, s.BaseFrom)
	}
	c.Info.ServerAddress, c.Info.ServerPort = host, port
	if err := s.Retry.Check(s.Package + ": Config.Retry"); err != nil {
		return c, c.Fail(llm.ErrBadRequest, "%v", err)
	}
	return c, nil
}

// Fail returns an error of kind (one of llm's sentinel errors) for the
// client's model and provider, with the formatted message.
func (c *Core) Fail(kind error, format string, args ...any) *llm.Error {
	return &llm.Error{Kind: kind, Model: c.Info.Model, Provider: c.Info.Provider, Message: fmt.Sprintf(format, args...)}
}

// Check returns Err, or nil (not a nil *llm.Error in an error) when there
// is none.
func (c *Core) Check() error {
	if c.Err == nil {
		return nil
	}
	return c.Err
}

// CloseIdleConnections closes the idle connections of HC, if there is
// one.
func (c *Core) CloseIdleConnections() {
	if c.HC != nil {
		c.HC.CloseIdleConnections()
	}
}

// Describe is a client's String: its type name, model, provider and
// server, never its key.
func (c *Core) Describe(typeName string) string {
	return fmt.Sprintf("%s{Model: %q, Provider: %q, Server: %q}", typeName, c.Info.Model, c.Info.Provider, c.Info.ServerAddress)
}

// KeyState is how a Config's String shows its key: "set" or "unset".
func KeyState(key string) string {
	if key == "" {
		return "unset"
	}
	return "set"
}
