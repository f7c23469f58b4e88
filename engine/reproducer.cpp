#include "engine/reproducer.h"

#include <fmt/format.h>
#include <algorithm>
#include <memory>
#include <vector>

#include "engine/fault.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

// The pattern roles a reproducer uses, in the order of its role enum (MAIN .. OTHER).
constexpr uint8_t kRoles[] = {kRoleMain, kRoleHandler1, kRoleHandler1 + 1, kRoleEdit,
                              kRoleThread0 + 1};
constexpr uint8_t kGeneration = 1;

// The GPRs live_transition holds, in the order of its gpr arrays: those no system call with at
// most three arguments uses (rax, rcx, rdx, rsi, rdi and r11 carry the call), rsp excepted.
constexpr const char* kHeldGprs[] = {"rbx", "rbp", "r8", "r9", "r10", "r12", "r13", "r14", "r15"};

// One row of the program's register table: registers of one component that share a layout.
struct Row {
  const ComponentDescriptor* comp = nullptr;
  std::string name, bits;
  int xfeature = -1, offset = 0, stride = 0, count = 1, size = 0, first_reg = 0, first_lane = 0;
  const char* codec = "LANE64";
  uint64_t mask = ~0ull, init = 0, flip = 0, os_default = 0;
  uint64_t value[std::size(kRoles)] = {};
};

// The machine the table is laid out for: AVX-512BW's 64-bit opmask registers, whatever this
// machine has, so a program written here runs where AVX-512 exists.
Machine layout_machine(const Machine& m) {
  Machine out = m;
  out.features.avx512bw = true;
  return out;
}

uint64_t field_bytes(const CpuImage& img, const Field& f) {
  uint64_t v = 0;
  std::memcpy(&v, img.bytes() + f.offset, f.size < 8 ? f.size : 8);
  return v;
}

// "ymm12" -> ("ymm", 12); no trailing number: ("", -1).
std::pair<std::string, int> split_number(const std::string& name) {
  size_t i = name.size();
  while (i > 0 && std::isdigit(static_cast<unsigned char>(name[i - 1])))
    --i;
  if (i == name.size()) return {name, -1};
  return {name.substr(0, i), std::stoi(name.substr(i))};
}

// Whether field f continues row r (the next register of the same shape).
bool continues(const Row& r, const Field& f, const Field& prev) {
  const auto [prefix, n] = split_number(f.name);
  const auto [prev_prefix, prev_n] = split_number(prev.name);
  if (n < 0 || prefix != prev_prefix || n != prev_n + 1 || f.bits != prev.bits) return false;
  if (f.size != r.size || f.codec != prev.codec || f.reg != prev.reg + 1) return false;
  const int stride = f.xsave_offset - prev.xsave_offset;
  return r.count == 1 ? stride > 0 : stride == r.stride;
}

