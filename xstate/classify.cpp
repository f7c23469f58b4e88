#include "xstate/classify.h"

#include <fmt/format.h>
#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>

#include "xstate/component_registry.h"

namespace sigctx {

const char* diff_class_name(DiffClass c) {
  switch (c) {
    case DiffClass::kZeroed:
      return "zeroed";
    case DiffClass::kInit:
      return "init";
    case DiffClass::kHandler:
      return "handler";
    case DiffClass::kForeign:
      return "foreign";
    case DiffClass::kStale:
      return "stale";
    case DiffClass::kMisplaced:
      return "misplaced";
    case DiffClass::kBitflip:
      return "bitflip";
    case DiffClass::kUnknown:
      return "unknown";
  }
  return "unknown";
}

bool parse_diff_class(std::string_view name, DiffClass* out) {
  for (int i = 0; i <= static_cast<int>(DiffClass::kUnknown); ++i) {
    auto c = static_cast<DiffClass>(i);
    if (name == diff_class_name(c)) {
      *out = c;
      return true;
    }
  }
  return false;
}

namespace {

bool is_handler_role(uint8_t role) {
  return role >= kRoleHandler1 && role <= kRoleEdit;
}
bool is_foreign_role(uint8_t role) {
  return role >= kRoleThread0;
}

uint64_t load_le(std::span<const uint8_t> b, size_t n) {
  uint64_t v = 0;
  std::memcpy(&v, b.data(), std::min<size_t>(n, 8));
  return v;
}

// Decodes a structured value; nullopt for narrow and derived codecs.
std::optional<LaneOrigin> decode_structured(const Field& f, std::span<const uint8_t> actual) {
  switch (f.codec) {
    case Codec::kLane64:
      return decode_lane(load_le(actual, 8));
    case Codec::kX87Reg:
      return decode_lane(load_le(actual, 8) & ~(1ull << 63));
    case Codec::kCanonical:
      return decode_canonical(load_le(actual, 8));
    default:
      return std::nullopt;
  }
}

// Narrow registers: regenerate the field for each known source (and the previous generation
// of the expected one) and look for an exact match.
std::optional<LaneOrigin> decode_narrow(const ComponentDescriptor& comp, const Field& f,
                                        std::span<const uint8_t> actual,
                                        const ClassifyContext& ctx) {
  if (!ctx.machine || !comp.fill) return std::nullopt;
  std::vector<KnownSource> candidates = ctx.known;
  KnownSource older = ctx.expected;
  older.source.generation = static_cast<uint8_t>(older.source.generation - 1);
  candidates.push_back(older);
  if (ctx.expected_is_edit()) {
    KnownSource main = ctx.expected;
    main.source.role = kRoleMain;
    candidates.push_back(main);
  }
  auto scratch = std::make_unique<CpuImage>();
  for (const auto& k : candidates) {
    scratch->clear();
    comp.fill(*scratch, *ctx.machine, k.source, k.shape);
    const bool match =
        f.size <= 8
            ? ((load_le({scratch->bytes() + f.offset, f.size}, f.size) ^ load_le(actual, f.size)) &
               f.mask) == 0
            : std::memcmp(scratch->bytes() + f.offset, actual.data(), f.size) == 0;
    if (match) {
      LaneOrigin o;
      o.source = k.source;
      o.component = static_cast<uint8_t>(comp.id);
      o.reg = f.reg;
      return o;
    }
  }
  return std::nullopt;
}

// Whether a decoded origin names a lane that exists: a value a routine computed from patterns
// can carry the magic and still name gpr[243] lane 209, which no pattern wrote.
bool names_a_real_lane(const LaneOrigin& o, const Machine* m) {
  const ComponentDescriptor* c = find_component(static_cast<ComponentId>(o.component));
  if (!c || !m) return c != nullptr;
  for (const Field& f : fields_of(*c, *m))
    if (f.reg == o.reg && o.lane >= f.first_lane && o.lane < f.first_lane + f.lanes()) return true;
  return false;
}

Classification from_origin(const LaneOrigin& o, const ComponentDescriptor& comp, const Field& f,
                           unsigned lane, const ClassifyContext& ctx, bool has_seed_tag) {
  const PatternSource& exp = ctx.expected.source;
  std::string src = describe_origin(o, ctx.edit_writer);
  if (has_seed_tag && o.source.seed_tag != exp.seed_tag)
    return {DiffClass::kForeign,
            fmt::format("{} of another run (seed tag {:#x})", src, o.source.seed_tag)};
  const bool same_slot = o.component == static_cast<uint8_t>(comp.id) && o.reg == f.reg &&
                         (f.codec == Codec::kNarrow || o.lane == f.first_lane + lane);
  if (o.source.role != exp.role) {
    if (ctx.expected_is_edit() && o.source.role == kRoleMain && same_slot)
      return {DiffClass::kStale, src + ", " + ctx.edit_not_taken};
    if (is_handler_role(o.source.role)) return {DiffClass::kHandler, src};
    if (is_foreign_role(o.source.role)) return {DiffClass::kForeign, src};
    return {DiffClass::kUnknown, src};
  }
  if (o.source.generation != exp.generation) return {DiffClass::kStale, src};
  if (!same_slot) return {DiffClass::kMisplaced, src};
  return {DiffClass::kUnknown, src};
}

}  // namespace

Classification classify_lane(const ComponentDescriptor& comp, const Field& field, unsigned lane,
                             std::span<const uint8_t> expected, std::span<const uint8_t> actual,
                             const ClassifyContext& ctx) {
  const size_t n = std::min(expected.size(), actual.size());
  const uint64_t mask = field.size <= 8 ? field.mask : ~0ull;
  auto masked = [&](std::span<const uint8_t> b) { return load_le(b, n) & mask; };

  if (std::all_of(actual.begin(), actual.begin() + n, [](uint8_t b) { return b == 0; }) ||
      (field.size <= 8 && masked(actual) == 0))
    return {DiffClass::kZeroed, ""};

  if (comp.init) {
    auto init = std::make_unique<CpuImage>();
    init->clear();
    comp.init(*init);
    const uint8_t* ip = init->bytes() + field.offset + lane * field.lane_bytes;
    bool equal = field.size <= 8 ? (load_le({ip, n}, n) & mask) == masked(actual)
                                 : std::memcmp(ip, actual.data(), n) == 0;
    if (equal) return {DiffClass::kInit, ""};
  }

  if (field.size <= 8)
    for (const DefaultValue& d : comp.defaults)
      if (masked(actual) == (d.value & mask)) return {DiffClass::kInit, std::string(d.source)};
  if (comp.id == ComponentId::kFsbase && ctx.thread_fsbase != 0 && field.size == 8 &&
      load_le(actual, 8) == ctx.thread_fsbase)
    return {DiffClass::kStale,
            "the thread's own TLS base (FS base before the case loaded its pattern)"};

  std::optional<LaneOrigin> origin = decode_structured(field, actual);
  if (origin && !names_a_real_lane(*origin, ctx.machine)) origin.reset();
  const bool has_seed_tag = field.codec == Codec::kLane64 || field.codec == Codec::kX87Reg;
  if (!origin && field.codec == Codec::kNarrow) origin = decode_narrow(comp, field, actual, ctx);
  if (origin) {
    Classification c = from_origin(*origin, comp, field, lane, ctx, has_seed_tag);
    if (c.cls != DiffClass::kUnknown) return c;
  }

  // A few flipped bits of the expected value.
  unsigned flipped = 0;
  std::vector<unsigned> bits;
  for (size_t i = 0; i < n; ++i) {
    uint8_t x = expected[i] ^ actual[i];
    if (i < 8 && field.size <= 8) x &= static_cast<uint8_t>(mask >> (8 * i));
    flipped += static_cast<unsigned>(std::popcount(x));
    for (unsigned b = 0; b < 8; ++b)
      if (x & (1u << b)) bits.push_back(static_cast<unsigned>(8 * i + b));
  }
  if (flipped > 0 && flipped <= 3)
    return {DiffClass::kBitflip,
            fmt::format("bit{} {} flipped", flipped > 1 ? "s" : "", fmt::join(bits, ","))};
  if (origin) return {DiffClass::kUnknown, describe_origin(*origin, ctx.edit_writer)};
  return {DiffClass::kUnknown, ""};
}

}  // namespace sigctx
