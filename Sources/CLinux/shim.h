#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
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

/// prctl(PR_SET_PDEATHSIG): the calling process gets `signal` when the thread that created it exits. glibc's
/// prctl is variadic, which Swift cannot call.
static inline int lurcher_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0UL, 0UL, 0UL);
}

/// pidfd_open(2): a descriptor that keeps naming process `pid` even after it exits and its pid is reused;
/// it becomes readable when the process exits. Through syscall(2), which Swift cannot call.
static inline int lurcher_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

/// pidfd_send_signal(2): signals the process a pidfd names, and no other, whatever became of its pid.
static inline int lurcher_pidfd_send_signal(int pidfd, int signal) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0);
}
