#include "runners/vm/kernel_image.h"

#include <lz4.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <fmt/format.h>
#include <cstdint>
#include <cstring>

namespace sigctx {

namespace {

template <typename T>
T read_le(std::string_view s, size_t off) {
  T v{};
  std::memcpy(&v, s.data() + off, sizeof(T));
  return v;
}

// Each decoder stops at the end of its stream: the kernel's build appends the uncompressed
// size after it, which is not part of the stream.
bool inflate_gzip(std::string_view in, std::string* out, std::string* error) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
    *error = "zlib: inflateInit2 failed";
    return false;
  }
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  char buf[1 << 16];
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    rc = inflate(&z, Z_NO_FLUSH);
    out->append(buf, sizeof(buf) - z.avail_out);
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) *error = fmt::format("gzip payload: zlib error {}", rc);
  return rc == Z_STREAM_END;
}

bool decode_xz(std::string_view in, std::string* out, std::string* error) {
  lzma_stream z = LZMA_STREAM_INIT;
  if (lzma_stream_decoder(&z, UINT64_MAX, 0) != LZMA_OK) {
    *error = "liblzma: lzma_stream_decoder failed";
    return false;
  }
  z.next_in = reinterpret_cast<const uint8_t*>(in.data());
  z.avail_in = in.size();
  lzma_ret rc = LZMA_OK;
  uint8_t buf[1 << 16];
  while (rc == LZMA_OK) {
    z.next_out = buf;
    z.avail_out = sizeof(buf);
    rc = lzma_code(&z, LZMA_FINISH);
    out->append(reinterpret_cast<char*>(buf), sizeof(buf) - z.avail_out);
  }
  lzma_end(&z);
  if (rc != LZMA_STREAM_END) *error = fmt::format("xz payload: liblzma error {}", int{rc});
  return rc == LZMA_STREAM_END;
}

bool decode_zstd(std::string_view in, std::string* out, std::string* error) {
  ZSTD_DStream* z = ZSTD_createDStream();
  ZSTD_initDStream(z);
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  char buf[1 << 16];
  size_t rc = 1;
  while (rc != 0) {
    ZSTD_outBuffer dst{buf, sizeof(buf), 0};
    rc = ZSTD_decompressStream(z, &dst, &src);
    if (ZSTD_isError(rc)) {
      *error = fmt::format("zstd payload: {}", ZSTD_getErrorName(rc));
      ZSTD_freeDStream(z);
      return false;
    }
    out->append(buf, dst.pos);
    if (rc != 0 && src.pos == src.size && dst.pos == 0) {
      *error = "zstd payload: truncated";
      ZSTD_freeDStream(z);
      return false;
    }
  }
  ZSTD_freeDStream(z);
  return true;
}

// LZ4's legacy frame, the kernel's: blocks of at most 8 MiB, each after its 4-byte compressed
// size, and no end marker (the kernel's appended size reads as a block too large to follow).
bool decode_lz4_legacy(std::string_view in, std::string* out, std::string* error) {
  constexpr size_t kBlockMax = 8 << 20;
  std::string block(kBlockMax, '\0');
  size_t pos = 4;
  while (pos + 4 <= in.size()) {
    const uint32_t size = read_le<uint32_t>(in, pos);
    if (size == 0x184c2102u) {  // a concatenated frame
      pos += 4;
      continue;
    }
    if (size > in.size() - pos - 4 || size > static_cast<uint32_t>(LZ4_compressBound(kBlockMax)))
      break;
    const int n = LZ4_decompress_safe(in.data() + pos + 4, block.data(), static_cast<int>(size),
                                      static_cast<int>(kBlockMax));
    if (n < 0) {
      *error = fmt::format("lz4 payload: corrupt block at offset {}", pos);
      return false;
    }
    out->append(block.data(), static_cast<size_t>(n));
    pos += 4 + size;
  }
  if (out->empty()) *error = "lz4 payload: no block";
  return !out->empty();
}

}  // namespace

KernelFormat kernel_format(std::string_view image) {
  if (image.size() >= 4 && image.substr(0, 4) ==
                               "\x7f"
                               "ELF")
    return KernelFormat::kElf;
  // The boot protocol's setup header: "HdrS" at 0x202, 0xAA55 at 0x1fe.
  if (image.size() >= 0x260 && image.substr(0x202, 4) == "HdrS" &&
      read_le<uint16_t>(image, 0x1fe) == 0xaa55)
    return KernelFormat::kBzImage;
  return KernelFormat::kUnknown;
}

