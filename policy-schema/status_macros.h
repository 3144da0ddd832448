#ifndef PODWALL_POLICY_SCHEMA_STATUS_MACROS_H_
#define PODWALL_POLICY_SCHEMA_STATUS_MACROS_H_

// Propagation helpers for absl::Status / absl::StatusOr, used across podwall.
//
//   RETURN_IF_ERROR(DoThing());
//   ASSIGN_OR_RETURN(auto value, ComputeValue());
//
// Both return the failed status unchanged.

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PODWALL_STATUS_CONCAT_INNER_(a, b) a##b
#define PODWALL_STATUS_CONCAT_(a, b) PODWALL_STATUS_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                                         \
  do {                                                                \
    if (absl::Status podwall_status_ = (expr); !podwall_status_.ok()) \
      return podwall_status_;                                         \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  PODWALL_ASSIGN_OR_RETURN_IMPL_(   \
      PODWALL_STATUS_CONCAT_(podwall_statusor_, __LINE__), lhs, expr)

#define PODWALL_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = std::move(statusor).value()

#endif  // PODWALL_POLICY_SCHEMA_STATUS_MACROS_H_
