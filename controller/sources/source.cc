#include "controller/sources/source.h"

#include "absl/strings/str_cat.h"

namespace podwall::sources {

std::string ObjectKey(const schema::Object& object) {
  const schema::ObjectMeta& meta = schema::MetadataOf(object);
  return absl::StrCat(schema::KindName(object), "/", meta.namespace_, "/",
                      meta.name);
}

}  // namespace podwall::sources
