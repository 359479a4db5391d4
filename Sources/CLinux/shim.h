#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/// openat2(2) with RESOLVE_BENEATH: opens `path` below the directory `directory` refers to, and fails with
/// EXDEV if resolving it (`..`, an absolute path, or any symbolic link on the way) would leave that
/// directory. glibc has no wrapper for it, and Swift cannot call the variadic syscall(2) itself.
static inline int lurcher_open_beneath(int directory, const char *path, int flags) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (unsigned long long)flags;
    how.resolve = RESOLVE_BENEATH;
    return (int)syscall(SYS_openat2, directory, path, &how, sizeof how);
}
