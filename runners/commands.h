// The sigctx subcommands. Each returns the process exit status: 0 success, 1 a case failed,
// 2 a usage or input error (DESIGN.md section 3).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sigctx {

constexpr uint64_t kDefaultSeed = 0x6a09e667;
constexpr int kExitOk = 0, kExitFail = 1, kExitUsage = 2;

struct RunOptions {
  std::vector<std::string> cases;
  uint64_t seed = kDefaultSeed;
  unsigned repeat = 1;
  unsigned jobs = 1;
  double timeout_s = 0;  // --timeout; 0: case_timeout_s(machine)
  std::string json_path;
  std::string inject_fault;
  std::string injector;                   // --injector step|hwbp|int3|async
  int64_t at = -1;                        // --at N
  uint64_t stride = 1;                    // --stride K
  std::string emulate;                    // --emulate BUG
  std::vector<std::string> expect_files;  // --expect FILE: added after (so overriding) the
                                          // built-in results/expectations/*.json
  bool no_expectations = false;           // --no-expectations: raw verdicts
  bool verbose = false;
  std::string junit_path;  // --junit FILE: JUnit XML (results/junit.h), written atomically
  bool tap = false;        // --tap: TAP 13 on stdout in place of the human output
  std::string profile;     // --profile NAME (runners/profiles.h)
  double duration_s = 0;   // --duration SEC: a profile's running time; 0: its default
  bool bisect = false;     // --bisect: exit 0 good, 1 bad, 125 untestable, 128 on a usage error
};

// Exit statuses for `git bisect run` (--bisect): 125 skips a revision it cannot test, and a
// status of 128 or more aborts the bisection, which a usage error must do.
constexpr int kExitBisectSkip = 125, kExitBisectAbort = 128;

// sigctx vm: one guest boot (runners/vm_command.cpp).
struct VmOptions {
  std::string kernel;       // an image, or debian:SPEC (runners/vm/debian_kernels.h)
  std::string cpu = "max";  // QEMU -cpu model or bochs cpu model
  std::string append;       // extra kernel options
  std::string emulator = "qemu";
  std::string accel = "tcg";
  unsigned smp = 2;
  unsigned memory_mib = 1024;
  double vm_timeout_s = 1800;  // the whole guest, boot to power-off
  std::string guest_binary;    // default: this binary when static, else a static sibling
  std::string keep_dir;        // keep the initramfs, console log and channel here
  bool quiet = false;          // no live console
  bool bisect = false;
  std::vector<std::string> run_tokens;  // after `--`: the guest's run options
};

// sigctx matrix: kernels x CPU models x kernel options (runners/matrix_command.cpp).
struct MatrixOptions {
  std::vector<std::string> kernels;          // Debian specs or image paths
  std::vector<std::string> cpus;             // default: by emulator
  std::vector<std::string> append_variants;  // "none" is no extra option
  std::string out_dir = "matrix";
  unsigned jobs = 2;
};

struct SoakOptions {
  std::string out_dir;          // --out DIR
  double max_time_s = 0;        // --max-time SEC; 0: no limit
  uint64_t max_iterations = 0;  // --max-iterations N; 0: no limit
};

// The seed of --repeat's (and soak's) iteration i: i = 0 is the seed given.
uint64_t derived_seed(uint64_t seed, unsigned iteration);

// The machine's fingerprint (runners/probe_command.cpp).
int probe_command(bool json);
// The cases and whether each runs here (runners/list_command.cpp). ctest: one line per case for
// CMake's case tests (cmake/SigctxCaseTests.cmake), every case including the profiles':
// "ID<TAB>LABEL,LABEL...[<TAB>EXTRA,RUN,ARGS]".
int list_command(const std::vector<std::string>& cases, bool ctest = false);
// Runs the selected cases (runners/run_command.cpp).
int run_command(const RunOptions& o);
// Repeats `run` until an iteration fails, a limit, or SIGINT/SIGTERM (runners/soak_command.cpp).
int soak_command(const RunOptions& o, const SoakOptions& s);
// BUG or CASE; empty: the catalog's index.
int explain_command(const std::string& what);

// sigctx reproduce CASE -o FILE.c (runners/reproduce_command.cpp).
struct ReproduceOptions {
  std::string case_id;
  uint64_t seed = kDefaultSeed;
  std::string inject_fault;
  std::string emulate;  // a catalog bug whose effect -DSIGCTX_EMULATE compiles in
  std::string output;   // "-": standard output
};
int reproduce_command(const ReproduceOptions& o);
// The sigctx reproduce command for a case of a run with this seed, --inject-fault and --emulate
// (kept where the case's program can replay the bug), or "" when the case cannot be made
// standalone.
std::string reproducer_line(const std::string& case_id, uint64_t seed,
                            const std::string& inject_fault, const std::string& emulate);

int vm_command(const VmOptions& o);
int matrix_command(const VmOptions& vm, const MatrixOptions& m);

// Exit 1 when a case regressed from OLD to NEW (results/compare.h).
int compare_command(const std::string& old_path, const std::string& new_path);
// The matrix of several result files as self-contained HTML or Markdown (results/report.h).
int report_command(const std::vector<std::string>& inputs, const std::string& out);
// One line naming a result file: its path, sigctx version, OS, CPU and start time.
struct RunResult;
std::string describe_run(const std::string& path, const RunResult& r);

// "sigctx 0.1.0 (git 0123abcd)"
std::string tool_version_line();
// `sigctx --version`: that line, then the compiler, C library (and whether linked statically),
// libcpuid, fmt and disassembler of this build (runners/version.cpp).
std::string tool_version_text();

}  // namespace sigctx
