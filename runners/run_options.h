// The options of `sigctx run`, shared by run and soak, and by vm and matrix, whose
// `-- run options` are the guest's run.
#pragma once

#include <string>
#include <vector>

#include "results/output_file.h"
#include "runners/commands.h"

namespace CLI {
class App;
}

namespace sigctx {

// Declares run's options on `sub`, into *o; the seed's text goes to *seed_text, for
// finish_run_options to parse after CLI11 has.
void add_run_options(CLI::App* sub, RunOptions* o, std::string* seed_text);
// Seeds are given in decimal or 0x-prefixed hex: never octal (010 is ten), never signed or
// padded with spaces, which strtoull would accept. Returns "" or what is wrong.
std::string parse_seed(const std::string& text, uint64_t* out);
// Parses the seed text, if any, into o->seed; empty, or the message for --seed.
std::string finish_run_options(const std::string& seed_text, RunOptions* o);
// Parses `args` as run's options alone (what follows `--` in vm and matrix): false with *error.
bool parse_run_options(const std::vector<std::string>& args, RunOptions* o, std::string* error);
// The options as `sigctx run` arguments, without --seed, --json, --junit and --tap, with the
// --expect files as given.
std::vector<std::string> run_arguments(const RunOptions& o);
// The files a run writes (--json, --junit) and reads (--expect), for check_outputs.
std::vector<NamedFile> run_output_files(const RunOptions& o);
std::vector<NamedFile> run_input_files(const RunOptions& o);

}  // namespace sigctx
