// Package fulfillment is ParityRail's product logic, with no I/O: it derives
// what access each Stripe customer is promised (DerivePromise), decides what
// the app grants (Grants), compares the two into findings that become access
// incidents (Compare, CompareUnlinked), and proposes the field changes that
// repair them (Repair).
//
// Connectors convert Stripe objects and app rows / Clerk metadata into the
// lean types here; the check package runs the loop and persists the results.
// Every exported type is JSON-friendly so findings can be stored as evidence.
package fulfillment
