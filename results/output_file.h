// The files sigctx writes (--json, --junit, report -o, soak's artifacts). A regular file is
// replaced atomically: a temporary file beside it, then rename, so a reader never sees half a
// file and a crash leaves the old one intact. What is not a regular file is written straight
// through and never replaced: /dev/null, /dev/full, a FIFO, /dev/stdout and /dev/fd/N (the
// descriptor itself). A symlink's target is replaced, not the symlink, and a replaced file keeps
// its mode and owner.
#pragma once

#include <string>
#include <vector>

namespace sigctx {

bool write_output_file(const std::string& path, const std::string& content, std::string* error);

// A file named on the command line, and the flag that named it ("--json", "report FILE").
struct NamedFile {
  std::string flag;
  std::string path;
};

// Checks the outputs before anything runs, so a bad path fails at once rather than after a
// long run: none is a directory, a missing directory or one that refuses a new file; no two
// outputs name the same regular file (one would overwrite the other); and no output names one
// of the inputs. *error names the flags.
bool check_outputs(const std::vector<NamedFile>& outputs, const std::vector<NamedFile>& inputs,
                   std::string* error);

}  // namespace sigctx