std::vector<Row> rows_for(const ComponentDescriptor& c, const Machine& m, uint16_t tag) {
  std::vector<Row> rows;
  auto images = std::make_unique<CpuImage[]>(std::size(kRoles) + 1);
  for (size_t k = 0; k < std::size(kRoles); ++k) {
    images[k].clear();
    c.fill(images[k], m, {tag, kRoles[k], kGeneration}, Shape::kLanes);
  }
  CpuImage& init = images[std::size(kRoles)];
  init.clear();
  if (c.init) c.init(init);
  const std::vector<Field> fields = fields_of(c, m);
  for (size_t i = 0; i < fields.size(); ++i) {
    const Field& f = fields[i];
    if (c.id == ComponentId::kGpr) {
      const auto held = std::find(std::begin(kHeldGprs), std::end(kHeldGprs), f.name);
      if (held == std::end(kHeldGprs)) continue;
      Row r{&c, f.name, f.bits, -1,   static_cast<int>(held - std::begin(kHeldGprs)), 0, 1,
            8,  f.reg,  0,      "GPR"};
      r.flip = bitflip_bit(f);
      rows.push_back(r);
      continue;
    }
    if (c.id == ComponentId::kGsbase) {
      Row r{&c, f.name, f.bits, -1,       static_cast<int>(std::size(kHeldGprs)), 0, 1,
            8,  f.reg,  0,      "SEGBASE"};
      r.flip = bitflip_bit(f);
      rows.push_back(r);
      continue;
    }
    if (f.xsave_offset < 0 || f.codec == Codec::kDerived) continue;
    if (!rows.empty() && rows.back().comp == &c && i > 0 &&
        continues(rows.back(), f, fields[i - 1])) {
      Row& r = rows.back();
      r.stride = f.xsave_offset - fields[i - 1].xsave_offset;
      ++r.count;
      continue;
    }
    const auto [prefix, n] = split_number(f.name);
    Row r;
    r.comp = &c;
    r.name = n < 0 ? f.name : prefix + "%d";
    r.bits = f.bits.empty() ? "" : " " + f.bits;
    r.xfeature = c.xsave_index;
    r.offset = f.xsave_offset;
    r.size = f.size;
    r.first_reg = f.reg;
    r.first_lane = f.first_lane;
    r.flip = bitflip_bit(f);
    if (f.codec == Codec::kNarrow) {
      r.codec = "NARROW";
      r.mask = f.size < 8 ? (f.mask & ((1ull << (8 * f.size)) - 1)) : f.mask;
      r.init = field_bytes(init, f);
      if (!c.defaults.empty()) r.os_default = c.defaults.front().value;
      for (size_t k = 0; k < std::size(kRoles); ++k)
        r.value[k] = field_bytes(images[k], f);
    } else if (f.codec == Codec::kX87Reg) {
      r.codec = "X87REG";
      for (size_t k = 0; k < std::size(kRoles); ++k)
        r.value[k] = images[k].x87_depth;
    } else if (f.codec != Codec::kLane64) {
      continue;
    }
    rows.push_back(r);
  }
  return rows;
}

std::string row_text(const Row& r) {
  std::string values;
  for (uint64_t v : r.value)
    values += fmt::format("{}{:#x}", values.empty() ? "" : ", ", v);
  return fmt::format(
      "  {{\"{}\", \"{}\", \"{}\", {}, {}, {}, {}, {}, {}, {}, {}, {}, {:#x}, {:#x}, {:#x}, "
      "{:#x}, {{{}}}}},\n",
      r.comp->name, r.name, r.bits, static_cast<int>(r.comp->id), r.xfeature, r.offset, r.stride,
      r.count, r.size, r.first_reg, r.first_lane, r.codec, r.mask, r.init, r.flip, r.os_default,
      values);
}

// The fault the program applies under -DSIGCTX_INJECT_FAULT: row and register index.
struct FaultSite {
  size_t row = 0;
  int reg = -1;
  std::string error;
};

std::string row_register(const Row& r, int k) {
  std::string name = r.name;
  if (const auto pct = name.find("%d"); pct != std::string::npos)
    name.replace(pct, 2, std::to_string(r.first_reg + k));
  return name;
}

FaultSite locate_fault(const std::vector<Row>& rows, ComponentId comp, const std::string& reg) {
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].comp->id != comp) continue;
    if (reg.empty()) return {i, -1, ""};
    for (int k = 0; k < rows[i].count; ++k)
      if (row_register(rows[i], k) == reg) return {i, rows[i].count == 1 ? -1 : k, ""};
  }
  return {0, -1,
          fmt::format("the reproducer holds no register '{}' of {}", reg, component(comp).name)};
}

const char* fault_kind_macro(FaultKind k) {
  switch (k) {
    case FaultKind::kBitflip:
      return "FAULT_BITFLIP";
    case FaultKind::kZero:
      return "FAULT_ZERO";
    default:
      return "FAULT_LEAK";
  }
}

constexpr const char* kHeaderTypes = R"C(#define _GNU_SOURCE
#include <cpuid.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

/* Who wrote a value (the role byte of its pattern), and INIT for the init state. */
enum { MAIN, HANDLER1, HANDLER2, EDIT, OTHER, INIT, NROLES = INIT };
static const uint8_t role_byte[NROLES] = {0x00, 0x01, 0x02, 0x10, 0x21};
static const char *const role_text[NROLES] = {"the interrupted code", "handler level 1",
                                              "handler level 2", "the frame edit", "thread 1"};
enum { LANE64, X87REG, NARROW, GPR, SEGBASE }; /* how a register's values are built */
enum { FAULT_LEAK, FAULT_BITFLIP, FAULT_ZERO };

