// Debian's kernels for the VM matrix: names resolved against apt's package lists, packages
// fetched with `apt-get download linux-image-RELEASE-unsigned`, and /boot's vmlinuz (plus the
// vmlinux decompressed from it, which boots about twice as fast under TCG) cached by release
// under $XDG_CACHE_HOME/sigctx/kernels (default ~/.cache/sigctx/kernels).
#pragma once

#include <string>
#include <vector>

namespace sigctx {

struct DebianKernel {
  std::string release;  // `uname -r`: "6.1.0-56-amd64", "6.12.117+deb12-rt-amd64"
  std::string package;  // "linux-image-6.1.0-56-amd64-unsigned"
};

// Orders releases by their numbers: 6.1.0-9 < 6.1.0-56 < 6.12.107+deb12.
bool release_older(const std::string& a, const std::string& b);

// SPEC is a series, optionally with a flavour ("6.1", "6.12-rt", "6.12-cloud": the newest
// such release), a series with ":all" ("6.1:all": every release, oldest first), or a
// release ("6.1.0-56-amd64"). `available` lists package names; empty: ask apt-cache.
bool resolve_debian_kernels(const std::string& spec, std::vector<DebianKernel>* out,
                            std::string* error, const std::vector<std::string>& available = {});

struct CachedKernel {
  std::string vmlinuz, vmlinux, config;
};
std::string sigctx_cache_dir();
// Downloads and unpacks the release unless it is cached; false with *error.
bool fetch_debian_kernel(const DebianKernel& k, CachedKernel* out, std::string* error);

}  // namespace sigctx
