// The shipped result schema names every component the suite can report: a diff of a component
// the schema's enum lacks would make a valid run's file fail validation (issue 22, part 8).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "xstate/component_registry.h"

namespace sigctx {
namespace {

TEST(ResultSchema, ComponentEnumIsTheComponentTable) {
  const std::string path = std::string(SIGCTX_SOURCE_DIR) + "/results/sigctx-result-1.schema.json";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  const nlohmann::json schema = nlohmann::json::parse(in);
  std::set<std::string> in_schema;
  for (const auto& name : schema.at("definitions").at("component").at("enum"))
    in_schema.insert(name.get<std::string>());
  std::set<std::string> in_table;
  for (const ComponentDescriptor* c : all_components())
    in_table.insert(std::string(c->name));
  EXPECT_EQ(in_schema, in_table) << path << "'s component enum differs from xstate's table";
}

}  // namespace
}  // namespace sigctx
