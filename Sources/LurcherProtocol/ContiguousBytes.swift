/// Runs `body` over the bytes of `collection` as one contiguous buffer:
/// without copying when the collection already is contiguous (arrays,
/// slices, native strings' UTF-8), else through one temporary array.
///
/// Public generic entry points are `@inlinable` shims around this so the
/// byte loops run on a raw buffer instead of through an unspecialized
/// `Collection` witness per byte.
@inlinable
func withContiguousBytes<C: Collection<UInt8>, R>(
    _ collection: C,
    _ body: (UnsafeBufferPointer<UInt8>) -> R
) -> R {
    if let result = collection.withContiguousStorageIfAvailable(body) {
        return result
    }
    return Array(collection).withUnsafeBufferPointer(body)
}
