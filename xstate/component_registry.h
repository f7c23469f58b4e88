// The ordered table of components. Adding a component means its .cpp and .S in
// xstate/components/ plus one line in xstate/components/components.inc.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "xstate/component.h"

namespace sigctx {

// Every component, in load order (see ComponentDescriptor).
std::span<const ComponentDescriptor* const> all_components();
const ComponentDescriptor* find_component(ComponentId id);
const ComponentDescriptor* find_component(std::string_view name);
const ComponentDescriptor& component(ComponentId id);

// Components whose availability predicate holds on this machine.
ComponentMask available_components(const Machine& m);
// Whether every component in mask is available here; the first that is not names itself and
// why ("avx: CPU lacks AVX").
Availability components_available(ComponentMask mask, const Machine& m);
// Runs the prepare step of every component in mask (AMX permission) in the calling process; the
// first failure names its component.
Availability prepare_components(const Machine& m, ComponentMask mask);
// The XSAVE state components this table has code for, as an XCR0-style mask.
uint64_t covered_xsave_mask();
// User components the OS enabled in XCR0 that no component here loads or checks (AMX's tile
// state, APX, MPX on old kernels, whatever comes next): never silently ignored, sigctx probe and
// sigctx run name them.
uint64_t uncovered_xcr0_components(const Machine& m);
// "amx_tilecfg amx_tiledata (XCR0 bits 17, 18)", or empty when every component is covered.
std::string uncovered_xcr0_text(const Machine& m);

// "XCR0 components checked only through XRSTOR and XSAVE (xsave_other): apx (XCR0 bit 19)\n"
// when xsave_other is bound to a component m enabled, else empty.
std::string generic_xcr0_line(const Machine& m);

// The offset of c's registers in the image: its slot in the extension area (IMG_EXT) when it
// asks for one (slot_bytes), handed out in registration order, 64-byte aligned; 0 otherwise.
uint16_t image_slot(const ComponentDescriptor& c);
// Bytes of the extension area the registered components use (at most IMG_EXT_BYTES).
unsigned image_slot_bytes_used();

// Named sets of components, for expectation files: "xsave-extended" is every component whose
// state lives in XSAVE's extended area (XCR0 bit 2 and up, and xsave_other, which is bound to
// one of them). The members of group `name` in registration order; empty when there is none.
std::vector<const ComponentDescriptor*> component_group(std::string_view name);
// The group names, for messages.
std::vector<std::string> component_group_names();

// "avx" names for a mask, in registration order, comma separated.
std::string component_names(ComponentMask mask);

// The fields of a component on a machine, computed once: signal handlers walk them and must not
// allocate. Field lists depend on the machine only through the opmask width (AVX512BW).
const std::vector<Field>& fields_of(const ComponentDescriptor& c, const Machine& m);

// The register named by a pattern register number ("ymm7", "k1").
std::string register_name(const ComponentDescriptor& c, unsigned reg);

}  // namespace sigctx
