package tool_test

import (
	"context"
	"fmt"

	"github.com/crewai-go/crewai/tool"
)

// WeatherQuery is the input of the weather tool: its JSON schema is
// generated from these fields and their tags.
type WeatherQuery struct {
	City string `json:"city" desc:"The city to look up, e.g. Paris"`
	Unit string `json:"unit,omitempty" jsonschema:"enum=celsius,enum=fahrenheit" desc:"Temperature unit (default celsius)"`
}

// Weather is the tool's result; it is shown to the model as JSON.
type Weather struct {
	City        string  `json:"city"`
	Temperature float64 `json:"temperature"`
	Unit        string  `json:"unit"`
}

func lookupWeather(ctx context.Context, q WeatherQuery) (Weather, error) {
	if q.Unit == "" {
		q.Unit = "celsius"
	}
	t := 21.5
	if q.Unit == "fahrenheit" {
		t = t*9/5 + 32
	}
	return Weather{City: q.City, Temperature: t, Unit: q.Unit}, nil
}

func Example() {
	weather := tool.New("Get Weather", "Current weather in a city.", lookupWeather)
	r := tool.NewRunner([]tool.Tool{weather})
	ctx := tool.WithRunState(context.Background())

	fmt.Println(weather.Name())
	fmt.Println(string(weather.Schema()))

	res := r.Run(ctx, "Get_Weather", `{"city":"Paris","unit":"fahrenheit"}`)
	fmt.Println(res.Output, res.IsError)

	res = r.Run(ctx, "Get_Weather", `{"unit":"kelvin"}`)
	fmt.Println(res.Problem)
	fmt.Println(res.Output)
	// Output:
	// Get_Weather
	// {"properties":{"city":{"type":"string","description":"The city to look up, e.g. Paris"},"unit":{"type":"string","enum":["celsius","fahrenheit"],"description":"Temperature unit (default celsius)"}},"additionalProperties":false,"type":"object","required":["city"]}
	// {"city":"Paris","temperature":70.7,"unit":"fahrenheit"} false
	// invalid_arguments
	// Error: invalid arguments for tool "Get_Weather":
	// - missing required field "city"
	// - field "unit": got "kelvin", expected one of "celsius", "fahrenheit"
	// Expected arguments: a JSON object with city (string, required): The city to look up, e.g. Paris; unit (one of "celsius", "fahrenheit"): Temperature unit (default celsius).
	// Call the tool again with corrected arguments.
}

func ExampleWith() {
	// Options work on any Tool, here a typed one made without options.
	echo := tool.New("echo", "Repeats the text.", func(ctx context.Context, in struct {
		Text string `json:"text"`
	}) (string, error) {
		return in.Text, nil
	})
	once := tool.With(echo, tool.MaxUsage(1), tool.Cache(true))
	r := tool.NewRunner([]tool.Tool{once})
	ctx := tool.WithRunState(context.Background())
	for _, args := range []string{`{"text":"hi"}`, `{ "text": "hi" }`, `{"text":"bye"}`} {
		res := r.Run(ctx, "echo", args)
		fmt.Printf("%q cache=%v error=%v\n", res.Output, res.CacheHit, res.IsError)
	}
	// Output:
	// "hi" cache=false error=false
	// "hi" cache=true error=false
	// "Error: tool \"echo\" has reached its limit of 1 use in this run and cannot be used again. Continue without it." cache=false error=true
}

func ExampleSanitizeName() {
	for _, name := range []string{"Get Weather", "Météo du jour", "search-tool_v2", "!!!"} {
		clean, err := tool.SanitizeName(name)
		fmt.Printf("%q %v\n", clean, err != nil)
	}
	// Output:
	// "Get_Weather" false
	// "Meteo_du_jour" false
	// "search-tool_v2" false
	// "" true
}
