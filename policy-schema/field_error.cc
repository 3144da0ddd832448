#include "policy-schema/field_error.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace podwall::schema {
namespace {

absl::string_view AsAbsl(std::string_view s) { return {s.data(), s.size()}; }

const char* TypeName(FieldErrorType type) {
  switch (type) {
    case FieldErrorType::kInvalid:
      return "Invalid value";
    case FieldErrorType::kRequired:
      return "Required value";
    case FieldErrorType::kForbidden:
      return "Forbidden";
    case FieldErrorType::kNotSupported:
      return "Unsupported value";
    case FieldErrorType::kDuplicate:
      return "Duplicate value";
    case FieldErrorType::kTypeInvalid:
      return "Invalid type";
    case FieldErrorType::kTooMany:
      return "Too many";
    case FieldErrorType::kTooLong:
      return "Too long";
  }
  return "Invalid value";
}

}  // namespace

void FieldPath::Append(std::string_view name) {
  if (!text_.empty()) text_ += '.';
  text_.append(name);
  segments_.emplace_back(std::string(name));
}

FieldPath FieldPath::Child(std::string_view name) const {
  FieldPath child = *this;
  child.Append(name);
  return child;
}

FieldPath FieldPath::Index(std::size_t index) const {
  FieldPath child = *this;
  absl::StrAppend(&child.text_, "[", index, "]");
  child.segments_.emplace_back(index);
  return child;
}

FieldPath FieldPath::Key(std::string_view key) const {
  FieldPath child = *this;
  absl::StrAppend(&child.text_, "[", AsAbsl(key), "]");
  child.segments_.emplace_back(std::string(key));
  return child;
}

std::string QuoteValue(std::string_view value) {
  std::string out = "\"";
  for (unsigned char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string FieldError::ToString() const {
  std::string out = field.empty()
                        ? std::string(TypeName(type))
                        : absl::StrCat(field.str(), ": ", TypeName(type));
  const bool prints_value =
      type != FieldErrorType::kRequired && type != FieldErrorType::kForbidden &&
      type != FieldErrorType::kTypeInvalid && type != FieldErrorType::kTooLong;
  if (prints_value) absl::StrAppend(&out, ": ", value);
  if (!detail.empty()) absl::StrAppend(&out, ": ", detail);
  return out;
}

FieldError InvalidValue(FieldPath path, std::string_view value,
                        std::string_view detail) {
  return {FieldErrorType::kInvalid, std::move(path), QuoteValue(value),
          std::string(detail)};
}

FieldError InvalidValue(FieldPath path, int64_t value,
                        std::string_view detail) {
  return {FieldErrorType::kInvalid, std::move(path), absl::StrCat(value),
          std::string(detail)};
}

FieldError RequiredValue(FieldPath path, std::string_view detail) {
  return {FieldErrorType::kRequired, std::move(path), "", std::string(detail)};
}

FieldError Forbidden(FieldPath path, std::string_view detail) {
  return {FieldErrorType::kForbidden, std::move(path), "", std::string(detail)};
}

FieldError NotSupported(FieldPath path, std::string_view value,
                        const std::vector<std::string_view>& supported) {
  std::string detail = "supported values: ";
  for (std::size_t i = 0; i < supported.size(); ++i) {
    if (i > 0) detail += ", ";
    detail += QuoteValue(supported[i]);
  }
  return {FieldErrorType::kNotSupported, std::move(path), QuoteValue(value),
          std::move(detail)};
}

FieldError DuplicateValue(FieldPath path, std::string_view value) {
  return {FieldErrorType::kDuplicate, std::move(path), QuoteValue(value), ""};
}

FieldError InvalidType(FieldPath path, std::string_view detail) {
  return {FieldErrorType::kTypeInvalid, std::move(path), "",
          std::string(detail)};
}

FieldError TooMany(FieldPath path, std::size_t actual, std::size_t max) {
  return {FieldErrorType::kTooMany, std::move(path), absl::StrCat(actual),
          absl::StrCat("must have at most ", max, " items")};
}

FieldError TooLong(FieldPath path, std::size_t max) {
  return {FieldErrorType::kTooLong, std::move(path), "",
          absl::StrCat("may not be more than ", max, " bytes")};
}

}  // namespace podwall::schema
