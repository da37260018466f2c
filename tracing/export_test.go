package tracing

import "time"

// WithCrewAIClock sets the clock the crewai backend checks grant expiry
// with (tests of renewal).
func WithCrewAIClock(now func() time.Time) Option {
	return func(c *config) error {
		c.crewaiNow = now
		return nil
	}
}
