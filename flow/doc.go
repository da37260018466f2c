// Package flow defines Flow, an event-driven graph of steps over a typed state.
package flow
