package channels

// room is what the process's room accounting says: entries held (pulled
// and not settled, retries in their delay), entries asked for by open
// pulls and not arrived, and entries kept alive by the beat.
func (h *holdings) room() (held, asked, idle int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.held, h.asked, len(h.idle)
}
