package hashvec

import (
	"math"
	"testing"
)

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestVector(t *testing.T) {
	a := Vector("The cat sat on the mat", 256)
	b := Vector("the CAT sat on the mat!", 256)
	c := Vector("Quarterly revenue grew in Europe", 256)
	if math.Abs(dot(a, a)-1) > 1e-5 {
		t.Fatalf("|a|^2 = %v, want 1", dot(a, a))
	}
	if d := dot(a, b); math.Abs(d-1) > 1e-5 {
		t.Fatalf("case and punctuation changed the vector: cos = %v", d)
	}
	if dot(a, c) >= dot(a, Vector("a cat on a mat", 256)) {
		t.Fatalf("unrelated text scored as high as related text")
	}
	e := Vector("  ...  ", 8)
	if e[0] != 1 {
		t.Fatalf("empty text: %v, want the fixed unit vector", e)
	}
	if Tokens("Hello, world: 42 times") != 4 {
		t.Fatalf("Tokens = %d, want 4", Tokens("Hello, world: 42 times"))
	}
}
