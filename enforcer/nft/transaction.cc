#include "enforcer/nft/transaction.h"

#include "absl/strings/str_cat.h"

namespace podwall::nft {
namespace {

const char* FamilyName(TableFamily f) {
  switch (f) {
    case TableFamily::kInet:
      return "inet";
    case TableFamily::kNetdev:
      return "netdev";
    case TableFamily::kBridge:
      return "bridge";
  }
  return "?";
}

}  // namespace

std::size_t Transaction::size() const {
  std::size_t n = 0;
  for (const Op& op : ops) {
    switch (op.kind) {
      case Op::Kind::kAddElements:
      case Op::Kind::kDeleteElements:
        n += op.elements->size();
        break;
      case Op::Kind::kAddRules:
        n += op.chain->rules.size();
        break;
      default:
        ++n;
    }
  }
  return n;
}

std::string Describe(const Op& op) {
  switch (op.kind) {
    case Op::Kind::kAddTable:
      return absl::StrCat("add table ", FamilyName(op.family), " ", kTableName);
    case Op::Kind::kDeleteTable:
      return absl::StrCat("delete table ", FamilyName(op.family), " ",
                          kTableName);
    case Op::Kind::kAddSet:
      return absl::StrCat(op.set->verdict_map ? "add map " : "add set ",
                          op.set->name);
    case Op::Kind::kAddElements:
      return absl::StrCat("add ", op.elements->size(), " element(s) to set ",
                          op.set->name);
    case Op::Kind::kDeleteElements:
      return absl::StrCat("delete ", op.elements->size(),
                          " element(s) from set ", op.set->name);
    case Op::Kind::kFlushSet:
      return absl::StrCat("flush set ", op.name);
    case Op::Kind::kDeleteSet:
      return absl::StrCat("delete set ", op.name);
    case Op::Kind::kAddChain:
      return absl::StrCat("add chain ", op.chain->name);
    case Op::Kind::kAddRules:
      return absl::StrCat("add ", op.chain->rules.size(), " rule(s) to chain ",
                          op.chain->name);
    case Op::Kind::kFlushChain:
      return absl::StrCat("flush chain ", op.name);
    case Op::Kind::kDeleteChain:
      return absl::StrCat("delete chain ", op.name);
    case Op::Kind::kAddGuardBase:
      return "add the tables and chains of guards after tc";
    case Op::Kind::kAddGuard:
      return absl::StrCat("add anti-spoofing chain on ", op.guard->device);
    case Op::Kind::kAddGuardRules:
      return absl::StrCat("add anti-spoofing rules on ", op.guard->device);
    case Op::Kind::kFlushGuard:
      return absl::StrCat("flush anti-spoofing chain on ", op.name);
    case Op::Kind::kDeleteGuard:
      return absl::StrCat("delete anti-spoofing chain on ", op.name);
  }
  return "?";
}

Transaction DeleteTablesTransaction() {
  Transaction tx;
  // Creating first makes the delete succeed whether or not a table exists.
  for (TableFamily f :
       {TableFamily::kInet, TableFamily::kNetdev, TableFamily::kBridge}) {
    tx.ops.push_back({Op::Kind::kAddTable, f});
    tx.ops.push_back({Op::Kind::kDeleteTable, f});
  }
  return tx;
}

}  // namespace podwall::nft
