package textproto_test

import (
	"fmt"

	"github.com/crewai-go/crewai/internal/textproto"
)

func ExampleParse() {
	r, err := textproto.Parse("Thought: I need data\nAction: search\nAction Input: {\"q\": \"Go 1.26\"}")
	fmt.Println(r.Action, string(r.Input), err)

	r, _ = textproto.Parse("Thought: done\nFinal Answer: Go 1.26 shipped in February.")
	fmt.Println(r.IsFinal, r.Final)

	_, err = textproto.Parse("The answer is 4.")
	fmt.Println(err)
	// Output:
	// search {"q": "Go 1.26"} <nil>
	// true Go 1.26 shipped in February.
	// textproto: it has neither an "Action:" line nor a "Final Answer:" line.
}
