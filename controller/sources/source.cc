#include "controller/sources/source.h"

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

}  // namespace podwall::sources
