// Kernel images as QEMU's -kernel takes them: a bzImage, or the ELF vmlinux inside it, which
// boots about twice as fast under TCG (QEMU enters it through its PVH note, and the guest has
// nothing to decompress).
#pragma once

#include <string>
#include <string_view>

namespace sigctx {

enum class KernelFormat { kUnknown, kBzImage, kElf };
KernelFormat kernel_format(std::string_view image);

// The vmlinux ELF inside a bzImage, whose payload is gzip, xz, zstd or lz4 compressed (Debian's
// 6.1 kernels use xz, its cloud kernels lz4, 6.12 zstd): false with *error saying why not.
bool extract_vmlinux(std::string_view bzimage, std::string* elf, std::string* error);

// Whether an ELF kernel has the PVH entry note (Xen's PHYS32_ENTRY) QEMU needs to boot it
// directly: kernels built without CONFIG_PVH must boot as a bzImage.
bool elf_has_pvh_entry(std::string_view elf);

}  // namespace sigctx
