package localstore

// DamageForTest overwrites the vector of one stored document with 3 bytes,
// as a damaged file would hold.
func DamageForTest(s *Store, collection, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.db.Exec(`UPDATE documents SET vector = x'010203' WHERE collection = ? AND id = ?`, collection, id)
	clear(s.colls)
	return err
}

// CountForTest counts the stored rows.
func CountForTest(s *Store) (int, error) {
	var n int
	err := s.db.QueryRow(`SELECT COUNT(*) FROM documents`).Scan(&n)
	return n, err
}
