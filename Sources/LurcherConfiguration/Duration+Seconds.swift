extension Duration {
    /// The duration as a number of seconds, for environment variables, logs and status reports.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
