// ELF and bzImage files for sigctx vm. Kernel images as QEMU's -kernel takes them: a bzImage, or
// the ELF vmlinux inside it, which boots about twice as fast under TCG (QEMU enters it through its
// PVH note, and the guest has nothing to decompress).
#pragma once

#include <elf.h>

#include <string>
#include <string_view>
#include <vector>

namespace sigctx {

enum class KernelFormat { kUnknown, kBzImage, kElf };
KernelFormat kernel_format(std::string_view image);

// The vmlinux ELF inside a bzImage, whose payload is gzip, xz, zstd or lz4 compressed (Debian's
// 6.1 kernels use xz, its cloud kernels lz4, 6.12 zstd): false with *error saying why not.
bool extract_vmlinux(std::string_view bzimage, std::string* elf, std::string* error);

// Whether an ELF kernel has the PVH entry note (Xen's PHYS32_ENTRY) QEMU needs to boot it
// directly: kernels built without CONFIG_PVH must boot as a bzImage.
bool elf_has_pvh_entry(std::string_view elf);

// The program headers of a 64-bit ELF file: false when it is not one or its table is cut short.
bool elf_program_headers(std::string_view elf, std::vector<Elf64_Phdr>* out);
// Why `elf` cannot be a guest's /init, which has no program interpreter beside it: not a 64-bit
// ELF file, or dynamically linked. Empty when it can.
std::string static_executable_problem(std::string_view elf);

}  // namespace sigctx
