#include "runners/vm/debian_kernels.h"

#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>

#include "results/json_lines.h"
#include "results/output_file.h"
#include "runners/vm/child_process.h"
#include "runners/vm/kernel_image.h"

namespace sigctx {

namespace {

namespace fs = std::filesystem;

// "6.1.0-56-amd64" -> {6, 1, 0, 56}: the numbers before the flavour, for ordering.
std::vector<unsigned long> release_numbers(const std::string& r) {
  std::vector<unsigned long> n;
  for (size_t i = 0; i < r.size();) {
    if (std::isdigit(static_cast<unsigned char>(r[i]))) {
      size_t j = i;
      while (j < r.size() && std::isdigit(static_cast<unsigned char>(r[j])))
        ++j;
      n.push_back(std::stoul(r.substr(i, j - i)));
      i = j;
    } else if (r[i] == '.' || r[i] == '-' || r[i] == '+') {
      ++i;
    } else {
      break;  // "deb12", "amd64": the flavour
    }
  }
  return n;
}

// "amd64", "cloud-amd64" or "rt-amd64" of a release.
std::string flavour_of(const std::string& release) {
  static const std::regex re(R"(^[0-9.]+(?:-[0-9]+|\+deb[0-9]+)-(.*)$)");
  std::smatch m;
  return std::regex_match(release, m, re) ? m[1].str() : "";
}

std::string series_of(const std::string& release) {
  const std::vector<unsigned long> n = release_numbers(release);
  return n.size() >= 2 ? fmt::format("{}.{}", n[0], n[1]) : "";
}

std::vector<std::string> apt_kernel_packages(std::string* error) {
  std::string text;
  const ChildOutcome c = run_child_process({"apt-cache", "pkgnames", "linux-image-"}, 120,
                                           [&](std::string_view s) { text.append(s); });
  if (!c.started || c.exit_status != 0) {
    *error = "apt-cache pkgnames failed: " + (c.started ? text : c.error);
    return {};
  }
  std::vector<std::string> names;
  std::stringstream lines(text);
  for (std::string l; std::getline(lines, l);)
    names.push_back(l);
  return names;
}

}  // namespace

bool release_older(const std::string& a, const std::string& b) {
  return release_numbers(a) < release_numbers(b);
}

bool resolve_debian_kernels(const std::string& spec, std::vector<DebianKernel>* out,
                            std::string* error, const std::vector<std::string>& available) {
  std::vector<std::string> packages = available;
  if (packages.empty()) {
    packages = apt_kernel_packages(error);
    if (packages.empty()) {
      if (error->empty()) *error = "apt-cache lists no linux-image packages";
      return false;
    }
  }
  std::vector<std::string> releases;
  static const std::regex pkg(R"(^linux-image-(.+)-unsigned$)");
  for (const std::string& p : packages) {
    std::smatch m;
    if (std::regex_match(p, m, pkg)) releases.push_back(m[1].str());
  }
  std::sort(releases.begin(), releases.end(), release_older);

  out->clear();
  auto add = [&](const std::string& r) { out->push_back({r, "linux-image-" + r + "-unsigned"}); };
  if (std::find(releases.begin(), releases.end(), spec) != releases.end()) {
    add(spec);
    return true;
  }
  static const std::regex series_spec(R"(^([0-9]+\.[0-9]+)(?:-(rt|cloud))?(:all)?$)");
  std::smatch m;
  if (!std::regex_match(spec, m, series_spec)) {
    *error = fmt::format(
        "'{}' is neither a Debian kernel release (such as 6.1.0-56-amd64) nor a series (6.1, "
        "6.12-rt, 6.12-cloud, 6.1:all)",
        spec);
    return false;
  }
  const std::string flavour = m[2].matched ? m[2].str() + "-amd64" : "amd64";
  std::vector<std::string> matching;
  for (const std::string& r : releases)
    if (series_of(r) == m[1].str() && flavour_of(r) == flavour) matching.push_back(r);
  if (matching.empty()) {
    *error = fmt::format("apt knows no {} kernel of series {} (linux-image-*-unsigned)", flavour,
                         m[1].str());
    return false;
  }
  if (m[3].matched)
    for (const std::string& r : matching)
      add(r);
  else
    add(matching.back());
  return true;
}

std::string sigctx_cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/sigctx";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.cache/sigctx";
}

bool fetch_debian_kernel(const DebianKernel& k, CachedKernel* out, std::string* error) {
  const fs::path dir = fs::path(sigctx_cache_dir()) / "kernels" / k.release;
  out->vmlinuz = (dir / ("vmlinuz-" + k.release)).string();
  out->vmlinux = (dir / ("vmlinux-" + k.release)).string();
  out->config = (dir / ("config-" + k.release)).string();
  if (fs::exists(out->vmlinuz) && fs::exists(out->vmlinux)) return true;

  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path download = dir / fmt::format(".download-{}", getpid());
  fs::remove_all(download, ec);
  fs::create_directories(download, ec);
  if (ec) {
    *error = fmt::format("{}: {}", download.string(), ec.message());
    return false;
  }
  // The package and its /boot go, whatever happens: only the cache entry stays.
  struct RemoveOnReturn {
    fs::path path;
    ~RemoveOnReturn() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } remove_download{download};
  std::string log;
  auto collect = [&](std::string_view s) { log.append(s); };
  ChildOutcome c =
      run_child_process({"apt-get", "download", "-q", k.package}, 900, collect, download.string());
  fs::path deb;
  for (const auto& e : fs::directory_iterator(download, ec))
    if (e.path().extension() == ".deb") deb = e.path();
  if (!c.started || c.exit_status != 0 || deb.empty()) {
    *error = fmt::format("apt-get download {} failed: {}", k.package, c.started ? log : c.error);
    return false;
  }
  // Only /boot: the modules are not needed (serial, initrd and devtmpfs are built in).
  c = run_child_process(
      {"sh", "-c", "dpkg-deb --fsys-tarfile \"$0\" | tar -x -C \"$1\" --wildcards './boot/*'",
       deb.string(), download.string()},
      900, collect);
  const fs::path boot = download / "boot";
  const fs::path vmlinuz = boot / ("vmlinuz-" + k.release);
  if (!c.started || c.exit_status != 0 || !fs::exists(vmlinuz)) {
    *error = fmt::format("unpacking {}: {}", deb.filename().string(), c.started ? log : c.error);
    return false;
  }
  std::string bz, elf;
  if (!read_text_file(vmlinuz.string(), &bz, error) || !extract_vmlinux(bz, &elf, error)) {
    *error = fmt::format("vmlinuz-{}: {}", k.release, *error);
    return false;
  }
  fs::copy_file(boot / ("config-" + k.release), out->config, fs::copy_options::overwrite_existing,
                ec);
  // vmlinux is written last and atomically: its presence means the entry is complete.
  fs::rename(vmlinuz, out->vmlinuz, ec);
  if (ec) {
    *error = fmt::format("{}: {}", out->vmlinuz, ec.message());
    return false;
  }
  return write_output_file(out->vmlinux, elf, error);
}

}  // namespace sigctx
