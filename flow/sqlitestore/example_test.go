package sqlitestore_test

import (
	"context"
	"fmt"

	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/flow/sqlitestore"
)

func ExampleOpen() {
	ctx := context.Background()
	store, err := sqlitestore.Open(ctx, ":memory:") // "" means .crewai/flow_states.db
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	type Progress struct{ Pages int }
	f := &flow.Flow[Progress]{Name: "Book", Persist: store}
	f.Step(flow.Start("write"), func(ctx context.Context, s *flow.State[Progress]) (any, error) {
		s.Update(func(p *Progress) { p.Pages += 10 })
		return nil, nil
	})
	first, err := f.Kickoff(ctx, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Resume the saved state by its ID: the pages written are still there.
	second, err := f.Kickoff(ctx, map[string]any{"id": first.StateID})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(first.State.Pages, second.State.Pages, first.StateID == second.StateID)
	// Output: 10 20 true
}
