// sigctx reproduce: every covered family's program builds with plain cc (and musl-gcc where it
// exists), passes on this kernel, and fails naming the component and register when built with
// -DSIGCTX_INJECT_FAULT, the fault --inject-fault applies. A family without a reproducer says
// why, with exit status 2.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <tuple>

#include "engine/emulation.h"
#include "engine/reproducer.h"
#include "runners/case_registry.h"
#include "runners/fingerprint.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/spawn.h"

namespace sigctx {
namespace {

using test::Outcome;

const std::string kSigctx = std::string(SIGCTX_BINARY_DIR) + "/sigctx";

class Reproduce : public ::testing::Test {
 protected:
  test::ScratchDir scratch_{"sigctx-reproduce"};

  // Writes CASE's program (with extra reproduce flags) and returns its path.
  std::string write(const std::string& id, std::vector<std::string> extra = {}) {
    const std::string file = scratch_.path(fmt::format("{}.c", std::hash<std::string>{}(id)));
    std::vector<std::string> argv = {kSigctx, "reproduce", id, "-o", file};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const Outcome o = test::spawn_and_wait(argv);
    EXPECT_EQ(o.status, 0) << id << ": " << o.err;
    return file;
  }
  // Builds `file` with `cc` and the given flags and runs it.
  Outcome build_and_run(const std::string& file, const std::string& cc,
                        std::vector<std::string> flags = {}) {
    const std::string exe = file + ".exe";
    std::vector<std::string> argv = {cc, "-O2", "-Wall", "-Wextra", "-Werror", "-o", exe, file};
    argv.insert(argv.begin() + 2, flags.begin(), flags.end());
    const Outcome built = test::spawn_and_wait(argv);
    if (built.status != 0) {
      ADD_FAILURE() << cc << " failed on " << file << ":\n" << built.err;
      return built;
    }
    return test::spawn_and_wait({exe});
  }
};

// One case of each covered family, and the register its default fault breaks: the first
// checked component's representative register (r12 for the cases over every component).
struct Covered {
  const char* id;
  const char* fault_line;  // what the fault build must print
};
const Covered kCovered[] = {
    {"signal/sync/all", "gpr: r12"},
    {"signal/async/all", "gpr: r12"},
    {"signal/nested/all", "gpr: r12"},
    {"signal/altstack/all", "gpr: r12"},
    {"signal/frame/all", "gpr: r12"},
    {"signal/edit/all", "gpr: r12"},
    {"signal/badframe/magic1", "x87: st3"},
    {"process/fork/all", "gpr: r12"},
    {"switch/yield/all", "gpr: r12"},
    // core/sse, not core/all: every Linux with PKU has linux-coredump-pkru-stale, which fails
    // core/all there (docs/findings.md).
    {"core/sse", "sse: xmm11"},
    {"ptrace/read/all", "gpr: r12"},
    {"ptrace/write/all", "gpr: r12"},
    {"signal/nested/gsbase", "gsbase: gsbase"},
    {"switch/yield/gsbase", "gsbase: gsbase"},
    {"core/gsbase", "gsbase: gsbase"},
    {"ptrace/read/gsbase", "gsbase: gsbase"},
};

TEST_F(Reproduce, EveryCoveredFamilyPassesHereAndFailsUnderTheFaultDefine) {
  unsigned ran = 0;
  for (const Covered& c : kCovered) {
    SCOPED_TRACE(c.id);
    // Where the suite's own case skips (no ptrace in a sandbox, say), its program cannot pass.
    if (!find_case(c.id)->applicable(live_machine()).ok) continue;
    const std::string file = write(c.id);
    const Outcome pass = build_and_run(file, "cc");
    if (pass.status == 77) {  // core_pattern pipes to a program: said, not run
      EXPECT_NE(pass.out.find("SKIP"), std::string::npos) << pass.out;
      continue;
    }
    EXPECT_EQ(pass.status, 0) << pass.out;
    EXPECT_NE(pass.out.find(fmt::format("PASS {}", c.id)), std::string::npos) << pass.out;
    const Outcome fail = build_and_run(file, "cc", {"-DSIGCTX_INJECT_FAULT"});
    EXPECT_EQ(fail.status, 1) << fail.out;
    EXPECT_NE(fail.out.find(c.fault_line), std::string::npos) << fail.out;
    EXPECT_NE(fail.out.find(fmt::format("FAIL {}", c.id)), std::string::npos) << fail.out;
    ++ran;
  }
  // The signal families run on every Linux: the test cannot pass by skipping everything.
  EXPECT_GE(ran, 7u);
}

TEST_F(Reproduce, AGivenFaultNamesItsComponentRegisterAndClass) {
  struct Given {
    const char* id;
    const char* fault;
    const char* line;
    const char* cls;
  };
  const Given kGiven[] = {
      {"signal/sync/sse", "sse:xmm3:bitflip", "sse: xmm3", "class bitflip"},
      {"signal/sync/mxcsr", "mxcsr::zero", "mxcsr: mxcsr", "class zeroed"},
      {"signal/nested/x87", "x87:st3:leak:2", "x87: st3 in handler level 1", "class handler"},
      {"signal/edit/avx", "avx:ymm9", "avx: ymm9 [255:128]", "class handler"},
      {"switch/yield/sse", "sse:xmm15", "sse: xmm15", "class foreign"},
      // A canonical address flips bit 44, as the suite's fault does: bit 60 would make GS base
      // one arch_prctl refuses, and the fault would never show.
      {"signal/sync/gsbase", "gsbase::bitflip", "gsbase: gsbase", "class bitflip"},
  };
  for (const Given& g : kGiven) {
    SCOPED_TRACE(g.id);
    const std::string file = write(g.id, {"--inject-fault", g.fault});
    EXPECT_EQ(build_and_run(file, "cc").status, 0);
    const Outcome fail = build_and_run(file, "cc", {"-DSIGCTX_INJECT_FAULT"});
    EXPECT_EQ(fail.status, 1) << fail.out;
    EXPECT_NE(fail.out.find(g.line), std::string::npos) << fail.out;
    EXPECT_NE(fail.out.find(g.cls), std::string::npos) << fail.out;
  }
}

TEST_F(Reproduce, ARefusedFrameIsAllowedAndSaidSo) {
  const Outcome o = build_and_run(write("signal/badframe/xcomp-bv"), "cc");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("SIGSEGV, the kernel refused the frame"), std::string::npos) << o.out;
}

TEST_F(Reproduce, BuildsWithMuslWhereItExists) {
  if (!test::on_path("musl-gcc")) GTEST_SKIP() << "musl-gcc is not installed";
  for (const Covered& c : kCovered) {
    const Outcome o = build_and_run(write(c.id), "musl-gcc");
    EXPECT_TRUE(o.status == 0 || o.status == 77) << c.id << ": " << o.out;
    const Outcome fail = build_and_run(write(c.id), "musl-gcc", {"-DSIGCTX_INJECT_FAULT"});
    EXPECT_TRUE(fail.status == 1 || fail.status == 77) << c.id << ": " << fail.out;
  }
}

TEST_F(Reproduce, StaysReadable) {
  for (const char* id : {"signal/nested/all", "signal/frame/all", "ptrace/write/all"}) {
    const std::string text = test::read_file(write(id));
    EXPECT_LT(std::count(text.begin(), text.end(), '\n'), 520) << id;
    EXPECT_NE(text.find("/* ----"), std::string::npos) << id << ": the driver's comment";
  }
}

TEST_F(Reproduce, WhatCannotBeStandaloneSaysWhyWithStatusTwo) {
  struct Refused {
    std::vector<std::string> args;
    const char* says;
  };
  const Refused kRefused[] = {
      {{"context/setcontext/sse"}, "the context family has no standalone reproducer"},
      {{"signal/sync/fsbase"}, "fsbase: glibc keeps its thread pointer in FS base"},
      {{"signal/frame/gsbase"}, "signal/frame checks the frame, which does not hold gsbase"},
      {{"signal/sync/all-zero"}, "reproducers load lane patterns only"},
      {{"signal/nope"}, "no case 'signal/nope'"},
      {{"signal/sync/sse", "--inject-fault", "avx:ymm1"}, "holds no register 'ymm1' of avx"},
      {{"signal/sync/sse", "--seed", "pear"}, "--seed"},
  };
  for (const Refused& r : kRefused) {
    std::vector<std::string> argv = {kSigctx, "reproduce"};
    argv.insert(argv.end(), r.args.begin(), r.args.end());
    argv.insert(argv.end(), {"-o", scratch_.path("refused.c")});
    const Outcome o = test::spawn_and_wait(argv);
    EXPECT_EQ(o.status, 2) << r.args[0];
    EXPECT_NE(o.err.find(r.says), std::string::npos) << r.args[0] << ": " << o.err;
  }
}

// A failing case's console block and result file name the command that writes its program, and
// that command, pasted as printed, writes a program that fails the same way.
TEST_F(Reproduce, TheFailingRunPrintsTheCommandThatWritesItsProgram) {
  const std::string json = scratch_.path("run.json");
  const Outcome run = test::spawn_and_wait({kSigctx, "run", "--cases", "signal/sync/sse",
                                            "--inject-fault", "sse:xmm11:leak", "--json", json});
  EXPECT_EQ(run.status, 1) << run.out << run.err;
  const std::string printed =
      "sigctx reproduce signal/sync/sse --seed 0x6a09e667 --inject-fault sse:xmm11:leak -o "
      "signal-sync-sse.c";
  EXPECT_NE(run.out.find("  program:   " + printed), std::string::npos) << run.out;
  // Which delivery failed (issue 24): the first of 8, on the FAIL line.
  EXPECT_NE(run.out.find("(syscall), signal 1 of 8"), std::string::npos) << run.out;
  EXPECT_NE(test::read_file(json).find("\"reproducer\": \"" + printed + "\""), std::string::npos);
  std::vector<std::string> argv = {kSigctx};
  std::istringstream words(printed.substr(std::string("sigctx ").size()));
  for (std::string w; words >> w;)
    argv.push_back(w == "signal-sync-sse.c" ? scratch_.path(w) : w);
  ASSERT_EQ(test::spawn_and_wait(argv).status, 0);
  const Outcome fail =
      build_and_run(scratch_.path("signal-sync-sse.c"), "cc", {"-DSIGCTX_INJECT_FAULT"});
  EXPECT_EQ(fail.status, 1) << fail.out;
  EXPECT_NE(fail.out.find("sse: xmm11 after sigreturn"), std::string::npos) << fail.out;
  EXPECT_NE(fail.out.find("class handler"), std::string::npos) << fail.out;
}

// Every catalog bug that --emulate covers and a reproducer can replay: the guarding case's
// program passes here and fails under -DSIGCTX_EMULATE, naming the bug's component.
struct EmulatedInC {
  const char* bug;
  const char* id;
  const char* line;  // what the emulated build must print
};
const EmulatedInC kEmulatedInC[] = {
    {"illumos-15254", "signal/sync/avx", "avx: ymm"},
    {"linux-5.2-sigframe", "signal/altstack/sse", "class foreign"},
    {"darwin-opmask", "signal/async/opmask", "opmask: k"},
    {"linux-6.12-pkru", "signal/sync/pkru", "pkru: pkru"},
    {"linux-fx-only-fallback", "signal/badframe/xstate-size-smaller", "class"},
    {"cve-2017-15537", "signal/badframe/xcomp-bv", "sse: xmm"},
    {"lazyfp", "switch/yield/sse", "sse: xmm"},
    {"zenbleed", "switch/yield/avx", "avx: ymm"},
    {"valgrind-sigcontext", "signal/edit/sse", "class stale"},
    {"qemu-user-xfeatures", "signal/badframe/xstate-bv-init", "class stale"},
    {"linux-coredump-pkru-stale", "core/pkru", "pkru: pkru"},
    {"uml-avx512-sigreturn", "signal/sync/opmask", "opmask: k"},
    {"gvisor-gsbase", "signal/sync/gsbase", "gsbase: gsbase"},
};

TEST_F(Reproduce, EveryEmulatedBugFailsUnderTheEmulateDefine) {
  for (const Emulation& e : emulations()) {
    std::string why;
    const bool in_c = emulation_in_c(e.bug, &why) != nullptr;
    const auto row = std::find_if(std::begin(kEmulatedInC), std::end(kEmulatedInC),
                                  [&](const EmulatedInC& r) { return r.bug == e.bug; });
    EXPECT_EQ(in_c, row != std::end(kEmulatedInC)) << e.bug << ": " << why;
    if (!in_c) {
      EXPECT_FALSE(why.empty()) << e.bug;
    }
  }
  for (const EmulatedInC& r : kEmulatedInC) {
    SCOPED_TRACE(r.bug);
    const CaseDescriptor* c = find_case(r.id);
    ASSERT_NE(c, nullptr) << r.id;
    if (!c->applicable(live_machine()).ok) continue;  // the CPU lacks what the bug touches
    const std::string file = write(r.id, {"--emulate", r.bug});
    const Outcome pass = build_and_run(file, "cc");
    if (pass.status == 77) continue;  // core_pattern pipes to a program: said, not run
    // The core-dump PKRU bug is real in every Linux from 5.14 on: where core/pkru runs, the
    // program deviates without the define already, and the emulation has nothing to add.
    if (pass.status == 1 && std::string_view(r.bug) == "linux-coredump-pkru-stale" &&
        pass.out.find("Linux's default pkru") != std::string::npos)
      continue;
    EXPECT_EQ(pass.status, 0) << pass.out;
    const Outcome fail = build_and_run(file, "cc", {"-DSIGCTX_EMULATE"});
    EXPECT_EQ(fail.status, 1) << fail.out;
    EXPECT_NE(fail.out.find(r.line), std::string::npos) << fail.out;
  }
}

// Under --emulate the printed command keeps the bug where the case's program can replay it.
TEST_F(Reproduce, AnEmulatedRunPrintsTheEmulatingCommand) {
  const Outcome run = test::spawn_and_wait(
      {kSigctx, "run", "--cases", "signal/sync/gsbase", "--emulate", "gvisor-gsbase"});
  EXPECT_EQ(run.status, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("program:   sigctx reproduce signal/sync/gsbase --seed 0x6a09e667 "
                         "--emulate gvisor-gsbase -o signal-sync-gsbase.c"),
            std::string::npos)
      << run.out;
  const Outcome yield =
      test::spawn_and_wait({kSigctx, "run", "--cases", "switch/yield/sse", "--emulate", "lazyfp"});
  EXPECT_EQ(yield.status, 1) << yield.out << yield.err;
  EXPECT_NE(yield.out.find("--emulate lazyfp -o switch-yield-sse.c"), std::string::npos)
      << yield.out;
}

TEST_F(Reproduce, AnEmulationItsProgramCannotReachIsRefused) {
  for (const auto& [id, bug, says] :
       {std::tuple<const char*, const char*, const char*>{"signal/sync/sse", "illumos-15206",
                                                          "has no reproducer emulation"},
        {"signal/sync/sse", "lazyfp", "acts where signal/sync/sse's program does not reach"},
        {"signal/sync/sse", "hypervisor-debug-registers", "no reproducer emulation"}}) {
    const Outcome o = test::spawn_and_wait(
        {kSigctx, "reproduce", id, "--emulate", bug, "-o", scratch_.path("refused.c")});
    EXPECT_EQ(o.status, 2) << bug;
    EXPECT_NE(o.err.find(says), std::string::npos) << bug << ": " << o.err;
  }
}

// Issue 24: in a sigctx vm guest the console's reproduce line is the host's vm command, which
// the guest's init passes in SIGCTX_REPRODUCE_VIA; pasted on the host, a plain `sigctx run`
// would test the host's kernel.
TEST_F(Reproduce, AGuestsReproduceLineIsTheHostsVmCommand) {
  setenv("SIGCTX_REPRODUCE_VIA", "sigctx vm --kernel debian:6.12 --cpu max", 1);
  const Outcome run = test::spawn_and_wait(
      {kSigctx, "run", "--cases", "signal/sync/sse", "--inject-fault", "sse:xmm11:leak"});
  unsetenv("SIGCTX_REPRODUCE_VIA");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.out.find("  reproduce: sigctx vm --kernel debian:6.12 --cpu max -- --cases "
                         "signal/sync/sse --seed 0x6a09e667 --inject-fault sse:xmm11:leak"),
            std::string::npos)
      << run.out;
}

