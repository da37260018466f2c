package otlpexport

import (
	"errors"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

func TestRetryableGRPC(t *testing.T) {
	withInfo := func(c codes.Code, d time.Duration) error {
		s, err := status.New(c, "busy").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(d)})
		if err != nil {
			t.Fatal(err)
		}
		return s.Err()
	}
	cases := []struct {
		name  string
		err   error
		again bool
		delay time.Duration
	}{
		{"refused", status.Error(codes.Unavailable, `connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:1: connect: connection refused"`), false, 0},
		{"unknown host", status.Error(codes.Unavailable, `name resolver error: produced zero addresses`), false, 0},
		{"unavailable, server side", status.Error(codes.Unavailable, "the collector is restarting"), true, 0},
		{"unavailable with RetryInfo", withInfo(codes.Unavailable, 3*time.Second), true, 3 * time.Second},
		{"deadline", status.Error(codes.DeadlineExceeded, "context deadline exceeded"), true, 0},
		{"resource exhausted without RetryInfo", status.Error(codes.ResourceExhausted, "full"), false, 0},
		{"resource exhausted with RetryInfo", withInfo(codes.ResourceExhausted, time.Second), true, time.Second},
		{"invalid argument", status.Error(codes.InvalidArgument, "bad span"), false, 0},
		{"unauthenticated", status.Error(codes.Unauthenticated, "no"), false, 0},
		{"not a status", errors.New("boom"), false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			again, d := RetryableGRPC(c.err)
			if again != c.again || d != c.delay {
				t.Errorf("RetryableGRPC = %v, %v; want %v, %v", again, d, c.again, c.delay)
			}
		})
	}
}
