package bedrock_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreDoesNotLinkAWS: a program that uses llm, agents and crews but not
// llm/bedrock (nor llm/models) links nothing of the AWS SDK.
func TestCoreDoesNotLinkAWS(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list dependencies with")
	}
	const mod = "github.com/crewai-go/crewai/"
	out, err := exec.Command(goBin, "list", "-deps", mod+"llm", mod+"agent", mod+"crew", mod+"tracing").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "github.com/aws/") {
			t.Errorf("the core links %s", p)
		}
	}
	out, err = exec.Command(goBin, "list", "-deps", mod+"llm/bedrock").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "github.com/aws/aws-sdk-go-v2/service/bedrockruntime") {
		t.Errorf("llm/bedrock should link the Bedrock SDK: %v\n%.300s", err, out)
	}
}