/* Registers of one component that share a layout: `count` registers `stride` bytes apart at
 * `offset` in XSAVE component `xfeature`'s area (GPR, SEGBASE: index `offset` of the held
 * GPRs, where GS base follows the GPRs).
 * NARROW registers hold value[role]; X87REG ones are filled to the stack depth value[role]. */
struct regs {
  const char *component, *name, *bits;
  int comp, xfeature, offset, stride, count, size, first_reg, first_lane, codec;
  uint64_t mask, init, flip, os_default; /* os_default: Linux's own init value (PKRU), or 0 */
  uint64_t value[NROLES];
};
)C";

// Text as " * " comment lines of at most 96 columns.
std::string comment_lines(const std::string& text) {
  std::string out, line;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(pos, end - pos);
    if (!line.empty() && line.size() + 1 + word.size() > 93) {
      out += " * " + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    pos = end + 1;
  }
  return out + " * " + line + "\n";
}

}  // namespace

std::string reproducer_component_gap(ComponentMask checked) {
  for (const ComponentDescriptor* c : all_components()) {
    if (!(checked & component_bit(c->id))) continue;
    switch (c->id) {
      case ComponentId::kRflags:
        return "rflags: the arithmetic flags do not survive the C code around a system call";
      case ComponentId::kFsbase:
        return "fsbase: glibc keeps its thread pointer in FS base, so a C handler cannot run "
               "with a pattern there";
      case ComponentId::kAmxTilecfg:
      case ComponentId::kAmxTiledata:
        return std::string(c->name) +
               ": AMX needs a tile configuration and ARCH_REQ_XCOMP_PERM, not written yet";
      case ComponentId::kXsaveOther:
        return "xsave_other: it follows whatever XSAVE component it is bound to at run time";
      default:
        break;
    }
  }
  return "";
}

std::string reproduce_command(const std::string& case_id, uint64_t seed) {
  std::string file = case_id;
  std::replace(file.begin(), file.end(), '/', '-');
  return fmt::format("sigctx reproduce {} --seed {:#x} -o {}.c", case_id, seed, file);
}

