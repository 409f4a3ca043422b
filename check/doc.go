// Package check runs fulfillment checks end to end: it opens a project's
// sources (Stripe through billing, the app through access/clerk or
// access/postgres), derives every customer's promise and compares it with
// what the app grants (package fulfillment), and persists the outcome:
// incidents (open, last seen, updated, reopened, resolved), the promises
// that changed, and the Access Ledger entries of all of it.
//
// Scopes: full (everything), recent (customers with webhook events, promise
// boundaries in the last two hours, and every unresolved incident) and
// customer (some customers and unlinked app subjects). One check per project
// runs at a time (the database holds the lock). A failing source ends a
// check as failed; it resolves only what it fully reached before. A dry run
// does the same reads and comparison and files nothing.
//
// A full check holds the billing side once (grouped per customer, indexed by
// id) and streams the app's subjects past it, comparing each against its
// customer's promise, so memory grows with the number of customers, not with
// the app's rows times their fields; writes go out in batched transactions,
// each incident with its ledger entry.
package check
