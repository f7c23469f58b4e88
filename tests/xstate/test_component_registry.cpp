// What the registry derives from components.inc: ids in registration order, the image slots of
// components without fixed offsets, and the routine lists' slot argument.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>

#include "xstate/component_registry.h"

extern "C" void sigctx_test_record_slot(sigctx::CpuImage*);
extern "C" void sigctx_run_routines(sigctx::CpuImage* image, const sigctx::ComponentRoutine* list);

namespace sigctx {
namespace {

TEST(ComponentRegistry, IdsFollowRegistrationOrder) {
  const auto components = all_components();
  ASSERT_EQ(components.size(), kComponentCount);
  for (size_t i = 0; i < components.size(); ++i)
    EXPECT_EQ(static_cast<size_t>(components[i]->id), i) << components[i]->name;
}

TEST(ComponentRegistry, NamesAreUniqueAndFindable) {
  std::set<std::string> names;
  for (const ComponentDescriptor* c : all_components()) {
    EXPECT_TRUE(names.insert(std::string(c->name)).second) << c->name;
    EXPECT_EQ(find_component(c->name), c);
    EXPECT_EQ(c->name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_"),
              std::string_view::npos)
        << c->name << ": expectation groups use other characters";
  }
}

// Every component the mutation tables can break by register names one that it has; only those
// whose registers the machine decides are left to their own fixture tests.
TEST(ComponentRegistry, RepresentativeRegistersAreFieldsOfTheirComponent) {
  const std::set<std::string> fixture_tested = {"amx_tilecfg", "amx_tiledata", "xsave_other"};
  Machine any;
  any.features.avx512bw = true;
  for (const ComponentDescriptor* c : all_components()) {
    if (c->representative_register.empty()) {
      EXPECT_TRUE(fixture_tested.count(std::string(c->name)))
          << c->name << " names no representative register for the mutation tests";
      continue;
    }
    bool found = false;
    for (const Field& f : fields_of(*c, any))
      found |= f.name == c->representative_register;
    EXPECT_TRUE(found) << c->name << ": " << c->representative_register
                       << " is not one of its fields";
  }
}

TEST(ComponentRegistry, SlotsFitTheExtensionArea) {
  EXPECT_LE(image_slot_bytes_used(), unsigned{IMG_EXT_BYTES});
  for (const ComponentDescriptor* c : all_components()) {
    if (!c->slot_bytes) {
      EXPECT_EQ(image_slot(*c), 0) << c->name;
      continue;
    }
    EXPECT_GE(image_slot(*c), IMG_EXT) << c->name;
    EXPECT_EQ(image_slot(*c) % 64, 0) << c->name;
    EXPECT_LE(image_slot(*c) + c->slot_bytes, IMG_EXT + IMG_EXT_BYTES) << c->name;
  }
}

// The routine loop hands each routine image + its slot offset in rsi.
TEST(ComponentRegistry, RoutinesGetTheirSlotInRsi) {
  auto image = std::make_unique<CpuImage>();
  image->clear();
  const ComponentRoutine list[] = {{sigctx_test_record_slot, IMG_EXT + 128}, {}};
  sigctx_run_routines(image.get(), list);
  uint64_t got = 0;
  std::memcpy(&got, image->ext, sizeof(got));
  EXPECT_EQ(got, reinterpret_cast<uint64_t>(image->bytes()) + IMG_EXT + 128);
}

}  // namespace
}  // namespace sigctx
