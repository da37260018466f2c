package task_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/task"
)

func TestSchemaDecodeJSON(t *testing.T) {
	for _, tt := range []struct {
		name    string
		schema  *task.Schema
		data    string
		want    any
		wantErr string
	}{
		{name: "struct", schema: task.As[Report](), data: `{"title":"t","points":["a"]}`,
			want: Report{Title: "t", Points: []string{"a"}}},
		{name: "slice", schema: task.As[[]int](), data: `[1,2]`, want: []int{1, 2}},
		{name: "missing required field", schema: task.As[Report](), data: `{"title":"t"}`,
			wantErr: "does not follow the schema"},
		{name: "unknown field", schema: task.As[Report](), data: `{"title":"t","points":[],"extra":1}`,
			wantErr: "does not follow the schema"},
		{name: "not JSON", schema: task.As[Report](), data: `title: t`, wantErr: "not valid JSON"},
		{name: "type without schema", schema: task.As[chan int](), data: `{}`, wantErr: "has no JSON schema"},
		{name: "nil schema", schema: nil, data: `{}`, wantErr: "nil Schema"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.schema.DecodeJSON([]byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "task: ") {
					t.Fatalf("DecodeJSON(%s) = %v, %v; want an error with %q", tt.data, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DecodeJSON(%s) = %#v, want %#v", tt.data, got, tt.want)
			}
		})
	}
}
