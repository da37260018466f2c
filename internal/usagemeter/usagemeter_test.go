package usagemeter_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/internal/usagemeter"
)

func TestMeterSumsConcurrentReports(t *testing.T) {
	usagemeter.Add(context.Background(), chat.Usage{TotalTokens: 5}) // no meter: nothing happens
	ctx, m := usagemeter.With(context.Background())
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { usagemeter.Add(ctx, chat.Usage{PromptTokens: 3, TotalTokens: 3, Requests: 1}) })
	}
	wg.Wait()
	assert.Equal(t, chat.Usage{PromptTokens: 60, TotalTokens: 60, Requests: 20}, m.Usage())
	// A context derived from ctx reports to the same meter; With makes a new one.
	inner, m2 := usagemeter.With(ctx)
	usagemeter.Add(inner, chat.Usage{TotalTokens: 1})
	assert.Equal(t, 1, m2.Usage().TotalTokens)
	assert.Equal(t, 60, m.Usage().TotalTokens)
}