std::string emit_reproducer(const std::string& case_id, const ReproducerPlan& plan, uint64_t seed,
                            const FaultSpec& fault, const Machine& host, const std::string& command,
                            const std::string& file_name, std::string* error) {
  const Machine m = layout_machine(host);
  const uint16_t tag = seed_tag(seed);
  std::vector<Row> rows;
  ComponentMask held = 0;
  for (const ComponentDescriptor* c : all_components()) {
    if (!reproducer_component_gap(component_bit(c->id)).empty() || !c->fill) continue;
    held |= component_bit(c->id);
    // Only the checked components' registers: the program stays short, and the handler still
    // clobbers every register it compares.
    if (plan.checked && !(plan.checked & component_bit(c->id))) continue;
    for (Row& r : rows_for(*c, m, tag))
      rows.push_back(r);
  }
  const ComponentMask checked = plan.checked ? plan.checked : held;

  // The fault: the one given, or a leak into the first checked component's representative
  // register.
  ComponentId fault_comp = fault.active ? fault.component : ComponentId::kCount;
  std::string fault_reg = fault.register_name;
  if (!fault.active)
    for (const ComponentDescriptor* c : all_components())
      if ((checked & component_bit(c->id)) && fault_comp == ComponentId::kCount) {
        fault_comp = c->id;
        fault_reg = std::string(c->representative_register);
      }
  const FaultSite site = locate_fault(rows, fault_comp, fault_reg);
  if (!site.error.empty()) {
    *error = site.error;
    return "";
  }
  const std::string fault_spec =
      fault.active ? fault.spec : fmt::format("{}:{}:leak", component(fault_comp).name, fault_reg);

  std::string out = fmt::format(
      "/* sigctx reproducer for {case} (seed {seed:#x}, pattern seed tag {tag:#x}).\n"
      " * Written by: {command}\n"
      "{what}"
      " *\n"
      " * Build and run:  cc -O2 -o repro {file} && ./repro\n"
      " * Exit status: 0 the platform conforms, 1 it deviates (the lines above say where),\n"
      " * 77 the CPU or OS lacks a checked component, 2 the program could not set itself up.\n"
      " * cc -O2 -DSIGCTX_INJECT_FAULT applies the fault `{fault}` (sigctx run --inject-fault),\n"
      " * so the program must then report {comp} and exit 1: a check of the program itself.\n"
      "{emulate}"
      " * Only libc and inline assembly: no part of sigctx is needed. */\n",
      fmt::arg("case", case_id), fmt::arg("seed", seed), fmt::arg("tag", tag),
      fmt::arg("command", command),
      fmt::arg("what", comment_lines("The case, in the suite: " + plan.what)),
      fmt::arg("file", file_name), fmt::arg("fault", fault_spec),
      fmt::arg("comp", component(fault_comp).name),
      fmt::arg(
          "emulate",
          plan.emulated_bug.empty()
              ? std::string()
              : fmt::format(" * cc -O2 -DSIGCTX_EMULATE applies catalog bug {0}'s effect (sigctx "
                            "run --emulate {0}):\n * the program must then fail.\n",
                            plan.emulated_bug)));
  out += kHeaderTypes;
  out += fmt::format(
      "\n#define CASE_ID \"{}\"\n#define SEED_TAG {:#x}\n"
      "#define GENERATION {}\n#define ITERATIONS {}\n#define NGPR {}\n#define HAS_GSBASE {}\n",
      case_id, tag, kGeneration, plan.iterations, std::size(kHeldGprs),
      (checked & component_bit(ComponentId::kGsbase)) ? 1 : 0);
  std::string names;
  for (const ComponentDescriptor* c : all_components())
    if (checked & held & component_bit(c->id))
      names += fmt::format("{}{}", names.empty() ? "" : ", ", c->name);
  out += fmt::format("/* The components compared: {}{} (bits: sigctx's component ids). */\n", names,
                     plan.checked && !plan.available_only ? "" : ", those of them this CPU has");
  out += fmt::format("#define CHECKED {:#x}u\n#define EVERY_COMPONENT {}\n", checked & held,
                     plan.checked && !plan.available_only ? 0 : 1);
  out += fmt::format(
      "#define FAULT_SPEC \"{}\"\n#define FAULT_ROW {}\n#define FAULT_REGISTER {}\n"
      "#define FAULT_KIND {}\n#define FAULT_LEVEL {}\n\n",
      fault_spec, site.row, site.reg, fault_kind_macro(fault.kind), fault.active ? fault.level : 1);
  out +=
      "/* From sigctx's component descriptors: name, register, bits, component id, XSAVE\n"
      " * component, offset, stride, count, size, first register, first lane, codec, mask,\n"
      " * init value, the bit a bitflip flips, Linux's default, and the values (narrow) or stack\n"
      " * depths (x87) of\n"
      " * MAIN, HANDLER1, HANDLER2, EDIT and OTHER. */\n";
  out += "static const struct regs rows[] = {\n";
  for (const Row& r : rows)
    out += row_text(r);
  out += "};\n#define NROWS (sizeof rows / sizeof rows[0])\n";
  out += plan.macros;
  out += kReproducerPrelude;
  const std::string calls = plan.driver + plan.hooks;
  if (calls.find("put_role(") != std::string::npos) out += kReproducerPutRole;
  if (calls.find("user_reg_of[") != std::string::npos) out += kReproducerUserRegs;
  if (!plan.emulation_code.empty())
    out +=
        "\n#ifdef SIGCTX_EMULATE /* sigctx run --emulate " + plan.emulated_bug + " */" +
        (plan.emulation_code.find("copy_component(") != std::string::npos ? kReproducerCopyComponent
                                                                          : "") +
        plan.emulation_code + "#endif\n";
  out += plan.driver;
  out += plan.hooks;
  out += R"C(
int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0); /* forked children print too */
  int rc = probe();
  if (rc) return rc;
  make_images();
  printf("%s: seed tag %#x\n", CASE_ID, SEED_TAG);
  rc = run_case();
  printf("%s %s\n", rc == 0 ? "PASS" : rc == 1 ? "FAIL" : "ERROR", CASE_ID);
  return rc;
}
)C";
  return out;
}

}  // namespace sigctx
