// The installed commands `momok` and `momok-studio` are this launcher: it sets the thread
// pools' waiting policies and the heap's page size (runtime/WaitPolicies.h) and starts the
// program itself,
// BIN/../libexec/momok-studio/NAME, in this process (exec: same process, arguments, standard
// streams, exit status and signals). OpenBLAS, GNU OpenMP and glibc read those policies when
// they are loaded, before main() runs, so a program started directly has to start itself once
// more to apply them, loading LibTorch's libraries twice (about 0.6 s); this launcher loads
// none of them. The build tree has the same layout (build/app and build/libexec).
#include "runtime/WaitPolicies.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>

#ifndef MOMOK_PROGRAM_NAME
#error "MOMOK_PROGRAM_NAME names the program this launcher starts"
#endif

int main(int argc, char **argv)
{
    momok::setStartupPolicies();
    char self[PATH_MAX];
    const ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0) {
        std::fprintf(stderr, "%s: cannot find where this program is (/proc/self/exe: %s)\n",
                     argc > 0 ? argv[0] : MOMOK_PROGRAM_NAME, std::strerror(errno));
        return 127;
    }
    self[length] = '\0';
    std::string program(self);
    program.erase(program.rfind('/') + 1); // readlink gives an absolute path
    program += "../libexec/momok-studio/" MOMOK_PROGRAM_NAME;
    execv(program.c_str(), argv);
    std::fprintf(stderr, "%s: cannot start %s: %s\n", argc > 0 ? argv[0] : MOMOK_PROGRAM_NAME, program.c_str(),
                 std::strerror(errno));
    return 127;
}
