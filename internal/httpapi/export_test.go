package httpapi

// OnBulkWait makes s call f whenever a POST /changes request starts waiting for a slot.
func OnBulkWait(s *Server, f func()) { s.bulkWait = f }
