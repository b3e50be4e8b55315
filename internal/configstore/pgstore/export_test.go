package pgstore

// StopListener stops b's listener for good, as a connection lost and not yet back.
func StopListener(b *Backend) {
	b.stop()
	b.done.Wait()
}

// ListenerPID is the server process of b's listener connection; 0 before the first.
func ListenerPID(b *Backend) uint32 { return b.listenerPID.Load() }

// Listening reports whether b's listener has LISTEN in effect.
func Listening(b *Backend) bool { return b.listening.Load() }