bool extract_vmlinux(std::string_view bz, std::string* elf, std::string* error) {
  if (kernel_format(bz) != KernelFormat::kBzImage) {
    *error = "not a bzImage (no HdrS setup header)";
    return false;
  }
  // Protocol 2.08 and later give the payload's offset and length, relative to the
  // protected-mode code that follows the (setup_sects + 1) sectors of real-mode setup.
  const uint16_t version = read_le<uint16_t>(bz, 0x206);
  if (version < 0x208) {
    *error = fmt::format("boot protocol {}.{:02} has no payload fields (2.08 and later do)",
                         version >> 8, version & 0xff);
    return false;
  }
  const unsigned setup_sects =
      static_cast<uint8_t>(bz[0x1f1]) ? static_cast<uint8_t>(bz[0x1f1]) : 4;
  const uint64_t start = (setup_sects + 1) * 512ull + read_le<uint32_t>(bz, 0x248);
  const uint64_t length = read_le<uint32_t>(bz, 0x24c);
  if (start + length > bz.size() || length < 4) {
    *error = "the payload lies outside the image";
    return false;
  }
  const std::string_view payload = bz.substr(start, length);
  elf->clear();
  bool ok = false;
  if (payload.substr(0, 2) == "\x1f\x8b")
    ok = inflate_gzip(payload, elf, error);
  else if (payload.substr(0, 6) == std::string_view("\xfd"
                                                    "7zXZ\0",
                                                    6))
    ok = decode_xz(payload, elf, error);
  else if (payload.substr(0, 4) == "\x28\xb5\x2f\xfd")
    ok = decode_zstd(payload, elf, error);
  else if (payload.substr(0, 4) == "\x02\x21\x4c\x18")
    ok = decode_lz4_legacy(payload, elf, error);
  else
    *error = fmt::format(
        "the payload's compression is not gzip, xz, zstd or lz4 (it starts {:02x} {:02x} {:02x} "
        "{:02x})",
        static_cast<uint8_t>(payload[0]), static_cast<uint8_t>(payload[1]),
        static_cast<uint8_t>(payload[2]), static_cast<uint8_t>(payload[3]));
  if (ok && kernel_format(*elf) != KernelFormat::kElf) {
    *error = "the decompressed payload is not an ELF file";
    ok = false;
  }
  return ok;
}

bool elf_program_headers(std::string_view elf, std::vector<Elf64_Phdr>* out) {
  out->clear();
  if (kernel_format(elf) != KernelFormat::kElf || elf.size() < sizeof(Elf64_Ehdr)) return false;
  Elf64_Ehdr eh;
  std::memcpy(&eh, elf.data(), sizeof(eh));
  if (eh.e_ident[EI_CLASS] != ELFCLASS64) return false;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    const uint64_t off = eh.e_phoff + uint64_t{i} * eh.e_phentsize;
    if (off + sizeof(Elf64_Phdr) > elf.size()) return false;
    out->emplace_back();
    std::memcpy(&out->back(), elf.data() + off, sizeof(Elf64_Phdr));
  }
  return true;
}

bool elf_has_pvh_entry(std::string_view elf) {
  std::vector<Elf64_Phdr> headers;
  if (!elf_program_headers(elf, &headers)) return false;
  for (const Elf64_Phdr& ph : headers) {
    if (ph.p_type != PT_NOTE || ph.p_offset + ph.p_filesz > elf.size()) continue;
    for (uint64_t p = ph.p_offset; p + sizeof(Elf64_Nhdr) <= ph.p_offset + ph.p_filesz;) {
      Elf64_Nhdr nh;
      std::memcpy(&nh, elf.data() + p, sizeof(nh));
      const uint64_t name = p + sizeof(nh);
      constexpr uint32_t kXenElfnotePhys32Entry = 18;
      if (nh.n_type == kXenElfnotePhys32Entry && nh.n_namesz == 4 &&
          elf.substr(name, 4) == std::string_view("Xen\0", 4))
        return true;
      p = name + ((nh.n_namesz + 3) & ~3u) + ((nh.n_descsz + 3) & ~3u);
    }
  }
  return false;
}

std::string static_executable_problem(std::string_view elf) {
  std::vector<Elf64_Phdr> headers;
  if (!elf_program_headers(elf, &headers))
    return "is not a 64-bit ELF file (or its program header table is cut short)";
  for (const Elf64_Phdr& ph : headers)
    if (ph.p_type == PT_INTERP)
      return "is dynamically linked (the default build links the static one as "
             "build/sigctx-static)";
  return "";
}

}  // namespace sigctx
