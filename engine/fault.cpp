#include "engine/fault.h"

#include <cstring>

#include <fmt/format.h>
#include <cstdlib>

#include "xstate/component_registry.h"

namespace sigctx {

std::optional<FaultSpec> parse_fault_spec(const std::string& spec, std::string* error) {
  FaultSpec f;
  f.active = true;
  f.spec = spec;
  std::string text = spec;
  if (const auto at = text.find('@'); at != std::string::npos) {
    const std::string b = text.substr(at + 1);
    char* end = nullptr;
    const long long v = b.empty() ? -1 : std::strtoll(b.c_str(), &end, 10);
    if (b.empty() || *end != '\0' || v < 0) {
      *error = fmt::format("'@{}' is not a boundary number", b);
      return std::nullopt;
    }
    f.boundary = v;
    text.resize(at);
  }
  if (text == "guard") {
    f.kind = FaultKind::kGuard;
    return f;
  }
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t colon; (colon = text.find(':', start)) != std::string::npos; start = colon + 1)
    parts.push_back(text.substr(start, colon - start));
  parts.push_back(text.substr(start));
  if (parts.size() > 4) {
    *error = fmt::format(
        "'{}' has more than four ':'-separated parts "
        "(COMPONENT[:REGISTER[:KIND[:LEVEL]]])",
        text);
    return std::nullopt;
  }
  const ComponentDescriptor* c = find_component(parts[0]);
  if (!c) {
    *error = fmt::format("unknown component '{}' (known: {})", parts[0],
                         component_names((1u << kComponentCount) - 1));
    return std::nullopt;
  }
  f.component = c->id;
  if (parts.size() > 1 && !parts[1].empty() && parts[1] != "*") {
    static const Machine kAnyMachine{};
    const auto fields = fields_of(*c, kAnyMachine);
    // A register that spans several fields (a tile's rows, TILECFG's parts) is targeted at its
    // first, which every pattern configures.
    for (size_t i = 0; i < fields.size() && f.field < 0; ++i)
      if (fields[i].name == parts[1]) f.field = static_cast<int>(i);
    if (f.field < 0 || (c->id == ComponentId::kGpr && parts[1] == "rsp")) {
      std::string names, last;
      for (const auto& fl : fields)
        if (!(c->id == ComponentId::kGpr && fl.name == "rsp") && fl.name != last) {
          names += (names.empty() ? "" : " ") + fl.name;
          last = fl.name;
        }
      *error = fmt::format("component {} has no register '{}' a fault can target (registers: {})",
                           c->name, parts[1], names);
      return std::nullopt;
    }
    f.register_name = parts[1];
  }
  if (parts.size() > 2 && !parts[2].empty()) {
    if (parts[2] == "leak")
      f.kind = FaultKind::kLeak;
    else if (parts[2] == "bitflip")
      f.kind = FaultKind::kBitflip;
    else if (parts[2] == "zero")
      f.kind = FaultKind::kZero;
    else {
      *error = fmt::format("unknown fault kind '{}' (leak, bitflip, zero)", parts[2]);
      return std::nullopt;
    }
  }
  if (parts.size() > 3) {
    if (parts[3] == "1" || parts[3] == "2") {
      f.level = parts[3] == "1" ? 1 : 2;
    } else {
      *error = fmt::format("fault level '{}' must be 1 or 2", parts[3]);
      return std::nullopt;
    }
  }
  return f;
}

namespace {
uint64_t load_prefix(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  std::memcpy(&v, p, n < 8 ? n : 8);
  return v;
}
}  // namespace

void apply_fault_to_field(FaultKind kind, const Field& fl, uint8_t* slot, const uint8_t* other) {
  switch (kind) {
    case FaultKind::kLeak:
      if (fl.size <= 8 && fl.mask != ~0ull) {  // only the patterned bits (RFLAGS)
        const uint64_t v =
            (load_prefix(slot, fl.size) & ~fl.mask) | (load_prefix(other, fl.size) & fl.mask);
        std::memcpy(slot, &v, fl.size);
      } else {
        std::memcpy(slot, other, fl.size);
      }
      break;
    case FaultKind::kBitflip: {
      const size_t n = fl.size < 8 ? fl.size : 8;
      const uint64_t v = load_prefix(slot, n) ^ bitflip_bit(fl);
      std::memcpy(slot, &v, n);
      break;
    }
    case FaultKind::kZero:
      if (fl.size <= 8 && fl.mask != ~0ull) {
        const uint64_t v = load_prefix(slot, fl.size) & ~fl.mask;
        std::memcpy(slot, &v, fl.size);
      } else {
        std::memset(slot, 0, fl.size);
      }
      break;
    case FaultKind::kGuard:
      break;
  }
}

uint64_t bitflip_bit(const Field& fl) {
  // A canonical address (FS/GS base) flips bit 44, in its magic, and stays loadable.
  return fl.codec == Codec::kNarrow      ? (fl.pattern_bits & -fl.pattern_bits)
         : fl.codec == Codec::kCanonical ? (1ull << 44)
                                         : (1ull << 60);
}

void apply_fault_to_image(const FaultSpec& f, const Machine& m, CpuImage& img,
                          const CpuImage& other) {
  const std::vector<Field>& fields = fields_of(component(f.component), m);
  for (size_t i = 0; i < fields.size(); ++i)
    if (f.field < 0 || static_cast<size_t>(f.field) == i)
      apply_fault_to_field(f.kind, fields[i], img.bytes() + fields[i].offset,
                           other.bytes() + fields[i].offset);
}

}  // namespace sigctx
