package llm

import (
	"context"
	"time"
)

// SetSleep replaces the client's backoff sleep, so that tests check the
// waits without spending them.
func SetSleep(c *Client, f func(ctx context.Context, d time.Duration) error) { c.sleep = f }
