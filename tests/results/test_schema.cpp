// Components in the result schema: the shipped file admits any component name, and sigctx's own
// validation admits exactly the registered ones, so adding a component edits no schema and a
// diff of an unknown component is still refused (issue 22 part 8, issue 23 part 3).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "results/json_schema.h"
#include "xstate/component_registry.h"

namespace sigctx {
namespace {

nlohmann::json load(const std::string& relative) {
  const std::string path = std::string(SIGCTX_SOURCE_DIR) + "/" + relative;
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  return nlohmann::json::parse(in);
}

TEST(ResultSchema, ShippedFileAdmitsEveryRegisteredComponent) {
  const nlohmann::json schema = load("results/sigctx-result-1.schema.json");
  const std::regex pattern(
      schema.at("definitions").at("component").at("pattern").get<std::string>());
  for (const ComponentDescriptor* c : all_components())
    EXPECT_TRUE(std::regex_search(std::string(c->name), pattern)) << c->name;
}

// A committed run with diffs, its first diff's component renamed.
TEST(ResultSchema, BuiltInValidationAdmitsExactlyTheRegisteredComponents) {
  nlohmann::json run = load("results/runs/qemu-user-7.2-max-on-linux-6.18.json");
  nlohmann::json* diff = nullptr;
  for (auto& c : run.at("cases"))
    if (c.contains("diffs") && !c["diffs"].empty()) {
      diff = &c["diffs"][0];
      break;
    }
  ASSERT_NE(diff, nullptr) << "the committed qemu-user run has no diff to rename";
  std::string pointer, why;
  for (const ComponentDescriptor* c : all_components()) {
    (*diff)["component"] = std::string(c->name);
    EXPECT_TRUE(result_schema().validate(run, &pointer, &why)) << c->name << ": " << why;
  }
  (*diff)["component"] = "not_a_component";
  EXPECT_FALSE(result_schema().validate(run, &pointer, &why));
  EXPECT_NE(pointer.find("/component"), std::string::npos) << pointer;
}

}  // namespace
}  // namespace sigctx
