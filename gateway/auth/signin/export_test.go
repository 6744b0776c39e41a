package signin

// SetHashHook makes every password hash of s run hook(client) first, in
// its hashing slot (client is the queue's name for the address). Set it
// before the service is used.
func SetHashHook(s *Service, hook func(client string)) { s.hashes.hook = hook }

// HashesQueued is how many places of s's hashing queue are taken
// (running and waiting).
func HashesQueued(s *Service) int {
	s.hashes.mu.Lock()
	defer s.hashes.mu.Unlock()
	return s.hashes.held
}
