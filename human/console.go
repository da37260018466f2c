package human

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Console is a [Provider] that writes the question to Out and reads the
// answer, one line, from In: a terminal, or a pipe (answers given one per
// line; an empty line accepts). The zero value asks on standard error and
// reads standard input. A Console is safe for concurrent use: questions are
// asked one at a time, in turn. Do not copy a Console after its first use.
//
// A line is read by a goroutine of the Console, because a read cannot be
// interrupted: when a question gives up (Timeout, ctx), the read goes on and
// the next question gets its line, so no answer typed late is lost. That
// goroutine ends when a line arrives or the input ends.
type Console struct {
	// In is where answers are read from; nil means os.Stdin.
	In io.Reader
	// Out is where questions are written; nil means os.Stderr.
	Out io.Writer
	// Timeout, if positive, bounds the wait for each answer; when it passes
	// the question fails with an error matching ErrTimeout.
	Timeout time.Duration

	once     sync.Once
	turn     chan struct{} // one question at a time
	rd       *bufio.Reader
	inflight chan line // a read started by an earlier question, or nil
}

type line struct {
	text string
	err  error
}

var defaultConsole = &Console{}

// Default returns the process default provider: a Console on standard
// input and standard error, shared by every question that names no provider
// (as http.DefaultClient is shared).
func Default() Provider { return defaultConsole }

func (c *Console) init() {
	c.once.Do(func() {
		c.turn = make(chan struct{}, 1)
		in := c.In
		if in == nil {
			in = os.Stdin
		}
		c.rd = bufio.NewReader(in)
	})
}

// Ask writes q to Out and reads one line from In. The answer is the line
// without its line ending. End of input before any text fails with
// ErrClosed; text without a final newline is an answer.
func (c *Console) Ask(ctx context.Context, q Question) (string, error) {
	c.init()
	select {
	case c.turn <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-c.turn }()

	out := c.Out
	if out == nil {
		out = os.Stderr
	}
	if _, err := io.WriteString(out, prompt(q)); err != nil {
		return "", fmt.Errorf("writing the question: %w", err)
	}
	ch := c.inflight
	if ch == nil {
		ch = make(chan line, 1)
		rd := c.rd
		go func() {
			s, err := rd.ReadString('\n')
			ch <- line{text: s, err: err}
		}()
		c.inflight = ch
	}
	var timeout <-chan time.Time
	if c.Timeout > 0 {
		t := time.NewTimer(c.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case l := <-ch:
		c.inflight = nil
		text := strings.TrimRight(l.text, "\r\n")
		if l.err != nil {
			if errors.Is(l.err, io.EOF) {
				if text == "" {
					return "", ErrClosed
				}
				return text, nil
			}
			return "", fmt.Errorf("reading the answer: %w", l.err)
		}
		return text, nil
	case <-timeout:
		return "", fmt.Errorf("%w (Console.Timeout %v)", ErrTimeout, c.Timeout)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// prompt renders a question for a terminal.
func prompt(q Question) string {
	var b strings.Builder
	b.WriteString("\n== A person's input is needed")
	if q.Where != "" {
		b.WriteString(" (")
		b.WriteString(q.Where)
		b.WriteString(")")
	}
	b.WriteString(" ==\n")
	if q.Output != "" {
		b.WriteString(strings.TrimRight(q.Output, "\n"))
		b.WriteString("\n\n")
	}
	msg := q.Message
	if msg == "" {
		msg = "Any feedback?"
	}
	b.WriteString(msg)
	b.WriteString("\n")
	if len(q.Outcomes) > 0 {
		b.WriteString("Choices: ")
		b.WriteString(strings.Join(q.Outcomes, ", "))
		if q.Default != "" {
			b.WriteString(" (empty: ")
			b.WriteString(q.Default)
			b.WriteString(")")
		}
		b.WriteString("\n> ")
	} else {
		b.WriteString("Your feedback (an empty line accepts): ")
	}
	return b.String()
}
