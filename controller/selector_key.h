#ifndef PODWALL_CONTROLLER_SELECTOR_KEY_H_
#define PODWALL_CONTROLLER_SELECTOR_KEY_H_

// Canonical text for label selectors and peer identities, used as the IDs of
// the IR's shared sets: two peers that select the same pods by the same
// selector share one set, whatever policy they come from.

#include <string>

#include "policy-schema/label_selector.h"

namespace podwall::controller {

// kubectl-like and order-independent: "app=web,tier in (a,b),!legacy,zone";
// "*" for the empty selector.
std::string CanonicalSelector(const schema::LabelSelector& selector);

}  // namespace podwall::controller

#endif  // PODWALL_CONTROLLER_SELECTOR_KEY_H_
