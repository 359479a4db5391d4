// Placeholder until the handler library is written.
