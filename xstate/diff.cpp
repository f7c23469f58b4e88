#include "xstate/diff.h"

#include <fmt/format.h>
#include <algorithm>
#include <cstring>

#include "xstate/component_registry.h"

namespace sigctx {

std::vector<RegisterDiff> diff_images(const CpuImage& expected, const CpuImage& actual,
                                      const Machine& m, const DiffOptions& opts,
                                      const ClassifyContext& given) {
  std::vector<RegisterDiff> out;
  ClassifyContext ctx = given;
  if (ctx.thread_fsbase == 0) ctx.thread_fsbase = actual.host_fsbase;
  for (const ComponentDescriptor* comp : all_components()) {
    if (!(opts.checked & component_bit(comp->id))) continue;
    for (const Field& f : fields_of(*comp, m)) {
      if (comp->id == ComponentId::kGpr && (opts.gpr_skip >> f.reg) & 1) continue;
      if (!comp->field_applies(expected, f)) continue;
      const uint8_t* e = expected.bytes() + f.offset;
      const uint8_t* a = actual.bytes() + f.offset;
      RegisterDiff d;
      for (unsigned lane = 0; lane < f.lanes(); ++lane) {
        const size_t off = lane * f.lane_bytes;
        const size_t len = std::min<size_t>(f.lane_bytes, f.size - off);
        bool differs;
        if (f.size <= 8) {
          uint64_t ev = 0, av = 0;
          std::memcpy(&ev, e, f.size);
          std::memcpy(&av, a, f.size);
          differs = ((ev ^ av) & f.mask) != 0;
        } else {
          differs = std::memcmp(e + off, a + off, len) != 0;
        }
        if (!differs) continue;
        if (d.lanes.empty()) {
          Classification c = classify_lane(*comp, f, lane, {e + off, len}, {a + off, len}, ctx);
          d.cls = c.cls;
          d.source = c.source;
        }
        d.lanes.push_back(f.first_lane + lane);
      }
      if (d.lanes.empty()) continue;
      d.component = comp->id;
      d.reg = f.name;
      d.bits = f.bits;
      d.expected.assign(e, e + f.size);
      d.actual.assign(a, a + f.size);
      if (f.size <= 8 && f.mask != ~0ull) {
        // Show only the compared bits of masked registers (RFLAGS).
        uint64_t ev = 0, av = 0;
        std::memcpy(&ev, e, f.size);
        std::memcpy(&av, a, f.size);
        ev &= f.mask;
        av &= f.mask;
        std::memcpy(d.expected.data(), &ev, f.size);
        std::memcpy(d.actual.data(), &av, f.size);
      }
      d.where = opts.where;
      d.injection = opts.injection;
      out.push_back(std::move(d));
    }
  }
  return out;
}

bool images_equal(const CpuImage& expected, const CpuImage& actual, ComponentMask checked,
                  const Machine& m) {
  for (const ComponentDescriptor* c : all_components()) {
    if (!(checked & component_bit(c->id))) continue;
    for (const Field& f : fields_of(*c, m)) {
      if (!c->field_applies(expected, f)) continue;
      if (f.size <= 8) {
        uint64_t x = 0, y = 0;
        std::memcpy(&x, expected.bytes() + f.offset, f.size);
        std::memcpy(&y, actual.bytes() + f.offset, f.size);
        if ((x ^ y) & f.mask) return false;
      } else if (std::memcmp(expected.bytes() + f.offset, actual.bytes() + f.offset, f.size) != 0) {
        return false;
      }
    }
  }
  return true;
}

void lead_with_root(std::vector<RegisterDiff>& diffs) {
  std::stable_partition(diffs.begin(), diffs.end(), [](const RegisterDiff& d) {
    return d.component == ComponentId::kMxcsr || d.component == ComponentId::kPkru ||
           (d.component == ComponentId::kX87 && d.reg == "fcw");
  });
}

std::string hex_bytes(const std::vector<uint8_t>& le) {
  std::string s = "0x";
  for (size_t i = le.size(); i-- > 0;)
    s += fmt::format("{:02x}", le[i]);
  return s;
}

namespace {

bool parse_hex_bytes(const std::string& s, std::vector<uint8_t>* out) {
  if (s.size() < 2 || s[0] != '0' || s[1] != 'x' || s.size() % 2) return false;
  out->clear();
  for (size_t i = s.size(); i > 2; i -= 2) {
    unsigned v = 0;
    for (size_t k = i - 2; k < i; ++k) {
      char c = s[k];
      int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      if (d < 0) return false;
      v = v * 16 + static_cast<unsigned>(d);
    }
    out->push_back(static_cast<uint8_t>(v));
  }
  return true;
}

}  // namespace

nlohmann::json diff_to_json(const RegisterDiff& d) {
  nlohmann::json j = {
      {"component", std::string(component(d.component).name)},
      {"register", d.reg},
      {"bits", d.bits},
      {"lanes", d.lanes},
      {"expected", hex_bytes(d.expected)},
      {"actual", hex_bytes(d.actual)},
      {"class", diff_class_name(d.cls)},
      {"source", d.source},
      {"where", d.where},
  };
  nlohmann::json inj = {{"kernel", d.injection.routine},
                        {"offset", d.injection.offset},
                        {"instruction", d.injection.instruction}};
  inj["boundary"] = d.injection.boundary >= 0 ? nlohmann::json(d.injection.boundary) : nullptr;
  if (d.injection.boundaries >= 0) inj["boundaries"] = d.injection.boundaries;
  j["injection"] = inj;
  return j;
}

bool diff_from_json(const nlohmann::json& j, RegisterDiff* d, std::string* error) {
  try {
    const auto* comp = find_component(j.at("component").get<std::string>());
    if (!comp) {
      *error = "unknown component " + j.at("component").dump();
      return false;
    }
    d->component = comp->id;
    d->reg = j.at("register").get<std::string>();
    d->bits = j.value("bits", "");
    d->lanes = j.at("lanes").get<std::vector<unsigned>>();
    if (!parse_hex_bytes(j.at("expected").get<std::string>(), &d->expected) ||
        !parse_hex_bytes(j.at("actual").get<std::string>(), &d->actual)) {
      *error = "expected/actual must be 0x-prefixed hex with an even number of digits";
      return false;
    }
    if (!parse_diff_class(j.at("class").get<std::string>(), &d->cls)) {
      *error = "unknown class " + j.at("class").dump();
      return false;
    }
    d->source = j.value("source", "");
    d->where = j.value("where", "");
    if (j.contains("injection")) {
      const auto& inj = j["injection"];
      d->injection.routine = inj.value("kernel", "");
      d->injection.offset = inj.value("offset", uint64_t{0});
      d->injection.instruction = inj.value("instruction", "");
      d->injection.boundary = inj.contains("boundary") && !inj["boundary"].is_null()
                                  ? inj["boundary"].get<int64_t>()
                                  : -1;
      d->injection.boundaries = inj.value("boundaries", int64_t{-1});
    }
    return true;
  } catch (const nlohmann::json::exception& e) {
    *error = e.what();
    return false;
  }
}

std::vector<DiffGroup> group_diffs(const std::vector<RegisterDiff>& diffs) {
  std::vector<DiffGroup> groups;
  for (size_t i = 0; i < diffs.size(); ++i) {
    const auto& d = diffs[i];
    if (!groups.empty()) {
      const auto& prev = diffs[groups.back().first];
      if (prev.component == d.component && prev.cls == d.cls && prev.where == d.where &&
          prev.bits == d.bits) {
        groups.back().count++;
        groups.back().bytes += d.expected.size();
        continue;
      }
    }
    groups.push_back({i, 1, d.expected.size()});
  }
  return groups;
}

std::string describe_group(const std::vector<RegisterDiff>& diffs, const DiffGroup& g) {
  const auto& first = diffs[g.first];
  const auto& last = diffs[g.first + g.count - 1];
  std::string regs = g.count == 1 ? first.reg : first.reg + ".." + last.reg;
  std::string bits = first.bits.empty() ? "" : " " + first.bits;
  std::string where = first.where.empty() ? "" : " " + first.where;
  return fmt::format("{}: {}{} differ{} ({} register{}, {} bytes), class {}",
                     component(first.component).name, regs, bits, where, g.count,
                     g.count == 1 ? "" : "s", g.bytes, diff_class_name(first.cls));
}

std::string describe_diff(const RegisterDiff& d, size_t max_hex_digits) {
  // A register wider than the hex budget shows its first differing 64-bit lane, so the digits
  // that differ are always on screen.
  std::vector<uint8_t> e = d.expected, a = d.actual;
  std::string bits = d.bits;
  std::string note = d.source;
  if (e.size() * 2 > max_hex_digits && !d.lanes.empty() && e.size() % 8 == 0) {
    unsigned lo_bit = 0;  // the field's lowest architectural bit, from "[hi:lo]"
    if (!d.bits.empty()) std::sscanf(d.bits.c_str(), "[%*u:%u]", &lo_bit);
    const unsigned lane = d.lanes.front();
    const size_t idx = lane - lo_bit / 64;
    if ((idx + 1) * 8 <= e.size()) {
      e.assign(d.expected.begin() + 8 * idx, d.expected.begin() + 8 * idx + 8);
      a.assign(d.actual.begin() + 8 * idx, d.actual.begin() + 8 * idx + 8);
      bits = fmt::format("[{}:{}]", 64 * lane + 63, 64 * lane);
      if (d.lanes.size() > 1)
        note += fmt::format("{}{} lanes differ", note.empty() ? "" : "; ", d.lanes.size());
    }
  }
  std::string s = fmt::format("{}{} expected {} got {}  class: {}", d.reg, bits, hex_bytes(e),
                              hex_bytes(a), diff_class_name(d.cls));
  if (!note.empty()) s += " (" + note + ")";
  return s;
}

}  // namespace sigctx
