package interpolate_test

import (
	"errors"
	"fmt"

	"github.com/crewai-go/crewai/internal/interpolate"
)

// Fill writes inputs into {placeholders}; JSON braces and doubled braces are
// left alone, and a missing input is an error naming the placeholder and
// the field it is in.
func ExampleFill() {
	inputs := map[string]any{"topic": "AI agents", "year": 2026}
	out, err := interpolate.Fill(`task "research" Description`,
		`Research {topic} in {year}; answer as {"title": "..."}, keep {{topic}} as is.`, inputs)
	fmt.Println(out, err)

	_, err = interpolate.Fill(`task "write" Description`, "Write about {subject}.", inputs)
	var me *interpolate.MissingError
	fmt.Println(errors.As(err, &me), me.Name)
	fmt.Println(err)
	// Output:
	// Research AI agents in 2026; answer as {"title": "..."}, keep {{topic}} as is. <nil>
	// true subject
	// interpolate: task "write" Description uses {subject} but the inputs have no "subject" (inputs given: topic, year)
}
