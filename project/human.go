package project

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/crewai-go/crewai/task"
)

// ConsoleHuman returns a HumanInput that shows a task's output on w and
// reads one line of feedback from r (an empty line accepts the output).
// Questions from concurrent tasks are asked one at a time. The end of r is
// an error, so that a run without a person at the keyboard fails instead of
// waiting forever.
//
// It reads from an io.Reader; a human-input package with richer providers
// (callbacks, webhooks) can stand in for it through Registry.Human.
func ConsoleHuman(r io.Reader, w io.Writer) HumanInput {
	c := &console{in: bufio.NewReader(r), out: w}
	return c.ask
}

type console struct {
	mu  sync.Mutex
	in  *bufio.Reader
	out io.Writer
}

func (c *console) ask(out task.TaskOutput) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.out, "\n== Output of task %q (%s) ==\n%s\n\n", out.Name, out.Agent, out.String())
	fmt.Fprint(c.out, "Your feedback (empty line to accept): ")
	line, err := c.in.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if errors.Is(err, io.EOF) {
			return "", fmt.Errorf("project: no more human input (end of input) for task %q", out.Name)
		}
		return "", fmt.Errorf("project: reading human input: %w", err)
	}
	return strings.TrimSpace(line), nil
}
