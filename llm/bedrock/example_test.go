package bedrock_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/bedrock"
	"github.com/crewai-go/crewai/llm/llmtest"
)

// A Bedrock client talking to the Converse fake. In a program, leave Region,
// Credentials and BaseURL empty: they come from AWS_REGION and the AWS
// credential chain (or AWS_BEARER_TOKEN_BEDROCK).
func ExampleNew() {
	srv := llmtest.NewBedrockServer(llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "Paris."}}})
	defer srv.Close()
	c, err := bedrock.New(bedrock.Config{
		Model:       "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseURL:     srv.URL(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.CloseIdleConnections()
	resp, err := c.Generate(context.Background(), &llm.Request{Messages: []llm.Message{
		{Role: llm.RoleUser, Content: "Capital of France?"},
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Info().Provider, resp.Content, resp.FinishReason)
	// Output: aws.bedrock Paris. stop
}
