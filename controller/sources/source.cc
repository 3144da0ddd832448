#include "controller/sources/source.h"

#include <variant>

#include "absl/strings/str_cat.h"

namespace podwall::sources {

std::string ObjectKey(const schema::Object& object) {
  const schema::ObjectMeta& meta = schema::MetadataOf(object);
  return absl::StrCat(schema::KindName(object), "/", meta.namespace_, "/",
                      meta.name);
}

schema::Object Identity(const schema::Object& object) {
  return std::visit(
      [](const auto& o) -> schema::Object {
        std::decay_t<decltype(o)> id;
        id.metadata.namespace_ = o.metadata.namespace_;
        id.metadata.name = o.metadata.name;
        return id;
      },
      object);
}

schema::Object IdentityFromKey(const schema::Object& prototype,
                               std::string_view key) {
  // "Kind/namespace/name": neither kind nor namespace holds a '/'.
  const std::size_t kind_end = key.find('/');
  const std::size_t ns_end = key.find('/', kind_end + 1);
  schema::Object out = Identity(prototype);
  std::visit(
      [&](auto& o) {
        o.metadata.namespace_ =
            std::string(key.substr(kind_end + 1, ns_end - kind_end - 1));
        o.metadata.name = std::string(key.substr(ns_end + 1));
      },
      out);
  return out;
}

}  // namespace podwall::sources
