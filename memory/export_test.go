package memory

// ParseStatements exposes parseStatements to the tests.
func ParseStatements(s string) ([]string, []float64, error) {
	st, err := parseStatements(s)
	var texts []string
	var imps []float64
	for _, x := range st {
		texts = append(texts, x.Text)
		imps = append(imps, x.Importance)
	}
	return texts, imps, err
}
