#include "policy-schema/json_writer.h"

#include "gtest/gtest.h"

namespace podwall::schema {
namespace {

TEST(JsonWriterTest, Nested_WritesCompactJson) {
  JsonWriter w;
  w.BeginObject()
      .Key("a")
      .Int(-1)
      .Key("b")
      .BeginArray()
      .String("x")
      .Bool(true)
      .Null()
      .EndArray()
      .Key("c")
      .BeginObject()
      .EndObject()
      .Key("d")
      .Uint(7)
      .EndObject();
  EXPECT_EQ(w.str(), R"({"a":-1,"b":["x",true,null],"c":{},"d":7})");
}

TEST(JsonWriterTest, String_EscapesControlAndQuotes) {
  JsonWriter w;
  w.String("a\"b\\c\n\x01");
  EXPECT_EQ(w.str(), R"("a\"b\\c\n\u0001")");
}

TEST(JsonWriterTest, PrettyJson_IndentsAndKeepsStrings) {
  EXPECT_EQ(
      PrettyJson(R"({"a":[1,{}],"b":"x,{y}:\"z"})"),
      "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": \"x,{y}:\\\"z\"\n}\n");
}

}  // namespace
}  // namespace podwall::schema