// In-process, without compiling: every case either writes a program or says why not, and the
// families the issue names are covered for each lane-pattern variant.
TEST(ReproducePlans, EveryCaseWritesAProgramOrSaysWhy) {
  const Machine& m = live_machine();
  unsigned written = 0, refused = 0;
  for (const CaseDescriptor& c : all_cases()) {
    SCOPED_TRACE(c.id);
    const ReproducerPlan p = c.reproducer ? c.reproducer(m) : ReproducerPlan{};
    std::string why = c.reproducer ? p.unsupported : "no reproducer";
    if (why.empty()) why = reproducer_component_gap(p.checked);
    if (!why.empty()) {
      ++refused;
      continue;
    }
    std::string error;
    const std::string text = emit_reproducer(c.id, p, 1, {}, m, "test", "x.c", &error);
    EXPECT_NE(text.find("static int run_case(void)"), std::string::npos) << error;
    ++written;
  }
  EXPECT_GE(written, 100u);
  EXPECT_GT(refused, 0u);
  for (const char* id :
       {"signal/sync/sse", "signal/async/sse", "signal/nested/sse", "signal/altstack/sse",
        "signal/frame/sse", "signal/edit/sse", "signal/badframe/magic2", "process/fork/sse",
        "switch/yield/sse", "core/sse", "ptrace/read/sse", "ptrace/write/sse"}) {
    const CaseDescriptor* c = find_case(id);
    ASSERT_NE(c, nullptr) << id;
    ASSERT_TRUE(c->reproducer) << id;
    EXPECT_EQ(c->reproducer(m).unsupported, "") << id;
  }
}

}  // namespace
}  // namespace sigctx
