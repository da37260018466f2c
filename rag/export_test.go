package rag

import "sync"

// ResetFallbackWarning lets a test see DefaultEmbedder's once-per-process
// warning again.
func ResetFallbackWarning() { fallbackWarning = sync.Once{} }
