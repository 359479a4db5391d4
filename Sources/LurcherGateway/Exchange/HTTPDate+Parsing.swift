import Glibc

extension HTTPDate {
    /// The Unix time an HTTP date names, or nil when it is not a valid date (and so is to be ignored).
    ///
    /// Accepts the three forms a recipient must (RFC 9110, 5.6.7): IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`,
    /// RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994`. (Glibc's strptime
    /// is not visible to Swift, and these fixed forms need no locale.)
    static func parse(_ text: String) -> time_t? {
        let words = text.split { $0 == " " || $0 == "," || $0 == "-" || $0 == ":" }.map(String.init)
        let day: String, month: String, year: String, clock: ArraySlice<String>
        switch words.count {
        case 8 where words[7] == "GMT":  // IMF-fixdate and RFC 850: weekday day month year h m s GMT
            (day, month, year, clock) = (words[1], words[2], words[3], words[4...6])
        case 7:  // asctime: weekday month day h m s year
            (day, month, year, clock) = (words[2], words[1], words[6], words[3...5])
        default:
            return nil
        }
        guard let monthIndex = months.firstIndex(of: month), let dayNumber = Int32(day), (1...31).contains(dayNumber),
            var yearNumber = Int32(year), year.count == 4 || year.count == 2
        else { return nil }
        // RFC 850's two-digit years: read as the nearest past century (RFC 9110 says within 50 years).
        if year.count == 2 { yearNumber += yearNumber < 70 ? 2000 : 1900 }
        let numbers = clock.compactMap { Int32($0) }
        guard numbers.count == 3, (0...23).contains(numbers[0]), (0...59).contains(numbers[1]), (0...60).contains(numbers[2])
        else { return nil }
        var parts = tm()
        parts.tm_year = yearNumber - 1900
        parts.tm_mon = Int32(monthIndex)
        parts.tm_mday = dayNumber
        parts.tm_hour = numbers[0]
        parts.tm_min = numbers[1]
        parts.tm_sec = numbers[2]
        return timegm(&parts)
    }
}
