package tool

import (
	"context"
	"encoding/json"
	"sync"
)

// Options are the settings a [Runner] applies around a tool's calls. The
// zero value means: no usage limit, no cache, the result is not the final
// answer. Options are plain values; the functions in them (CacheKey) must be
// safe for concurrent use.
type Options struct {
	// MaxUsage, if positive, is how many times the tool may run in one run
	// (see [WithRunState]); later calls are answered with a text telling the
	// model the limit is reached, without running the tool. Calls with
	// invalid arguments and calls answered from the cache do not count.
	MaxUsage int
	// Cache answers a call whose arguments were already seen in this run
	// with the earlier result (Result.CacheHit) instead of running the tool
	// again. Only successful results are cached, at most [MaxCacheEntries]
	// per tool and run.
	Cache bool
	// CacheKey, if not nil, computes the cache key of a call from its
	// arguments, given in canonical form (compact JSON, object keys
	// sorted). An empty key means "do not cache this call". Nil means the
	// canonical arguments are the key, so that key order and spacing do not
	// matter.
	CacheKey func(args json.RawMessage) string
	// ResultAsAnswer makes a successful result the agent's final answer
	// (Result.ResultAsAnswer); an error result never is.
	ResultAsAnswer bool
}

// MaxCacheEntries is how many distinct results of one tool a run keeps in
// its cache; results beyond it are not cached (the tool simply runs).
const MaxCacheEntries = 1024

// Option sets one of the [Options] of a tool. Pass options to [New] or
// [With]; they are applied once, at construction, in order (a later option
// wins). A nil Option is ignored. The zero Option is nil and ignored. Options
// are plain functions, safe to share.
type Option func(*Options)

// MaxUsage lets the tool run at most n times per run; n < 1 removes the
// limit.
func MaxUsage(n int) Option {
	return func(o *Options) {
		if n < 1 {
			n = 0
		}
		o.MaxUsage = n
	}
}

// Cache turns the per-run result cache on or off.
func Cache(enabled bool) Option { return func(o *Options) { o.Cache = enabled } }

// CacheKey sets the function that computes a call's cache key from its
// canonical arguments (see [Options].CacheKey) and turns the cache on. A nil
// key restores the default key.
func CacheKey(key func(args json.RawMessage) string) Option {
	return func(o *Options) {
		o.CacheKey = key
		o.Cache = true
	}
}

// ResultAsAnswer makes the tool's successful result the agent's final
// answer.
func ResultAsAnswer() Option { return func(o *Options) { o.ResultAsAnswer = true } }

// OptionsProvider is implemented by tools that carry [Options]: the tools made
// by [New] and [With]. A [Runner] applies the options of any tool that
// implements it; a tool without it runs with the zero Options. ToolOptions
// must be safe for concurrent use and return the same Options every time.
type OptionsProvider interface {
	// ToolOptions returns the tool's options.
	ToolOptions() Options
}

func optionsOf(t Tool) Options {
	if p, ok := t.(OptionsProvider); ok {
		return p.ToolOptions()
	}
	return Options{}
}

func applyOptions(base Options, opts []Option) Options {
	for _, o := range opts {
		if o != nil {
			o(&base)
		}
	}
	return base
}

// With returns t with opts applied on top of the options t already has (if
// it implements [OptionsProvider]). It is how options are given to a tool
// that was not made by [New], for example a hand-written [Tool]. The result
// has t's name, description and schema, validates arguments against that
// schema (compiled once, on first use), and is safe for concurrent use if t
// is. t itself is not modified. With(nil) returns nil.
func With(t Tool, opts ...Option) Tool {
	if t == nil {
		return nil
	}
	inner := t
	if w, ok := t.(*configured); ok {
		inner = w.Tool // flatten: options merge, the schema is compiled once
	}
	return &configured{Tool: inner, opts: applyOptions(optionsOf(t), opts)}
}

// configured is the tool returned by With.
type configured struct {
	Tool
	opts Options

	once   sync.Once
	schema *argsSchema
}

// ToolOptions returns the merged options.
func (c *configured) ToolOptions() Options { return c.opts }

func (c *configured) argsSchema() *argsSchema {
	if h, ok := c.Tool.(schemaHolder); ok {
		return h.argsSchema()
	}
	c.once.Do(func() { c.schema = compileToolSchema(c.Tool) })
	return c.schema
}

func (c *configured) runChecked(ctx context.Context, args json.RawMessage) (string, error) {
	if r, ok := c.Tool.(checkedRunner); ok {
		return r.runChecked(ctx, args)
	}
	return c.Tool.Run(ctx, args)
}

// Err reports the inner tool's construction error, if it has one.
func (c *configured) Err() error {
	if e, ok := c.Tool.(interface{ Err() error }); ok {
		return e.Err()
	}
	return nil
}

// schemaHolder is implemented by tools that carry their compiled schema.
type schemaHolder interface{ argsSchema() *argsSchema }

// checkedRunner is implemented by tools that can skip their own validation
// because the Runner has already validated the arguments.
type checkedRunner interface {
	runChecked(ctx context.Context, args json.RawMessage) (string, error)
}
