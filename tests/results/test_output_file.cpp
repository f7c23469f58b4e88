// Output paths (issue 22, part 2): a device, FIFO or descriptor is written through and never
// replaced; a symlink's target is replaced and keeps its mode; colliding outputs, an output that
// names an input, and a directory are refused before anything runs.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "results/output_file.h"
#include "tests/support/scratch_dir.h"

namespace sigctx {
namespace {

namespace fs = std::filesystem;

class OutputFile : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return scratch_.path(name); }
  static std::string slurp(const std::string& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static mode_t mode_of(const std::string& p) {
    struct stat st;
    EXPECT_EQ(lstat(p.c_str(), &st), 0) << p;
    return st.st_mode;
  }
  // Nothing but the named entries is left in the directory: no temporary file.
  void expect_only(std::vector<std::string> names) const {
    std::vector<std::string> found;
    for (const auto& e : fs::directory_iterator(dir_))
      found.push_back(e.path().filename().string());
    std::sort(found.begin(), found.end());
    std::sort(names.begin(), names.end());
    EXPECT_EQ(found, names);
  }
  test::ScratchDir scratch_{"sigctx-output"};
  const std::string& dir_ = scratch_.dir();
};

TEST_F(OutputFile, ReplacesASymlinksTargetAndKeepsItsMode) {
  const std::string target = path("real.json"), link = path("link.json");
  { std::ofstream(target) << "old"; }
  ASSERT_EQ(chmod(target.c_str(), 0600), 0);
  ASSERT_EQ(symlink("real.json", link.c_str()), 0);
  std::string error;
  ASSERT_TRUE(write_output_file(link, "new", &error)) << error;
  EXPECT_TRUE(S_ISLNK(mode_of(link))) << "the symlink itself was replaced";
  EXPECT_EQ(slurp(target), "new");
  EXPECT_EQ(mode_of(target) & 07777, 0600u);
  expect_only({"real.json", "link.json"});
}

TEST_F(OutputFile, ANewFileTakesItsModeFromTheUmask) {
  const mode_t old = umask(027);
  std::string error;
  const bool ok = write_output_file(path("new.json"), "x", &error);
  umask(old);
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(mode_of(path("new.json")) & 07777, 0640u);
}

TEST_F(OutputFile, AFifoIsWrittenThroughAndStaysAFifo) {
  const std::string fifo = path("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string error;
  EXPECT_FALSE(write_output_file(fifo, "x", &error)) << "a FIFO nobody reads must not hang";
  EXPECT_NE(error.find("no process has the FIFO open for reading"), std::string::npos) << error;
  const int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  ASSERT_TRUE(write_output_file(fifo, "through the fifo", &error)) << error;
  char buf[64] = {};
  EXPECT_EQ(read(reader, buf, sizeof buf), 16);
  EXPECT_STREQ(buf, "through the fifo");
  close(reader);
  EXPECT_TRUE(S_ISFIFO(mode_of(fifo)));
  expect_only({"fifo"});
}

TEST_F(OutputFile, ADescriptorNamedThroughDevFdIsWrittenInPlace) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  std::string error;
  for (const std::string& name :
       {"/dev/fd/" + std::to_string(p[1]), "/proc/self/fd/" + std::to_string(p[1])})
    ASSERT_TRUE(write_output_file(name, "ab", &error)) << name << ": " << error;
  char buf[8] = {};
  EXPECT_EQ(read(p[0], buf, sizeof buf), 4);
  EXPECT_STREQ(buf, "abab");
  close(p[0]);
  close(p[1]);
  EXPECT_FALSE(write_output_file("/dev/fd/" + std::to_string(p[1]), "x", &error));
  EXPECT_NE(error.find("which is not open"), std::string::npos) << error;
}

// Device nodes made here, so a regression replaces a node in a temporary directory, never
// /dev/null or /dev/full themselves.
TEST_F(OutputFile, ADeviceIsWrittenThroughAndItsErrorReported) {
  const std::string null = path("null"), full = path("full");
  if (mknod(null.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0 ||
      mknod(full.c_str(), S_IFCHR | 0666, makedev(1, 7)) != 0)
    GTEST_SKIP() << "mknod needs CAP_MKNOD";
  std::string error;
  EXPECT_TRUE(write_output_file(null, "gone", &error)) << error;
  EXPECT_FALSE(write_output_file(full, "full", &error));
  EXPECT_NE(error.find("No space left on device"), std::string::npos) << error;
  EXPECT_TRUE(S_ISCHR(mode_of(null)));
  EXPECT_TRUE(S_ISCHR(mode_of(full)));
  expect_only({"null", "full"});
}

TEST_F(OutputFile, ADirectoryIsRefused) {
  std::string error;
  EXPECT_FALSE(write_output_file(dir_, "x", &error));
  EXPECT_NE(error.find("is a directory"), std::string::npos) << error;
  EXPECT_FALSE(check_outputs({{"--json", dir_}}, {}, &error));
  EXPECT_EQ(error, "--json " + dir_ + ": is a directory");
}

TEST_F(OutputFile, CollisionsAreRefusedNamingBothFlags) {
  const std::string out = path("out"), expect = path("expect.json"), alias = path("alias");
  { std::ofstream(expect) << "{}"; }
  ASSERT_EQ(symlink("expect.json", alias.c_str()), 0);
  std::string error;
  EXPECT_FALSE(check_outputs({{"--json", out}, {"--junit", dir_ + "/./out"}}, {}, &error));
  EXPECT_NE(error.find("--json " + out + " and --junit " + dir_ + "/./out name the same file"),
            std::string::npos)
      << error;
  EXPECT_FALSE(check_outputs({{"--json", alias}}, {{"--expect", expect}}, &error));
  EXPECT_EQ(error, "--json " + alias + " would overwrite the input --expect " + expect);
  // Discarding two outputs into one device is no collision.
  EXPECT_TRUE(check_outputs({{"--json", "/dev/null"}, {"--junit", "/dev/null"}}, {}, &error))
      << error;
  EXPECT_TRUE(check_outputs({{"--json", out}, {"--junit", path("out.xml")}}, {{"--expect", expect}},
                            &error))
      << error;
  EXPECT_FALSE(check_outputs({{"--json", path("missing/out")}}, {}, &error));
  EXPECT_NE(error.find("directory " + path("missing") + " does not exist"), std::string::npos)
      << error;
}

}  // namespace
}  // namespace sigctx
